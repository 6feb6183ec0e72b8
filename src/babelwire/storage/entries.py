"""Queries on feed entries: what each source announced, and the article each entry points at."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from babelwire.model import FeedEntry
from babelwire.storage.tables import EntryRow, SourceRow

__all__ = [
    "add_entry",
    "entries_of_article",
    "entry_by_guid",
    "latest_entry_of_article",
    "point_entries_at",
    "recent_publication_times",
    "write_entry",
]


def entry_by_guid(session: Session, source_id: int, guid: str) -> EntryRow | None:
    """The source's entry with `guid`, if the source announced it before."""
    return session.scalar(
        select(EntryRow).where(EntryRow.source_id == source_id, EntryRow.guid == guid)
    )


def add_entry(
    session: Session, source_id: int, entry: FeedEntry, fingerprint: str, now: datetime
) -> EntryRow:
    """A new entry of the source, first and last seen `now`, pointing at no article yet."""
    row = EntryRow(source_id=source_id, guid=entry.guid, first_seen=now, last_seen=now)
    write_entry(row, entry, fingerprint)
    session.add(row)
    return row


def write_entry(row: EntryRow, entry: FeedEntry, fingerprint: str) -> None:
    """What the source now says about the entry, with the fingerprint of it."""
    row.url = entry.url
    row.title = entry.title
    row.summary = entry.summary
    row.content_html = entry.content_html
    row.author = entry.author
    row.published = entry.published
    row.updated = entry.updated
    row.fingerprint = fingerprint


def recent_publication_times(session: Session, source_id: int, count: int = 50) -> list[datetime]:
    """When the source's last `count` entries were published (or first seen), newest first."""
    rows = session.execute(
        select(func.coalesce(EntryRow.published, EntryRow.first_seen))
        .where(EntryRow.source_id == source_id)
        .order_by(EntryRow.id.desc())
        .limit(count)
    ).all()
    return [row[0] for row in rows if row[0] is not None]


def entries_of_article(session: Session, article_id: int) -> list[tuple[EntryRow, str]]:
    """The feed entries that announced the article, first seen first, each with the
    name of its source."""
    rows = session.execute(
        select(EntryRow, SourceRow.name)
        .join(SourceRow, SourceRow.id == EntryRow.source_id)
        .where(EntryRow.article_id == article_id)
        .order_by(EntryRow.first_seen, EntryRow.id)
    ).all()
    return [(row, str(name)) for row, name in rows]


def latest_entry_of_article(session: Session, article_id: int, source_id: int) -> FeedEntry | None:
    """The entry of `source_id` last seen announcing the article, as the feed gave it."""
    row = session.scalar(
        select(EntryRow)
        .where(EntryRow.article_id == article_id, EntryRow.source_id == source_id)
        .order_by(EntryRow.last_seen.desc())
        .limit(1)
    )
    if row is None:
        return None
    return FeedEntry(
        guid=row.guid,
        url=row.url,
        title=row.title,
        summary=row.summary,
        content_html=row.content_html,
        author=row.author,
        published=row.published,
        updated=row.updated,
    )


def point_entries_at(session: Session, from_article_id: int, to_article_id: int) -> None:
    """The entries that announced one article now announce another."""
    session.execute(
        update(EntryRow)
        .where(EntryRow.article_id == from_article_id)
        .values(article_id=to_article_id)
    )
