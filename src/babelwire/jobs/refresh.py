"""Refresh sources: poll them all at once, store new and changed entries, queue their articles.

Polling runs concurrently under the politeness limits (pipeline/discover/poll.py);
storing runs afterwards, one short transaction per source, so a database
never sees concurrent writers from one pass.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from babelwire.clock import utcnow
from babelwire.failure import describe_error
from babelwire.model import FeedEntry, ParsedFeed, Stage, Step
from babelwire.newsroom import Newsroom, source_allowance
from babelwire.pipeline.bounds import bounded_entry
from babelwire.pipeline.discover.poll import FEED_ACCEPT, PollOutcome, PollRequest, poll_sources
from babelwire.pipeline.discover.schedule import (
    MAX_BACKOFF,
    Policy,
    after_failure,
    after_success,
    hot_interval,
)
from babelwire.pipeline.discover.urls import canonical_url
from babelwire.pipeline.fetch.hosts import HostStats
from babelwire.pipeline.fetch.http import AsyncFetcher
from babelwire.storage import Session, articles, entries, sources
from babelwire.storage.columns import fits
from babelwire.storage.database import is_database_failure
from babelwire.storage.tables import EntryRow, SourceRow

logger = logging.getLogger(__name__)

__all__ = [
    "FEED_ACCEPT",
    "MAX_BACKOFF",
    "SourceReport",
    "due_source_ids",
    "entry_fingerprint",
    "refresh_source",
    "refresh_sources",
    "store_pushed",
]


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
    article_ids: list[int] = field(default_factory=list)  # new and updated
    new_ids: list[int] = field(default_factory=list)  # new alone: the fast lane's


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
    with newsroom.sessions() as session:
        return sources.due_source_ids(session, now or utcnow())


def policy(newsroom: Newsroom, source: SourceRow | None = None) -> Policy:
    """The site's polling policy, with `source`'s own interval bounds where it has them."""
    c = newsroom.config
    site = Policy(
        default_minutes=c.settings.fetch.interval_minutes,
        min_minutes=c.settings.fetch.min_interval_minutes,
        max_minutes=c.settings.fetch.max_interval_minutes,
        failing_after=c.settings.fetch.failing_after,
        hot_seconds=c.settings.fetch.hot_interval_seconds,
    )
    if source is None:
        return site
    return site.bounded(source.min_interval_minutes, source.max_interval_minutes)


def refresh_source(newsroom: Newsroom, source_id: int) -> SourceReport:
    """Poll one source once. Failures are recorded on the source, never raised."""
    return refresh_sources(newsroom, [source_id])[0]


@dataclass(slots=True)
class RefreshRound:
    reports: list[SourceReport]
    hosts: dict[str, HostStats]


def refresh_sources(
    newsroom: Newsroom,
    source_ids: Sequence[int],
    *,
    on_done: Callable[[], None] | None = None,
    due_by: datetime | None = None,
) -> list[SourceReport]:
    """Poll the sources concurrently, then store what each brought; a report per source.

    With `due_by`, only those of them enabled and due by then are polled (and
    reported); the others are left out rather than refused.
    """
    return refresh_round(newsroom, source_ids, on_done=on_done, due_by=due_by).reports


def refresh_round(
    newsroom: Newsroom,
    source_ids: Sequence[int],
    *,
    on_done: Callable[[], None] | None = None,
    due_by: datetime | None = None,
) -> RefreshRound:
    """As refresh_sources, also returning what each host saw (for the benchmark)."""
    requests: list[PollRequest] = []
    with newsroom.sessions() as session:
        for source in _sources_to_poll(session, source_ids, due_by):
            requests.append(
                PollRequest(
                    source_id=source.id,
                    url=source.url,
                    kind=source.kind or "feed",
                    etag=source.etag,
                    last_modified=source.last_modified,
                    allowance=source_allowance(source),
                )
            )
    if not requests:
        return RefreshRound([], {})
    c = newsroom.config
    polled = poll_sources(
        requests,
        make_fetcher=lambda: async_fetcher(newsroom),
        robots=newsroom.robots,
        concurrency=c.settings.fetch.concurrency,
        per_host=c.settings.fetch.host_concurrency,
        host_delay=c.settings.fetch.host_delay,
        next_starts=newsroom.caches.host_next_poll,
    )
    reports = []
    for outcome in polled.outcomes:
        reports.append(_store_isolated(newsroom, outcome))
        if on_done is not None:
            on_done()
    return RefreshRound(reports, polled.hosts)


def _sources_to_poll(
    session: Session, source_ids: Sequence[int], due_by: datetime | None
) -> list[SourceRow]:
    if due_by is not None:
        return sources.sources_due(session, source_ids, due_by)
    rows = []
    for source_id in source_ids:
        source = sources.load_source(session, source_id)
        if source is None:
            raise LookupError(f"no source {source_id}")
        rows.append(source)
    return rows


def async_fetcher(newsroom: Newsroom) -> AsyncFetcher:
    """An asynchronous client with the newsroom fetcher's identity, limits and guard."""
    f = newsroom.fetcher
    return AsyncFetcher(
        f.headers["User-Agent"],
        guard=f.guard,
        connect_timeout=f.connect_timeout,
        read_timeout=f.read_timeout,
        total_timeout=f.total_timeout,
        max_bytes=f.max_bytes,
        max_redirects=f.max_redirects,
    )


