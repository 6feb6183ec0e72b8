"""The demo's sources through Celery workers (Redis, then RabbitMQ) give the same site
as the embedded runner: same articles, titles, sections and translations per edition.

Both sites tag every segment as a fresh Apertium does (translation.apertium_fresh_tagger),
as docs/deployment.md advises for several workers: otherwise a long-lived Apertium
tagger can tag a sentence according to what its process translated before."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from babelwire.demo.server import DemoServer, load_samples
from babelwire.jobs.run import run_pass
from babelwire.jobs.site import create_site
from babelwire.newsroom import Newsroom
from tests.workers_harness import (
    articles_by_url,
    cluster,
    follow,
    postgres_database,
    rabbitmq_broker,
    redis_broker,
    settled,
    stages,
    write_settings,
    write_workers_settings,
)

# Real Celery worker processes and brokers: tens of seconds.
pytestmark = pytest.mark.slow

FRESH_TAGGING = {"apertium_fresh_tagger": True}


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(load_samples()) as running:
        yield running


@pytest.fixture(scope="module")
def embedded(server: DemoServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The site `babelwire run` makes of the same sources (the reference)."""
    root = tmp_path_factory.mktemp("embedded")
    create_site(root, languages=["en", "es"])
    write_settings(root, "translation", FRESH_TAGGING)
    with Newsroom.open(root) as newsroom:
        follow(newsroom, server)
        report = run_pass(newsroom)
        assert report.ok
        return articles_by_url(newsroom)


BROKERS = {"redis": redis_broker, "rabbitmq": rabbitmq_broker}


@pytest.mark.parametrize("broker", sorted(BROKERS))
def test_two_workers_make_the_same_site_as_the_embedded_runner(
    broker: str, server: DemoServer, embedded: dict[str, Any], tmp_path: Path
) -> None:
    make_broker: type[AbstractContextManager[str]] = BROKERS[broker]  # type: ignore[assignment]
    with make_broker() as broker_url, postgres_database() as database_url:
        root = tmp_path / "site"
        create_site(root, languages=["en", "es"], database_url=database_url)
        write_workers_settings(root, broker_url)
        write_settings(root, "translation", FRESH_TAGGING)
        with Newsroom.open(root) as newsroom, cluster(root, tmp_path / "logs") as workers:
            follow(newsroom, server)
            # One worker for fetching, extracting and publishing, one for translating.
            workers.start_worker("front", queues="fetch,extract,publish")
            workers.start_worker("translator", queues="translate,extract")
            assert "Sent 1 tasks" in workers.babelwire("scheduler", "--once").stdout
            expected = {"published": len(embedded)}
            from tests.workers_harness import wait_for

            wait_for(
                settled(newsroom, expected), 180, lambda: f"not all published: {stages(newsroom)}"
            )
            made = articles_by_url(newsroom)
            differing = {
                url: {"workers": made.get(url), "embedded": embedded.get(url)}
                for url in sorted(set(made) | set(embedded))
                if made.get(url) != embedded.get(url)
            }
            assert not differing, differing
            from tests.test_freshness import assert_times_in_order

            assert_times_in_order(newsroom)  # the same stage functions record them
            status = workers.babelwire("status").stdout
            assert "Freshness, last hour: source to live p50 " in status, status
            assert "published 34" in status
            assert "Slowest stage: " in status and "Dead letters: 0" in status, status
