"""A worker's own metrics on a port of its own (`babelwire worker --metrics-port`).

Tasks run in the worker's child processes (prefork), so the counters live in
prometheus_client's multiprocess mode: each process writes its figures to files in a
folder of the worker's, and the worker's HTTP server sums them at each scrape. These
figures are of this worker alone; what all workers did together is in `/metrics` of
`babelwire serve`, read from the database.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from typing import Any

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
DURATION_BOUNDS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)


def serve_worker_metrics(port: int, host: str = "0.0.0.0") -> str:
    """Start the metrics server and count tasks from Celery's signals; returns the folder
    of the processes' figures (removed when the worker exits).

    Called before any task runs and before prometheus_client is first imported: the
    multiprocess mode is chosen when it is imported."""
    folder = tempfile.mkdtemp(prefix="babelwire-worker-metrics-")
    os.environ[MULTIPROCESS_VARIABLE] = folder
    import atexit

    from prometheus_client import (
        CollectorRegistry,
        Counter,
        Histogram,
        multiprocess,
        start_http_server,
        values,
    )

    if values.ValueClass.__name__ != "MmapedValue":  # imported too early: the mode is fixed
        raise RuntimeError("prometheus_client was imported before the worker's metrics folder")
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    start_http_server(port, addr=host, registry=registry)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    tasks = Counter(
        "babelwire_worker_tasks",
        "Tasks this worker ran, by task and how they ended (SUCCESS, FAILURE, RETRY).",
        ["task", "state"],
    )
    failures = Counter(
        "babelwire_worker_task_failures", "Tasks of this worker that raised.", ["task"]
    )
    items = Counter(
        "babelwire_worker_items",
        "Sources or articles this worker's tasks moved on (done) or could not (failed).",
        ["task", "result"],
    )
    durations = Histogram(
        "babelwire_worker_task_duration_seconds",
        "Running time of this worker's tasks.",
        ["task"],
        buckets=DURATION_BOUNDS,
    )
    _connect(tasks, failures, items, durations)
    return folder


def _connect(tasks: Any, failures: Any, items: Any, durations: Any) -> None:
    from celery import signals

    started: dict[str, float] = {}

    @signals.task_prerun.connect(weak=False)
    def prerun(task_id: str = "", **_: Any) -> None:
        started[task_id] = time.perf_counter()

    @signals.task_postrun.connect(weak=False)
    def postrun(
        task_id: str = "", task: Any = None, retval: Any = None, state: str = "", **_: Any
    ) -> None:
        name = str(getattr(task, "name", "unknown"))
        began = started.pop(task_id, None)
        if began is not None:
            durations.labels(name).observe(time.perf_counter() - began)
        tasks.labels(name, state or "UNKNOWN").inc()
        if isinstance(retval, dict):
            for result in ("done", "failed"):
                if isinstance(retval.get(result), int):
                    items.labels(name, result).inc(retval[result])

    @signals.task_failure.connect(weak=False)
    def failure(sender: Any = None, **_: Any) -> None:
        failures.labels(str(getattr(sender, "name", "unknown"))).inc()
