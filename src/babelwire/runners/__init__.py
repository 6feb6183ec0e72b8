"""Runners decide where jobs run: in this process (local) or on workers."""
