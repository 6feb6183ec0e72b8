"""A setting declared as a field of a frozen dataclass: its default, what it does, its least value.

The site's settings (babelwire/config.py) are such dataclasses, one per table of
babelwire.toml; a translation engine declares its own options the same way in its
module, and the [translation] table takes them in under a prefix. The field's type
(int, float, bool, str, list[str], or dict[str, str]: a text per edition) is the
setting's type: the loader checks values against it and a misspelt setting is an
attribute mypy does not know.

>>> @dataclass(frozen=True)
... class Options:
...     url: str = setting("", "Server, e.g. http://host:5000.")
...     batch: int = setting(50, "Segments per request.", minimum=1)
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

HELP = "help"
MINIMUM = "minimum"
PREFIX = "prefix"

__all__ = ["HELP", "MINIMUM", "PREFIX", "options", "setting"]


def setting(default: Any, help: str, *, minimum: float | None = None) -> Any:
    """A dataclass field declaring one setting (`minimum`: least value, for numbers that make
    no sense below it)."""
    metadata = {HELP: help, MINIMUM: minimum}
    if isinstance(default, list):
        items = list(default)
        return field(default_factory=lambda: list(items), metadata=metadata)
    if isinstance(default, dict):
        table = dict(default)
        return field(default_factory=lambda: dict(table), metadata=metadata)
    return field(default=default, metadata=metadata)


def options(kind: type[Any], *, prefix: str) -> Any:
    """A dataclass field holding a group of settings declared by `kind` (an engine's options),
    each named in its table with `prefix` before its own name."""
    return field(default_factory=kind, metadata={PREFIX: prefix})