def _store_isolated(newsroom: Newsroom, outcome: PollOutcome) -> SourceReport:
    """Store one source's outcome; if storing it raises, that is the source's failure.

    An entry the database refuses (or a bug in storing it) must not lose what
    the other sources brought in the same pass: the source's transaction is
    rolled back and the failure is stored on it instead, as a failed poll. If
    even that cannot be written, the database itself is failing: that raises.
    So does a failure of the database while storing (a connection ended, the
    server away): the source is not to blame, and stays due for the next try.
    """
    try:
        return _store_outcome(newsroom, outcome)
    except Exception as exc:
        if is_database_failure(exc):
            raise
        # One line for the operator; the traceback, for a bug report, at debug level.
        ids = {"source_id": outcome.request.source_id, "stage": Step.FETCH.value}
        logger.warning(
            "source %s: storing its entries raised %s",
            outcome.request.source_id,
            describe_error(exc),
            extra=ids,
        )
        logger.debug("storing source %s", outcome.request.source_id, exc_info=True, extra=ids)
        failed = dataclasses.replace(
            outcome, result=None, feed=None, error=f"storing its entries: {describe_error(exc)}"
        )
        return _store_outcome(newsroom, failed)


def _store_outcome(newsroom: Newsroom, outcome: PollOutcome) -> SourceReport:
    now = utcnow()
    with newsroom.sessions() as session:
        source = sources.load_source(session, outcome.request.source_id)
        if source is None:  # removed while it was being polled
            return SourceReport(source_id=outcome.request.source_id, name="", error="removed")
        rules = policy(newsroom, source)
        report = SourceReport(source_id=source.id, name=source.name)
        log = _PollLog()
        source.last_fetched_at = now
        if outcome.error is not None:
            report.error = outcome.error
            log.outcome = "error"
            log.error = outcome.error
            logger.info(
                "source %s: poll failed: %s",
                outcome.request.source_id,
                outcome.error[:300],
                extra={"source_id": outcome.request.source_id, "stage": Step.FETCH.value},
            )
            source.consecutive_failures += 1
            delay, reason, failing = after_failure(
                rules,
                interval_minutes=source.interval_minutes,
                failures=source.consecutive_failures,
                retry_after=outcome.retry_after,
            )
            source.last_status = "failing" if failing else "error"
            source.last_error = outcome.error
            source.next_fetch_at = now + delay
            source.poll_reason = reason[:300]
        else:
            if outcome.not_modified:
                log.outcome = "not_modified"
            elif outcome.feed is not None and outcome.result is not None:
                _store_feed(newsroom, session, source, outcome, report, log)
            source.last_status = log.outcome
            source.last_error = None
            source.consecutive_failures = 0
            published = entries.recent_publication_times(session, source.id)
            minutes, reason = after_success(
                rules,
                current_minutes=source.interval_minutes,
                published=published,
                new_entries=report.new,
                now=now,
            )
            wait = timedelta(minutes=minutes)
            hot = hot_interval(rules, published=published, now=now)
            if hot is not None:  # below the minimum, down to the hot floor
                wait, reason = timedelta(seconds=hot[0]), hot[1]
                minutes = max(1, round(hot[0] / 60))
            source.interval_minutes = minutes
            source.next_fetch_at = now + wait
            source.poll_reason = reason[:300]
            if newsroom.config.settings.websub.enabled:
                _websub_after_poll(newsroom, session, source, outcome, report, now)
        sources.log_poll(
            session,
            source.id,
            started_at=now,
            outcome=log.outcome,
            http_status=outcome.status,
            duration_ms=int(outcome.seconds * 1000),
            entries=log.entries,
            new=report.new,
            updated=report.updated,
            error=log.error,
        )
        session.commit()
    return report


@dataclass(slots=True)
class _PollLog:
    """What the fetch log says of a poll, besides what the report counts."""

    outcome: str = "ok"  # ok, not_modified or error
    entries: int = 0
    error: str | None = None


