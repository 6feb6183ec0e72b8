"""The fast lane: a new entry goes live ahead of a backlog, in real passes against the
loopback sample outlets with real Apertium, on SQLite and PostgreSQL; hot sources are
polled down to their floor while the host delay holds from one round to the next."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from babelwire.clock import utcnow
from babelwire.demo.server import DemoServer, SampleArticle, synthetic_outlet
from babelwire.jobs.fast_lane import FastLane, carry_now
from babelwire.jobs.refresh import refresh_sources
from babelwire.jobs.run import run_pass
from babelwire.model import Stage
from babelwire.newsroom import Newsroom
from babelwire.pipeline.discover.schedule import Policy, after_success, hot_interval
from babelwire.pipeline.fetch.hosts import HostLimits, host_key
from babelwire.storage import sources
from babelwire.storage.tables import ArticleRow, SourceRow
from tests.conftest import make_site

OUTLET = "harbour-courier"


def _fresh_article(slug: str, seed: int) -> SampleArticle:
    """A new article for the outlet (of its own text, no copy of another), published now."""
    (text,) = synthetic_outlet(1, words=150, seed=seed).articles
    return replace(
        text,
        slug=slug,
        title=f"Breaking: the harbour opens a new quay ({slug})",
        published=datetime.now(UTC).replace(microsecond=0),
    )


def _article(room: Newsroom, slug: str) -> ArticleRow:
    with room.sessions() as session:
        row = session.scalar(select(ArticleRow).where(ArticleRow.url.contains(slug)))
        assert row is not None, slug
        session.expunge(row)
        return row


def _backlog(room: Newsroom, exclude: int) -> list[ArticleRow]:
    with room.sessions() as session:
        rows = list(session.scalars(select(ArticleRow).where(ArticleRow.id != exclude)))
        for row in rows:
            session.expunge(row)
        return rows


def _source_id(room: Newsroom, server: DemoServer) -> int:
    with room.sessions() as session:
        found = session.scalar(select(SourceRow.id).where(SourceRow.url == server.feed_url(OUTLET)))
        assert found is not None
        return int(found)


def _with_backlog(tmp_path: Path, server: DemoServer, database_url: str) -> Newsroom:
    """A site whose sources were polled but nothing processed: every article waits."""
    room = make_site(tmp_path / "site", server, database_url)
    with room.sessions() as session:
        ids = sources.enabled_source_ids(session)
    reports = refresh_sources(room, ids)
    assert sum(r.new for r in reports) >= 25
    return room


@pytest.mark.slow
def test_a_new_entry_found_by_the_pass_goes_live_before_the_backlog_is_touched(
    tmp_path: Path, demo_server: DemoServer, database_url: str
) -> None:
    room = _with_backlog(tmp_path, demo_server, database_url)
    try:
        demo_server.add_article(OUTLET, _fresh_article("new-quay", 11))
        report = run_pass(room, force=True)
        assert report.ok
        new = _article(room, "new-quay")
        assert report.carried == [new.id]
        assert new.stage == Stage.PUBLISHED.value and new.first_published_at is not None
        backlog = _backlog(room, new.id)
        assert {a.stage for a in backlog} == {Stage.PUBLISHED.value}
        # Live before any article of the backlog was even extracted.
        assert all(a.extracted_at is not None for a in backlog)
        assert new.first_published_at <= min(a.extracted_at for a in backlog if a.extracted_at)
    finally:
        room.close()


class _PublishMidway:
    """Progress that publishes a new article at the outlet, and makes its source due,
    once the backlog's first slice has been extracted."""

    def __init__(self, room: Newsroom, server: DemoServer) -> None:
        self.room, self.server, self.done = room, server, False

    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, stage: str, count: int = 1) -> None:
        if self.done:
            return
        self.done = True
        self.server.add_article(OUTLET, _fresh_article("midway-quay", 12))
        source_id = _source_id(self.room, self.server)
        with self.room.sessions.begin() as session:
            session.execute(
                update(SourceRow)
                .where(SourceRow.id == source_id)
                .values(next_fetch_at=utcnow() - timedelta(seconds=1))
            )


@pytest.mark.slow
def test_an_entry_found_during_the_backlog_waits_for_one_slice_at_most(
    tmp_path: Path, demo_server: DemoServer, database_url: str
) -> None:
    room = _with_backlog(tmp_path, demo_server, database_url)
    try:
        with room.sessions.begin() as session:  # nothing due: the pass starts on the backlog
            session.execute(update(SourceRow).values(next_fetch_at=utcnow() + timedelta(hours=1)))
        report = run_pass(room, progress=_PublishMidway(room, demo_server))
        assert report.ok
        new = _article(room, "midway-quay")
        assert report.carried == [new.id]
        assert new.first_published_at is not None
        backlog = _backlog(room, new.id)
        assert {a.stage for a in backlog} == {Stage.PUBLISHED.value}
        extracted_first = [a for a in backlog if a.extracted_at and a.extracted_at < new.seen_at]
        published_first = [
            a for a in backlog if a.first_published_at and a.first_published_at < new.seen_at
        ]
        # Found after the first slice was extracted; live before any other backlog work.
        assert len(extracted_first) == room.config.settings.translation.backlog_slice
        assert not published_first
        later = [a for a in backlog if a.extracted_at and a.extracted_at > new.first_published_at]
        assert len(later) == len(backlog) - len(extracted_first)
        # The hot-polled source's report is in the pass's report.
        assert any(s.new == 1 for s in report.sources)
    finally:
        room.close()


