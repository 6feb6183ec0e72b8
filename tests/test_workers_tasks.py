"""Stage tasks one by one: claims, a task delivered twice, a poison task through the
dead letters and back, and what `babelwire status` shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from babelwire.demo.server import DemoServer, synthetic_outlet
from babelwire.jobs.claims import claimed
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import add_source
from babelwire.newsroom import Newsroom
from babelwire.runners.celery.app import configure, task_name
from babelwire.storage.tables import ArticleRow, TaskRunRow, TranslationRow
from tests.workers_harness import (
    articles_by_url,
    assert_every_article_once,
    cluster,
    postgres_database,
    redis_broker,
    settled,
    stages,
    wait_for,
    write_settings,
    write_workers_settings,
)

# Real Celery worker processes and brokers: tens of seconds.
pytestmark = pytest.mark.slow


def _site(
    root: Path, server: DemoServer, database_url: str, broker: str, *, fast_lane: bool = True
) -> Newsroom:
    create_site(root, languages=["en", "es"], database_url=database_url)
    write_workers_settings(root, broker)
    write_settings(root, "translation", {"fast_lane": fast_lane})
    newsroom = Newsroom.open(root)
    add_source(newsroom, server.feed_url("cronica"), language="es", allow_private=True)
    return newsroom


def test_a_claimed_article_is_not_claimed_again_until_released(tmp_path: Path) -> None:
    with postgres_database() as database_url:
        create_site(tmp_path / "site", database_url=database_url)
        with Newsroom.open(tmp_path / "site") as newsroom:
            with claimed(newsroom, "translate", [1, 2, 3]) as first:
                assert first == [1, 2, 3]
                with claimed(newsroom, "translate", [2, 3, 4]) as second:
                    assert second == [4]  # another worker holds 2 and 3
                with claimed(newsroom, "publish", [2]) as other_stage:
                    assert other_stage == [2]  # claims are per stage
            with claimed(newsroom, "translate", [2, 3]) as again:
                assert again == [2, 3]  # released when the block ended
            # A claim dies with its worker's connection.
            holder = newsroom.db.connect()
            holder.execute(text("SELECT pg_advisory_lock(7303, 9)"))
            with claimed(newsroom, "translate", [9]) as taken:
                assert taken == []
            holder.invalidate()
            holder.close()
            wait_for(lambda: _claim(newsroom, 9), 10, "the claim outlived its connection")


def _claim(newsroom: Newsroom, article_id: int) -> bool:
    with claimed(newsroom, "translate", [article_id]) as got:
        return got == [article_id]


def _snapshot(newsroom: Newsroom) -> dict[str, Any]:
    with newsroom.sessions() as session:
        return {
            "articles": articles_by_url(newsroom),
            "versions": dict(session.execute(select(ArticleRow.id, ArticleRow.version)).all()),
            "translated_at": sorted(
                (row.article_id, row.language, row.updated_at)
                for row in session.scalars(select(TranslationRow))
            ),
            "tasks": session.scalar(select(TaskRunRow.id).order_by(TaskRunRow.id.desc()).limit(1)),
        }


def test_a_task_delivered_twice_changes_nothing(tmp_path: Path) -> None:
    outlet = synthetic_outlet(12, words=120, language="es", slug="cronica")
    with DemoServer([outlet]) as server, redis_broker() as broker, postgres_database() as url:
        # Every stage's own task is what is delivered twice here: no fast lane's carry.
        newsroom = _site(tmp_path / "site", server, url, broker, fast_lane=False)
        with newsroom, cluster(newsroom.config.root, tmp_path / "logs") as workers:
            workers.start_worker("all", concurrency=2)
            workers.babelwire("scheduler", "--once")
            wait_for(settled(newsroom, {"published": 12}), 120, lambda: str(stages(newsroom)))
            before = _snapshot(newsroom)
            with newsroom.sessions() as session:
                done = {
                    row.stage: row
                    for row in session.scalars(
                        select(TaskRunRow).where(TaskRunRow.runner == "celery")
                    )
                }
            app = configure(newsroom.config)
            for stage in ("fetch", "extract", "translate", "publish"):
                for _ in range(2):  # the same message, twice more, same task id
                    app.send_task(
                        task_name(stage),
                        args=[done[stage].items],
                        task_id=done[stage].task_id,
                        queue=stage,
                    )

            def delivered() -> bool:
                with newsroom.sessions() as session:
                    rows = session.scalars(
                        select(TaskRunRow).where(
                            TaskRunRow.task_id.in_([r.task_id for r in done.values()])
                        )
                    ).all()
                return all(r.tries == 3 and r.outcome == "done" for r in rows)

            def runs() -> str:
                with newsroom.sessions() as session:
                    rows = session.scalars(
                        select(TaskRunRow).where(
                            TaskRunRow.task_id.in_([r.task_id for r in done.values()])
                        )
                    ).all()
                return "the duplicates were not run: " + ", ".join(
                    f"{r.stage} {r.task_id[:8]} tries={r.tries} {r.outcome}" for r in rows
                )

            wait_for(delivered, 60, runs)
            assert _snapshot(newsroom) == before  # no change, and no task sent onwards
            assert_every_article_once(newsroom, 12)


def test_poison_task_goes_to_the_dead_letters_and_comes_back(tmp_path: Path) -> None:
    outlet = synthetic_outlet(3, words=80, language="es", slug="cronica")
    with DemoServer([outlet]) as server, redis_broker() as broker, postgres_database() as url:
        # The stage queues carry the three as one batch (the fast lane, one task each).
        newsroom = _site(tmp_path / "site", server, url, broker, fast_lane=False)
        with newsroom, cluster(newsroom.config.root, tmp_path / "logs") as workers:
            workers.start_worker("front", queues="fetch,extract,publish")
            # A translate worker whose engines cannot load: every translate task fails.
            broken = {"BABELWIRE_TRANSLATION_ENGINES": "no-such-engine"}
            workers.start_worker("translator", queues="translate", env=broken)
            workers.babelwire("scheduler", "--once")

            def letters() -> str:
                return workers.babelwire("dead-letters", "list").stdout

            # The batch of three failed every try, was split, and each article failed alone.
            wait_for(lambda: "3 dead letters" in letters(), 90, letters)
            listing = letters()
            assert "translate" in listing and "unknown engine" in listing, listing
            assert stages(newsroom) == {"extracted": 3}
            status = workers.babelwire("status").stdout
            assert "Dead letters: 3" in status, status
            assert "Last translate failure:" in status and "no-such-engine" in status, status
            with newsroom.sessions() as session:
                outcomes = session.scalars(
                    select(TaskRunRow.outcome).where(TaskRunRow.stage == "translate")
                ).all()
            assert sorted(outcomes) == ["dead", "dead", "dead", "split"]

            first = next(line for line in listing.splitlines() if "translate" in line)
            letter_id = first.strip("│ ").split()[0]
            dropped = workers.babelwire("dead-letters", "drop", letter_id).stdout
            assert "1 articles marked failed" in dropped
            assert workers.babelwire("dead-letters", "retry", "9999", check=False).returncode == 2

            workers.kill("translator")
            workers.start_worker("translator", queues="translate")  # the engines fixed
            assert (
                "Sent 2 dead letters again"
                in workers.babelwire("dead-letters", "retry", "--all").stdout
            )
            wait_for(
                settled(newsroom, {"published": 2, "failed": 1}), 60, lambda: str(stages(newsroom))
            )
            assert "No dead letters." in letters()
            with newsroom.sessions() as session:
                failed = session.scalar(select(ArticleRow).where(ArticleRow.stage == "failed"))
                assert failed is not None and "translate dropped after 3 tries" in (
                    failed.error or ""
                )
