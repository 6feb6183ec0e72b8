"""`translation.prefer`: the engine that translates a language pair first, whatever the
order of `translation.engines` (a neural model for the pairs it serves well, say).

Each entry is ``"SOURCE>TARGET=ENGINE"``, e.g. ``"es>en=ctranslate2"``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["PreferenceError", "parse_preferences", "preference_entry"]

_ENTRY = re.compile(r"^\s*([a-z]{2,3})\s*>\s*([a-z]{2,3})\s*=\s*([a-z0-9_-]+)\s*$")


class PreferenceError(ValueError):
    """An entry of translation.prefer is not SOURCE>TARGET=ENGINE."""


def parse_preferences(entries: Sequence[str]) -> dict[tuple[str, str], str]:
    """{(source, target): engine}; raises PreferenceError naming the bad entry."""
    found: dict[tuple[str, str], str] = {}
    for entry in entries:
        m = _ENTRY.match(entry)
        if m is None:
            raise PreferenceError(
                f"translation.prefer: {entry!r} is not SOURCE>TARGET=ENGINE, e.g. es>en=ctranslate2"
            )
        source, target, engine = m.groups()
        if source == target:
            raise PreferenceError(f"translation.prefer: {entry!r} translates into its own language")
        if found.get((source, target), engine) != engine:
            raise PreferenceError(
                f"translation.prefer: {source}>{target} is given two engines "
                f"({found[(source, target)]} and {engine})"
            )
        found[(source, target)] = engine
    return found


def preference_entry(source: str, target: str, engine: str) -> str:
    return f"{source}>{target}={engine}"
