"""Translation memory: a segment translated once is not translated again.

Entries are keyed by (engine, model version, source language, target language,
digest of the normalised masked segment).  Masked means after protection, so
"Read more at <URL>" matches whatever the URL; normalised means Unicode NFC
with runs of whitespace made one space.  A new engine or model version starts
with an empty memory, because its translations would differ.

Lookups and inserts are batched (one query per few hundred segments), so the
memory costs a few queries per engine batch, not one per sentence.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from babelwire.clock import utcnow
from babelwire.storage.tables import TranslationMemoryRow

__all__ = ["Channel", "DictMemory", "Memory", "MemoryEntry", "SqlMemory", "memory_key"]

_SPACES = re.compile(r"\s+")
_QUERY_SIZE = 400


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


class SqlMemory:
    """The site's memory, in its database, within the caller's session (and transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lookup(self, channel: Channel, keys: Sequence[str]) -> dict[str, MemoryEntry]:
        found: dict[str, MemoryEntry] = {}
        unique = list(dict.fromkeys(keys))
        t = TranslationMemoryRow
        for start in range(0, len(unique), _QUERY_SIZE):
            rows = self.session.execute(
                select(t.key, t.source_text, t.target_text, t.unknown_words).where(
                    t.engine == channel.engine,
                    t.model_version == channel.model_version,
                    t.source_language == channel.source,
                    t.target_language == channel.target,
                    t.key.in_(unique[start : start + _QUERY_SIZE]),
                )
            )
            for key, source_text, target_text, unknown in rows:
                found[key] = MemoryEntry(key, source_text, target_text, unknown)
        return found

    def store(self, channel: Channel, entries: Sequence[MemoryEntry]) -> None:
        if not entries:
            return
        now = utcnow()
        rows = [
            {
                "engine": channel.engine,
                "model_version": channel.model_version,
                "source_language": channel.source,
                "target_language": channel.target,
                "key": e.key,
                "source_text": e.source_text,
                "target_text": e.target_text,
                "unknown_words": e.unknown_words,
                "created_at": now,
            }
            for e in {e.key: e for e in entries}.values()
        ]
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        for start in range(0, len(rows), _QUERY_SIZE):
            statement = insert(TranslationMemoryRow).on_conflict_do_nothing(
                index_elements=[
                    "engine",
                    "model_version",
                    "source_language",
                    "target_language",
                    "key",
                ]
            )
            self.session.execute(statement, rows[start : start + _QUERY_SIZE])
