"""The `babelwire` command."""
