"""The JSON API `babelwire serve` answers under /api/v1 (docs/api.md)."""
