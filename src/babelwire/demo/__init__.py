"""Bundled sample outlets and the loopback server that serves them."""
