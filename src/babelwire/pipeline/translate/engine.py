"""The one small interface every translation engine implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


class EngineError(RuntimeError):
    """An engine failed to translate (crashed, hung, or answered nonsense)."""


class UnsupportedPair(EngineError):
    """The engine cannot translate between these two languages."""


@runtime_checkable
class Engine(Protocol):
    """Translates batches of plain-text segments between ISO 639-1 languages.

    >>> engine.translate_batch(["Hola, mundo."], "es", "en")
    ['Hello, world.']
    """

    name: str

    def version(self) -> str:
        """The engine's version, recorded with every translation it makes."""
        ...

    def pairs(self) -> set[tuple[str, str]]:
        """Every (source, target) pair this engine can translate directly."""
        ...

    def translate_batch(self, segments: Sequence[str], source: str, target: str) -> list[str]:
        """Translate each segment; the result has the same length and order."""
        ...

    def close(self) -> None:
        """Release processes and models."""
        ...
