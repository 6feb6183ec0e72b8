"""Workers that die, a broker that restarts, a database that drops every connection:
afterwards every article is there once, fully translated and published."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import ColumnElement, create_engine, func, select, text

from babelwire.demo.server import DemoServer, synthetic_outlet
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import add_source
from babelwire.newsroom import Newsroom
from babelwire.storage.database import normalise_url
from babelwire.storage.tables import TaskRunRow
from tests.conftest import PG_URL
from tests.workers_harness import (
    assert_every_article_once,
    cluster,
    postgres_database,
    private_redis,
    redis_broker,
    running_tasks,
    settled,
    stages,
    wait_for,
    write_workers_settings,
)

# Real Celery worker processes, killed and restarted: tens of seconds each.
pytestmark = pytest.mark.slow

ARTICLES = 40


def _site(
    root: Path, server: DemoServer, database_url: str, broker: str, **settings: object
) -> Newsroom:
    create_site(root, languages=["en", "es"], database_url=database_url)
    write_workers_settings(root, broker, **settings)
    newsroom = Newsroom.open(root)
    add_source(newsroom, server.feed_url("cronica"), language="es", allow_private=True)
    return newsroom


def _all_published_once(newsroom: Newsroom) -> None:
    wait_for(settled(newsroom, {"published": ARTICLES}), 180, lambda: f"stuck: {stages(newsroom)}")
    assert_every_article_once(newsroom, ARTICLES)


def _runs(newsroom: Newsroom, condition: ColumnElement[bool]) -> int:
    with newsroom.sessions() as session:
        return int(
            session.scalar(select(func.count()).select_from(TaskRunRow).where(condition)) or 0
        )


def test_worker_killed_while_translating_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    outlet = synthetic_outlet(ARTICLES, words=250, language="es", slug="cronica")
    with (
        DemoServer([outlet]) as server,
        redis_broker() as broker,
        postgres_database() as database_url,
    ):
        # A task of a worker that died comes back after the visibility timeout.
        newsroom = _site(tmp_path / "site", server, database_url, broker, visibility_timeout=8)
        with newsroom, cluster(newsroom.config.root, tmp_path / "logs") as workers:
            workers.start_worker("front", queues="fetch,extract,publish")
            workers.start_worker("translator", queues="translate")
            workers.babelwire("scheduler", "--once")
            for _look in range(3):
                # Only a running task is waited for: whether anything is published by
                # then depends on how busy the machine keeps the front worker.
                wait_for(
                    lambda: running_tasks(newsroom, "translate") > 0,
                    120,
                    lambda: f"no translation under way: {stages(newsroom)}",
                )
                workers.kill("translator")
                if running_tasks(newsroom, "translate") > 0:
                    break
                # The task seen running ended between the look and the kill: start the
                # worker again and kill it in the middle of a later task.
                workers.start_worker("translator", queues="translate")
            killed = stages(newsroom)
            assert killed.get("published", 0) < ARTICLES, killed
            assert running_tasks(newsroom, "translate") > 0  # it died holding a task
            workers.start_worker("translator", queues="translate")
            _all_published_once(newsroom)
            with newsroom.sessions() as session:
                tries = session.scalars(
                    select(TaskRunRow.tries).where(TaskRunRow.stage == "translate")
                ).all()
            assert max(tries) >= 2, "the killed task was delivered again"


def test_broker_restart_mid_run_loses_nothing(tmp_path: Path) -> None:
    outlet = synthetic_outlet(ARTICLES, words=250, language="es", slug="cronica")
    with (
        DemoServer([outlet]) as server,
        private_redis(tmp_path) as redis,
        postgres_database() as database_url,
    ):
        # Work whose message is gone is sent again by the scheduler after 5 s.
        newsroom = _site(
            tmp_path / "site", server, database_url, redis.url, requeue_after=5, poll_seconds=1.0
        )
        with newsroom, cluster(newsroom.config.root, tmp_path / "logs") as workers:
            workers.start_worker("all")
            workers.start_process("scheduler", "scheduler")
            wait_for(
                lambda: 0 < stages(newsroom).get("published", 0) < ARTICLES // 2,
                120,
                lambda: f"nothing published: {stages(newsroom)}",
            )
            redis.restart()
            _all_published_once(newsroom)
            # The broker forgot the tasks that were queued: the scheduler sent their work again.
            assert _runs(newsroom, TaskRunRow.outcome == "lost"), (
                "no task was lost with the broker: the restart came too late"
            )


def test_database_connections_ended_mid_run_lose_nothing(tmp_path: Path) -> None:
    outlet = synthetic_outlet(ARTICLES, words=250, language="es", slug="cronica")
    name = f"bw-{uuid.uuid4().hex[:8]}"
    with (
        DemoServer([outlet]) as server,
        redis_broker() as broker,
        postgres_database() as database_url,
    ):
        tagged = f"{database_url}&application_name={name}"
        newsroom = _site(tmp_path / "site", server, tagged, broker)
        admin = create_engine(normalise_url(PG_URL))
        with newsroom, cluster(newsroom.config.root, tmp_path / "logs") as workers:
            workers.start_worker("all", concurrency=2)
            workers.babelwire("scheduler", "--once")
            ended = 0
            deadline = time.monotonic() + 60
            # End every connection of the site's processes, again and again, mid-run.
            while stages(newsroom).get("published", 0) < ARTICLES and time.monotonic() < deadline:
                with admin.begin() as connection:
                    ended += len(
                        connection.execute(
                            text(
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE application_name = :name"
                            ),
                            {"name": name},
                        ).all()
                    )
                time.sleep(0.7)
            assert ended > 0
            _all_published_once(newsroom)
            assert _runs(newsroom, TaskRunRow.tries > 1), (
                "some task met an ended connection and was tried again"
            )
            # An outage is nobody's fault: no task was given up on for it.
            assert _runs(newsroom, TaskRunRow.outcome == "dead") == 0
        admin.dispose()