def _store_feed(
    newsroom: Newsroom,
    session: Session,
    source: SourceRow,
    outcome: PollOutcome,
    report: SourceReport,
    log: _PollLog,
) -> None:
    feed, result = outcome.feed, outcome.result
    assert feed is not None and result is not None
    # A validator too long for its column could only be stored cut, and a cut
    # one would never match: a source with such a server polls unconditionally.
    source.etag = result.etag if fits(result.etag, SourceRow.etag) else None
    source.last_modified = (
        result.last_modified if fits(result.last_modified, SourceRow.last_modified) else None
    )
    title_note = ""
    if not fits(feed.title, SourceRow.feed_title):
        title_note = f"feed title of {len(feed.title):,} characters cut to its first 500"
    source.feed_title = feed.title[:500].rstrip() or source.feed_title
    announced = feed.entries[: newsroom.config.settings.fetch.max_entries]
    log.entries = len(announced)
    cut = _store_entries(session, source, announced, report)
    notes = [f"feed read with problems: {feed.problem}"] if feed.problem else []
    notes += [title_note] if title_note else []
    if cut:
        notes.append(f"{len(cut)} entries cut to size (first: {cut[0]})")
    log.error = "; ".join(notes) or None


def _store_entries(
    session: Session, source: SourceRow, announced: Sequence[FeedEntry], report: SourceReport
) -> list[str]:
    """Store a feed's entries (polled or pushed); what was cut to size, a note each."""
    cut = []
    for entry in announced:
        if not _link_fits(entry):
            report.skipped += 1
            continue
        entry, note = bounded_entry(entry)
        cut += [note] if note else []
        _store_entry(session, source, entry, report)
    return cut


def store_pushed(newsroom: Newsroom, source_id: int, feed: ParsedFeed) -> SourceReport:
    """Store the entries a source's hub pushed, as a poll stores them: an entry already
    stored unchanged is skipped, so content pushed twice (or pushed and polled) makes
    one article, processed once. The source's polling schedule is left as it is."""
    with newsroom.sessions() as session:
        source = sources.load_source(session, source_id)
        if source is None:
            return SourceReport(source_id=source_id, name="", error="removed")
        report = SourceReport(source_id=source.id, name=source.name)
        announced = feed.entries[: newsroom.config.settings.fetch.max_entries]
        _store_entries(session, source, announced, report)
        session.commit()
    return report


def _websub_after_poll(
    newsroom: Newsroom,
    session: Session,
    source: SourceRow,
    outcome: PollOutcome,
    report: SourceReport,
    now: datetime,
) -> None:
    """The hub the feed names, noted for a subscription; a pushing source's next poll."""
    from babelwire.jobs import websub_polls
    from babelwire.pipeline.websub.discovery import announced_hub

    if outcome.feed is not None and outcome.result is not None:
        websub_polls.note_announcement(
            session, source, announced_hub(outcome.feed, outcome.result), now
        )
    settings = newsroom.config.settings.websub
    websub_polls.after_poll(session, settings, source, report.new, now)


def _link_fits(entry: FeedEntry) -> bool:
    """Whether the entry's link fits its column: one longer is no address anyone
    publishes, and cut it would point elsewhere, so such an entry is skipped (its
    other texts are brought within their limits by bounded_entry)."""
    return fits(entry.url, EntryRow.url) and fits(canonical_url(entry.url), EntryRow.url)


def _store_entry(
    session: Session, source: SourceRow, entry: FeedEntry, report: SourceReport
) -> None:
    from babelwire.jobs.takedown import is_tombstoned

    if is_tombstoned(session, entry.url):
        report.skipped += 1  # taken down: never ingested again
        return
    now = utcnow()
    entry = _believable_dates(entry, now)
    fingerprint = entry_fingerprint(entry)
    row = entries.entry_by_guid(session, source.id, entry.guid)
    if row is not None:
        row.last_seen = now
        if row.fingerprint == fingerprint:
            report.skipped += 1
            return
        entries.write_entry(row, entry, fingerprint)
        article = articles.load_article(session, row.article_id) if row.article_id else None
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
    row = entries.add_entry(session, source.id, entry, fingerprint, now)
    url = canonical_url(entry.url)
    article = articles.article_by_canonical_url(session, url)
    if article is not None:
        # The same article announced again (another GUID, another source): one article.
        row.article_id = article.id
        report.skipped += 1
        return
    article = articles.add_discovered_article(session, source.id, entry, url, seen=now)
    row.article_id = article.id
    report.new += 1
    report.article_ids.append(article.id)
    report.new_ids.append(article.id)


def _believable_dates(entry: FeedEntry, now: datetime) -> FeedEntry:
    """A date in the future is a clock or time-zone mistake: the entry is new now."""
    published = entry.published if entry.published is None or entry.published <= now else now
    updated = entry.updated if entry.updated is None or entry.updated <= now else now
    if published is entry.published and updated is entry.updated:
        return entry
    return dataclasses.replace(entry, published=published, updated=updated)
