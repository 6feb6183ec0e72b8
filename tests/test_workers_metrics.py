"""`babelwire worker --metrics-port`: the worker's own task counts and durations, summed
over its pool processes, on a port of its own; `--log-format json` lines from Celery."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from babelwire.demo.server import DemoServer, load_samples
from babelwire.jobs.site import create_site
from babelwire.newsroom import Newsroom
from tests.serving import free_port
from tests.workers_harness import (
    cluster,
    follow,
    postgres_database,
    redis_broker,
    settled,
    stages,
    wait_for,
    write_workers_settings,
)

pytestmark = pytest.mark.slow


def _samples(url: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(httpx.get(url, timeout=10).text):
        for sample in family.samples:
            key = sample.name + json.dumps(sample.labels, sort_keys=True)
            totals[key] = sample.value
    return totals


def test_a_worker_serves_its_own_metrics(tmp_path: Path) -> None:
    pytest.importorskip("celery")
    port = free_port()
    with (
        DemoServer(load_samples()) as server,
        redis_broker() as broker,
        postgres_database() as database_url,
    ):
        root = tmp_path / "site"
        create_site(root, languages=["en", "es"], database_url=database_url)
        write_workers_settings(root, broker)
        with Newsroom.open(root) as newsroom, cluster(root, tmp_path / "logs") as workers:
            follow(newsroom, server)
            workers.start_worker(
                "all",
                concurrency=2,
                options=("--metrics-port", str(port), "--log-format", "json"),
            )
            workers.babelwire("scheduler", "--once")
            wait_for(
                settled(newsroom, {"published": 34}),
                180,
                lambda: f"not all published: {stages(newsroom)}",
            )
            samples = _samples(f"http://127.0.0.1:{port}/metrics")
    done = {k: v for k, v in samples.items() if k.startswith("babelwire_worker_tasks_total")}
    assert sum(v for k, v in done.items() if '"SUCCESS"' in k) >= 4  # one per stage at least
    counts = [
        v
        for k, v in samples.items()
        if k.startswith("babelwire_worker_task_duration_seconds_count")
    ]
    assert sum(counts) == sum(done.values())
    # New entries are made live by the fast lane's carry task, the rest by publish tasks.
    articles = [
        v
        for k, v in samples.items()
        if k.startswith("babelwire_worker_items_total")
        and ("babelwire.publish" in k or "babelwire.carry" in k)
        and '"done"' in k
    ]
    assert sum(articles) == 34
    lines = (tmp_path / "logs" / "all.log").read_text().splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)
