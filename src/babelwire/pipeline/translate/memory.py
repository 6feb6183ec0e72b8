"""Translation memory: a segment translated once is not translated again.

Entries are keyed by (engine, model version, source language, target language,
digest of the normalised masked segment).  Masked means after protection, so
"Read more at <URL>" matches whatever the URL; normalised means Unicode NFC
with runs of whitespace made one space.  A new engine or model version starts
with an empty memory, because its translations would differ.

Segments a person wrote (post-editing) are kept on a channel of their own, with
no engine and no model (`human_channel`), keyed by the whole source segment (a
title or a block, unmasked). They take precedence: a title or block found there
is taken as the person wrote it, for every engine and route of the pair; only
the rest is looked up on the engine's own channel and then sent to the engine.

The pipeline holds only this interface and a memory in a dict; the site's
memory, in its database, is storage/memory.py.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "HUMAN_ENGINE",
    "Channel",
    "DictMemory",
    "Memory",
    "MemoryEntry",
    "human_channel",
    "memory_key",
]

#: The engine name of the channel of segments a person wrote.
HUMAN_ENGINE = ""

_SPACES = re.compile(r"\s+")


def memory_key(text: str) -> str:
    normalised = _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class MemoryEntry:
    key: str
    source_text: str
    target_text: str
    unknown_words: int = 0


@dataclass(frozen=True, slots=True)
class Channel:
    """Whose translations an entry is: the engine, its model version and the pair."""

    engine: str
    model_version: str
    source: str
    target: str


def human_channel(source: str, target: str) -> Channel:
    """The channel of the segments people wrote for a language pair (any engine)."""
    return Channel(HUMAN_ENGINE, "", source, target)


class Memory(Protocol):
    def lookup(self, channel: Channel, keys: Sequence[str]) -> dict[str, MemoryEntry]:
        """The stored entries among ``keys``."""
        ...

    def store(self, channel: Channel, entries: Sequence[MemoryEntry]) -> None:
        """Add entries; one already there is left as it is."""
        ...


class DictMemory:
    """A memory held in a dict, for evaluation runs that must not touch a site."""

    def __init__(self) -> None:
        self._entries: dict[tuple[Channel, str], MemoryEntry] = {}

    def lookup(self, channel: Channel, keys: Sequence[str]) -> dict[str, MemoryEntry]:
        found = {}
        for key in keys:
            entry = self._entries.get((channel, key))
            if entry is not None:
                found[key] = entry
        return found

    def store(self, channel: Channel, entries: Sequence[MemoryEntry]) -> None:
        for entry in entries:
            self._entries.setdefault((channel, entry.key), entry)
