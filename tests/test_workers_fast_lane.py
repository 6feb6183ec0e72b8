"""The Celery runner's fast lane: with a backlog on the extract queue, a new entry a
fetch finds is carried through every stage by a task of the fast lane queue, which a
real worker takes before the rest of the backlog (real Redis, PostgreSQL, Apertium)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update

from babelwire.demo.server import DemoServer, load_samples, synthetic_outlet
from babelwire.jobs.refresh import refresh_sources
from babelwire.jobs.site import create_site
from babelwire.jobs.websub import Pushed
from babelwire.model import Stage, Step
from babelwire.newsroom import Newsroom
from babelwire.runners.celery.app import FAST_LANE_QUEUE, configure, fast_lane_first
from babelwire.runners.celery.dispatch import send
from babelwire.runners.push_lane import PushLane
from babelwire.storage import sources
from babelwire.storage.tables import ArticleRow, SourceRow, TaskRunRow
from tests.workers_harness import (
    cluster,
    follow,
    postgres_database,
    redis_broker,
    stages,
    wait_for,
    write_workers_settings,
)

OUTLET = "harbour-courier"


def test_a_worker_of_extract_takes_the_fast_lane_first() -> None:
    assert fast_lane_first(["fetch", "extract"]) == [FAST_LANE_QUEUE, "fetch", "extract"]
    assert fast_lane_first(["translate", FAST_LANE_QUEUE]) == [FAST_LANE_QUEUE, "translate"]
    assert fast_lane_first(["translate", "publish"]) == ["publish", "translate"]
    # Later stages before earlier ones: what is on its way is published first.
    assert fast_lane_first(["extract", "translate", "publish", "fetch"]) == [
        FAST_LANE_QUEUE,
        "fetch",
        "publish",
        "translate",
        "extract",
    ]


def test_a_new_entry_overtakes_the_backlog_on_the_queues(tmp_path: Path) -> None:
    with (
        DemoServer(load_samples()) as server,
        redis_broker() as broker_url,
        postgres_database() as database_url,
    ):
        root = tmp_path / "site"
        create_site(root, languages=["en", "es"], database_url=database_url)
        write_workers_settings(root, broker_url, batch_articles=1)
        with Newsroom.open(root) as newsroom, cluster(root, tmp_path / "logs") as workers:
            follow(newsroom, server)
            with newsroom.sessions() as session:
                source_ids = sources.enabled_source_ids(session)
            refresh_sources(newsroom, source_ids)  # the backlog: every sample article
            with newsroom.sessions() as session:
                backlog = list(session.scalars(select(ArticleRow.id)))
            configure(newsroom.config)
            send(newsroom, Step.EXTRACT, backlog)  # one task per article on the extract queue
            (text,) = synthetic_outlet(1, words=150, seed=21).articles
            fresh = replace(text, slug="new-quay", published=datetime.now(UTC))
            server.add_article(OUTLET, fresh)
            with newsroom.sessions.begin() as session:
                session.execute(update(SourceRow).values(next_fetch_at=None))
            send(newsroom, Step.FETCH, source_ids)
            workers.start_worker("solo", queues="fetch,extract,translate,publish")
            wait_for(
                lambda: _stage_of(newsroom, "new-quay") == Stage.PUBLISHED.value,
                180,
                lambda: f"the new entry is not live: {stages(newsroom)}",
            )
            with newsroom.sessions() as session:
                new = session.scalar(select(ArticleRow).where(ArticleRow.url.contains("new-quay")))
                assert new is not None and new.first_published_at is not None
                extracted_before = session.scalars(
                    select(ArticleRow.id).where(
                        ArticleRow.id.in_(backlog),
                        ArticleRow.extracted_at < new.first_published_at,
                    )
                ).all()
                carried = session.scalars(
                    select(TaskRunRow.items).where(TaskRunRow.task_id.is_not(None))
                ).all()
            # The fetch went before the extract queue, the carry before the rest of it.
            assert len(extracted_before) < len(backlog) // 2, (len(extracted_before), backlog)
            assert [new.id] in [list(items) for items in carried]


def _stage_of(newsroom: Newsroom, slug: str) -> str | None:
    with newsroom.sessions() as session:
        return session.scalar(select(ArticleRow.stage).where(ArticleRow.url.contains(slug)))


def test_what_a_hub_pushes_to_the_server_takes_the_fast_lane_of_the_sites_broker(
    tmp_path: Path,
) -> None:
    """`babelwire serve` beside workers: the pushed articles go to the site's broker (the
    server's process configures it), one fast-lane task each, none to the extract queue."""
    import redis

    with (
        DemoServer(load_samples()) as server,
        redis_broker() as broker_url,
        postgres_database() as database_url,
    ):
        root = tmp_path / "site"
        create_site(root, languages=["en", "es"], database_url=database_url)
        write_workers_settings(root, broker_url, batch_articles=5)
        with Newsroom.open(root) as newsroom:
            follow(newsroom, server)
            with newsroom.sessions() as session:
                source_id = session.scalar(
                    select(SourceRow.id).where(SourceRow.url.contains(OUTLET))
                )
            assert source_id is not None
            refresh_sources(newsroom, [source_id])
            with newsroom.sessions() as session:
                pushed = list(
                    session.scalars(select(ArticleRow.id).where(ArticleRow.source_id == source_id))
                )[:3]
            assert len(pushed) == 3
            lane = PushLane(newsroom)
            lane.submit(Pushed(source_id, "http://127.0.0.1/hub", tuple(pushed)))
            queued = redis.Redis.from_url(broker_url)
            try:
                assert queued.llen(FAST_LANE_QUEUE) == 3
                assert queued.llen(Step.EXTRACT) == 0
            finally:
                queued.close()
            with newsroom.sessions() as session:
                runs = session.execute(
                    select(TaskRunRow.stage, TaskRunRow.items, TaskRunRow.outcome)
                ).all()
            assert sorted(items for _stage, items, _outcome in runs) == [[i] for i in pushed]
            assert {(stage, outcome) for stage, _items, outcome in runs} == {
                (Step.EXTRACT.value, "queued")
            }
