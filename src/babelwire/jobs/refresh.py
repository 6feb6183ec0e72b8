"""Refresh a source: fetch its feed, store new and changed entries, queue their articles."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from babelwire.clock import utcnow
from babelwire.jobs.newsroom import Newsroom
from babelwire.model import FeedEntry, Stage
from babelwire.pipeline.discover.feeds import NotAFeed, parse_feed
from babelwire.pipeline.discover.urls import canonical_url
from babelwire.pipeline.fetch.http import FetchError
from babelwire.storage.tables import ArticleRow, EntryRow, FetchLogRow, SourceRow

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
MAX_BACKOFF = timedelta(hours=24)


@dataclass(slots=True)
class SourceReport:
    """What one pass did for one source (the run's summary table has a row per source)."""

    source_id: int
    name: str
    new: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    error: str | None = None
    article_ids: list[int] = field(default_factory=list)


def entry_fingerprint(entry: FeedEntry) -> str:
    """Changes when the source changes what it says about an entry."""
    parts = [
        entry.url,
        entry.title,
        entry.summary,
        entry.content_html,
        entry.updated.isoformat() if entry.updated else "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def due_source_ids(newsroom: Newsroom, now: datetime | None = None) -> list[int]:
    """Enabled sources whose next poll time has come (never-polled sources are due)."""
    now = now or utcnow()
    with newsroom.sessions() as session:
        rows = session.scalars(
            select(SourceRow).where(SourceRow.enabled.is_(True)).order_by(SourceRow.id)
        ).all()
        return [r.id for r in rows if r.next_fetch_at is None or r.next_fetch_at <= now]


def refresh_source(newsroom: Newsroom, source_id: int) -> SourceReport:
    """Poll one source once. Failures are recorded on the source, never raised."""
    started = time.monotonic()
    now = utcnow()
    with newsroom.sessions() as session:
        source = session.get(SourceRow, source_id)
        if source is None:
            raise LookupError(f"no source {source_id}")
        report = SourceReport(source_id=source.id, name=source.name)
        log = FetchLogRow(source_id=source.id, started_at=now, outcome="ok")
        try:
            _poll(newsroom, session, source, report, log)
        except (FetchError, NotAFeed) as exc:
            report.error = str(exc)
            log.outcome = "error"
            log.error = report.error
            log.http_status = getattr(exc, "status", None)
        source.last_fetched_at = now
        if report.error:
            source.last_status = "error"
            source.last_error = report.error
            source.consecutive_failures += 1
            delay = timedelta(minutes=source.interval_minutes) * (
                2 ** min(source.consecutive_failures - 1, 6)
            )
            source.next_fetch_at = now + min(delay, MAX_BACKOFF)
        else:
            source.last_status = log.outcome
            source.last_error = None
            source.consecutive_failures = 0
            source.next_fetch_at = now + timedelta(minutes=source.interval_minutes)
        log.duration_ms = int((time.monotonic() - started) * 1000)
        log.new, log.updated = report.new, report.updated
        session.add(log)
        session.commit()
    return report


def _poll(
    newsroom: Newsroom,
    session: Session,
    source: SourceRow,
    report: SourceReport,
    log: FetchLogRow,
) -> None:
    refusal = newsroom.robots.check(source.url)
    if refusal:
        raise FetchError(source.url, refusal)
    result = newsroom.fetcher.fetch(
        source.url, etag=source.etag, last_modified=source.last_modified, accept=FEED_ACCEPT
    )
    log.http_status = result.status
    if result.not_modified:
        log.outcome = "not_modified"
        return
    feed = parse_feed(result.content, result.final_url, result.content_type)
    source.etag = result.etag
    source.last_modified = result.last_modified
    source.feed_title = feed.title[:500] or source.feed_title
    limit = int(newsroom.config.get("fetch.max_entries"))
    entries = feed.entries[:limit]
    log.entries = len(entries)
    for entry in entries:
        _store_entry(session, source, entry, report)
    if feed.problem:
        log.error = f"feed read with problems: {feed.problem}"


def _store_entry(
    session: Session, source: SourceRow, entry: FeedEntry, report: SourceReport
) -> None:
    now = utcnow()
    fingerprint = entry_fingerprint(entry)
    row = session.scalar(
        select(EntryRow).where(EntryRow.source_id == source.id, EntryRow.guid == entry.guid)
    )
    if row is not None:
        row.last_seen = now
        if row.fingerprint == fingerprint:
            report.skipped += 1
            return
        _copy_entry(row, entry, fingerprint)
        article = session.get(ArticleRow, row.article_id) if row.article_id else None
        if article is not None and article.source_id == source.id:
            # Re-extract; the stored text and translations stay until the new ones are ready.
            article.stage = Stage.DISCOVERED.value
            article.attempts = 0
            article.source_updated_at = entry.updated or now
            report.updated += 1
            report.article_ids.append(article.id)
        else:
            report.skipped += 1
        return
    row = EntryRow(source_id=source.id, guid=entry.guid, first_seen=now, last_seen=now)
    _copy_entry(row, entry, fingerprint)
    session.add(row)
    url = canonical_url(entry.url)
    article = session.scalar(select(ArticleRow).where(ArticleRow.canonical_url == url))
    if article is not None:
        # The same article announced again (another GUID, another source): one article.
        row.article_id = article.id
        report.skipped += 1
        return
    article = ArticleRow(
        source_id=source.id,
        url=entry.url,
        canonical_url=url,
        title=entry.title,
        author=entry.author,
        published_at=entry.published,
        source_updated_at=entry.updated,
        stage=Stage.DISCOVERED.value,
        version=0,
        attempts=0,
        from_feed=False,
        extractor="",
        image="",
        blocks=[],
    )
    session.add(article)
    session.flush()
    row.article_id = article.id
    report.new += 1
    report.article_ids.append(article.id)


def _copy_entry(row: EntryRow, entry: FeedEntry, fingerprint: str) -> None:
    row.url = entry.url
    row.title = entry.title
    row.summary = entry.summary
    row.content_html = entry.content_html
    row.author = entry.author
    row.published = entry.published
    row.updated = entry.updated
    row.fingerprint = fingerprint
