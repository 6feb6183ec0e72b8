"""Queries on sources: the operator's list, and which of them are due for a poll."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from babelwire.storage.tables import SourceRow

__all__ = [
    "add_sources",
    "all_sources",
    "due_source_ids",
    "load_source",
    "next_due_time",
    "source_by_url",
    "sources_due",
]


def load_source(session: Session, source_id: int) -> SourceRow | None:
    return session.get(SourceRow, source_id)


def source_by_url(session: Session, url: str) -> SourceRow | None:
    return session.scalar(select(SourceRow).where(SourceRow.url == url))


def all_sources(session: Session) -> list[SourceRow]:
    """Every source, in the order they were added."""
    return list(session.scalars(select(SourceRow).order_by(SourceRow.id)).all())


def add_sources(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """New sources in one batch of inserts (an OPML import of tens of thousands)."""
    if rows:
        session.execute(insert(SourceRow), list(rows))


def next_due_time(session: Session) -> datetime | None:
    """When the next enabled source is due; None when none is enabled."""
    return session.scalar(
        select(func.min(SourceRow.next_fetch_at)).where(SourceRow.enabled.is_(True))
    )


def due_source_ids(session: Session, now: datetime) -> list[int]:
    """Enabled sources whose next poll time has come (never-polled sources are due)."""
    rows = session.scalars(
        select(SourceRow).where(SourceRow.enabled.is_(True)).order_by(SourceRow.id)
    ).all()
    return [r.id for r in rows if r.next_fetch_at is None or r.next_fetch_at <= now]


def sources_due(session: Session, source_ids: Sequence[int], now: datetime) -> list[SourceRow]:
    """Of `source_ids`, the enabled sources due by `now`, in one query, in the order given."""
    rows = session.scalars(
        select(SourceRow).where(
            SourceRow.id.in_(list(source_ids)),
            SourceRow.enabled.is_(True),
            (SourceRow.next_fetch_at.is_(None)) | (SourceRow.next_fetch_at <= now),
        )
    ).all()
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in dict.fromkeys(source_ids) if i in by_id]
