"""Use cases: what the CLI, the web app and workers ask babelwire to do."""