@pytest.mark.slow
def test_carry_now_takes_only_the_sources_articles_and_a_second_carry_changes_nothing(
    tmp_path: Path, demo_server: DemoServer, database_url: str
) -> None:
    room = _with_backlog(tmp_path, demo_server, database_url)
    try:
        source_id = _source_id(room, demo_server)
        with room.sessions() as session:
            rows = session.execute(select(ArticleRow.id, ArticleRow.source_id)).all()
        *own, third = [i for i, s in rows if s == source_id][:3]
        other = next(i for i, s in rows if s != source_id)
        carried = carry_now(room, source_id, [other, *own])
        assert carried.live == own
        # A process that may only extract (a worker without the translate queue) stops there.
        partial = carry_now(room, source_id, [third], stages={"extract"})
        assert partial.live == [] and set(partial.results) == {"extract"}
        assert _stage_of(room, third) == Stage.EXTRACTED.value
        assert _stage_of(room, other) == Stage.DISCOVERED.value
        assert {_stage_of(room, i) for i in own} == {Stage.PUBLISHED.value}
        again = carry_now(room, source_id, own)
        assert again.live == [] and not again.failed
        # Pushed to a lane, carried by its next look, which tells a static build.
        live: list[list[int]] = []
        lane = FastLane(room, on_live=live.append)
        lane.push(None, [other])
        assert lane.wake.is_set()
        with room.sessions.begin() as session:
            session.execute(update(SourceRow).values(next_fetch_at=utcnow() + timedelta(hours=1)))
        found = lane.catch_up()
        assert found.carried.live == [other] and live == [[other]]
        assert not found.sources and not lane.wake.is_set()
    finally:
        room.close()


def _stage_of(room: Newsroom, article_id: int) -> str:
    with room.sessions() as session:
        row = session.get(ArticleRow, article_id)
        assert row is not None
        return row.stage


NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
HOT = Policy(default_minutes=30, min_minutes=5, max_minutes=1440, hot_seconds=60)


def _every(minutes: float, count: int = 10) -> list[datetime]:
    return [NOW - timedelta(minutes=minutes * n) for n in range(count)]


def test_a_hot_source_is_polled_down_to_the_hot_floor() -> None:
    seconds, reason = hot_interval(HOT, published=_every(1), now=NOW) or (0.0, "")
    assert seconds == 60 and "hot floor" in reason
    seconds, reason = hot_interval(HOT, published=_every(4), now=NOW) or (0.0, "")
    assert seconds == 120 and reason.startswith("hot")
    # Not hot: publishes less often than every two minimum intervals, or went quiet.
    assert hot_interval(HOT, published=_every(20), now=NOW) is None
    assert hot_interval(HOT, published=_every(1, 5), now=NOW + timedelta(hours=1)) is None
    # An ordinary silence of a few gaps (posts at random times) leaves it hot.
    quiet = hot_interval(HOT, published=_every(2), now=NOW + timedelta(minutes=9))
    assert quiet is not None and quiet[0] == 60
    assert hot_interval(HOT, published=_every(2), now=NOW + timedelta(minutes=17)) is None
    # A source with a minimum of its own, or a site with no floor, keeps its minimum.
    assert hot_interval(HOT.bounded(10, None), published=_every(1), now=NOW) is None
    assert hot_interval(replace(HOT, hot_seconds=None), published=_every(1), now=NOW) is None
    minutes, _ = after_success(HOT, current_minutes=30, published=_every(1), new_entries=1, now=NOW)
    assert minutes == 5  # the adaptive interval itself still stops at the minimum


@pytest.mark.slow
def test_a_poll_of_a_hot_source_schedules_the_next_at_the_floor(
    tmp_path: Path, demo_server: DemoServer
) -> None:
    room = make_site(tmp_path / "site", demo_server)
    try:
        outlet = demo_server.outlets[OUTLET]
        start = datetime.now(UTC).replace(microsecond=0)
        outlet.articles[:] = [
            replace(a, published=start - timedelta(minutes=2 * n))
            for n, a in enumerate(outlet.articles)
        ]
        source_id = _source_id(room, demo_server)
        (report,) = refresh_sources(room, [source_id])
        assert report.new == len(outlet.articles)
        with room.sessions() as session:
            row = session.get(SourceRow, source_id)
            assert row is not None and row.next_fetch_at is not None
            polled = row.last_fetched_at
            assert polled is not None
            assert row.next_fetch_at == polled + timedelta(seconds=60)
            assert row.poll_reason and row.poll_reason.startswith("hot")
            assert row.interval_minutes == 1
    finally:
        room.close()


def test_the_host_delay_holds_from_one_polling_round_to_the_next() -> None:
    carried: dict[str, float] = {}
    url = "http://127.0.0.1:9/feed.xml"

    async def one_round() -> float:
        limits = HostLimits(per_host=1, delay=0.2, next_starts=carried)
        async with limits.slot(url):
            pass
        return limits.stats[host_key(url)].first_start

    first = asyncio.run(one_round())
    earliest = carried[host_key(url)]
    second = asyncio.run(one_round())
    assert first < earliest <= second  # the second round waited for the first's delay
