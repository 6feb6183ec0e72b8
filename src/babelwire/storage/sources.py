"""Queries on sources: the operator's list, which of them are due for a poll, and the log
of their polls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from babelwire.storage.tables import FetchLogRow, SourceRow

__all__ = [
    "add_sources",
    "all_sources",
    "due_source_ids",
    "enabled_source_ids",
    "load_source",
    "log_poll",
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


def enabled_source_ids(session: Session) -> list[int]:
    """Every enabled source, due or not, in the order they were added."""
    return list(
        session.scalars(
            select(SourceRow.id).where(SourceRow.enabled.is_(True)).order_by(SourceRow.id)
        )
    )


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


def log_poll(
    session: Session,
    source_id: int,
    *,
    started_at: datetime,
    outcome: str,
    http_status: int | None,
    duration_ms: int,
    entries: int,
    new: int,
    updated: int,
    error: str | None,
) -> None:
    """One poll of the source in its fetch log: what happened and what it brought."""
    session.add(
        FetchLogRow(
            source_id=source_id,
            started_at=started_at,
            outcome=outcome,
            http_status=http_status,
            duration_ms=duration_ms,
            entries=entries,
            new=new,
            updated=updated,
            error=error,
        )
    )


def count_failing(session: Session) -> int:
    """Enabled sources whose latest poll failed."""
    query = select(func.count()).select_from(SourceRow)
    failing = query.where(SourceRow.enabled.is_(True), SourceRow.consecutive_failures > 0)
    return int(session.scalar(failing) or 0)


def make_due(session: Session, source_id: int, now: datetime) -> None:
    """Make a source due now (its hub pinged: the feed has something new)."""
    source = session.get(SourceRow, source_id)
    if source is not None and (source.next_fetch_at is None or source.next_fetch_at > now):
        source.next_fetch_at = now
        source.poll_reason = "its WebSub hub announced new content"
