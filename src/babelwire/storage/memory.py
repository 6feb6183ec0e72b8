"""The site's translation memory, in its database (the interface is pipeline/translate/memory.py).

Lookups and inserts are batched (one query per few hundred segments), so the
memory costs a few queries per engine batch, not one per sentence.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from babelwire.clock import utcnow
from babelwire.pipeline.translate.memory import HUMAN_ENGINE, Channel, MemoryEntry
from babelwire.storage.tables import TranslationMemoryRow

__all__ = ["SqlMemory", "human_segment_count"]

_QUERY_SIZE = 400


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
        self._insert(channel, entries, replace=False)

    def store_human(self, channel: Channel, entries: Sequence[MemoryEntry]) -> None:
        """Add segments a person wrote (`human_channel`); a later edit of the same
        source segment replaces the earlier one."""
        self._insert(channel, entries, replace=True)

    def _insert(self, channel: Channel, entries: Sequence[MemoryEntry], *, replace: bool) -> None:
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
        unique = ["engine", "model_version", "source_language", "target_language", "key"]
        for start in range(0, len(rows), _QUERY_SIZE):
            statement = insert(TranslationMemoryRow)
            if replace:
                statement = statement.on_conflict_do_update(
                    index_elements=unique,
                    set_={
                        "source_text": statement.excluded.source_text,
                        "target_text": statement.excluded.target_text,
                        "created_at": statement.excluded.created_at,
                    },
                )
            else:
                statement = statement.on_conflict_do_nothing(index_elements=unique)
            self.session.execute(statement, rows[start : start + _QUERY_SIZE])


def human_segment_count(session: Session) -> int:
    """How many segments of the memory a person wrote."""
    t = TranslationMemoryRow
    return int(
        session.scalar(select(func.count()).select_from(t).where(t.engine == HUMAN_ENGINE)) or 0
    )
