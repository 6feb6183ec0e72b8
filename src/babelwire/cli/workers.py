"""`babelwire worker` and `babelwire scheduler`: the pipeline on Celery workers."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from babelwire.cli.logs import LogFormat, configure_logging
from babelwire.cli.options import LogFormatOption, SiteOption, fail, make_console
from babelwire.extras import require

if TYPE_CHECKING:
    from babelwire.newsroom import Newsroom

console = make_console()


def _worker_site(site: Path) -> Newsroom:
    """The site, configured for Celery, its schema as new as this babelwire's (else exit)."""
    from babelwire.config import Config, ConfigError
    from babelwire.newsroom import Newsroom
    from babelwire.runners.celery.app import configure
    from babelwire.storage.database import current_heads, known_heads

    try:
        config = Config.load(site)
        configure(config)
        newsroom = Newsroom.from_config(config, migrate=False)
    except ConfigError as exc:
        raise fail(str(exc)) from exc
    have, want = current_heads(newsroom.db), known_heads()
    if have != want:
        newsroom.close()
        raise fail(
            f"the database is at migration {sorted(have) or 'none'}, this babelwire needs "
            f"{sorted(want)}: run `babelwire db upgrade` first"
        )
    return newsroom


def worker(
    site: SiteOption = Path("."),
    queues: Annotated[
        str | None,
        typer.Option(
            help="Queues to take tasks from: fast_lane,fetch,extract,translate,publish "
            "(a worker of extract takes from fast_lane too, first)."
        ),
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (default workers.concurrency).")
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Worker name, unique per machine (default from queues).")
    ] = None,
    loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "info",
    log_format: LogFormatOption = LogFormat.TEXT,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=65535,
            help="Serve this worker's own metrics (tasks, failures, durations) on this port "
            "(default: none).",
        ),
    ] = None,
    metrics_host: Annotated[
        str, typer.Option(help="Address the metrics port listens on.")
    ] = "127.0.0.1",
) -> None:
    """Start a Celery worker for the site's stages (one newsroom per worker process)."""
    require("celery", "workers", "babelwire worker")
    if metrics_port is not None:
        # First: prometheus_client chooses its multiprocess mode when it is imported.
        from babelwire.runners.celery.metrics import serve_worker_metrics

        try:
            serve_worker_metrics(metrics_port, metrics_host)
        except OSError as exc:
            raise fail(f"--metrics-port {metrics_port}: {exc.strerror or exc}") from exc
    from babelwire.runners.celery.app import QUEUES, fast_lane_first

    newsroom = _worker_site(site)
    config = newsroom.config
    newsroom.close()
    chosen = queues.split(",") if queues else list(config.settings.workers.queues)
    chosen = [q.strip() for q in chosen if q.strip()]
    unknown = [q for q in chosen if q not in QUEUES]
    if unknown or not chosen:
        raise fail(f"unknown queue(s) {unknown}; the queues are {', '.join(QUEUES)}")
    chosen = fast_lane_first(chosen)
    processes = concurrency or config.settings.workers.concurrency
    from babelwire.runners.celery.app import app
    from babelwire.runners.celery.tasks import QUEUES_VARIABLE

    os.environ[QUEUES_VARIABLE] = ",".join(chosen)
    if log_format == LogFormat.JSON:
        from celery import signals

        # Connected, it stands in for Celery's own set-up (the child processes inherit it).
        @signals.setup_logging.connect(weak=False)
        def _logs(**_: object) -> None:
            configure_logging(log_format, loglevel)

    hostname = name or f"babelwire-{'-'.join(chosen)}-{os.getpid()}@%h"
    app.worker_main(
        [
            "worker",
            "--queues",
            ",".join(chosen),
            "--concurrency",
            str(processes),
            "--pool",
            "prefork",
            "--hostname",
            hostname,
            "--loglevel",
            loglevel,
            "--optimization",
            "fair",
            "--without-gossip",
            "--without-mingle",
        ]
    )


def scheduler(
    site: SiteOption = Path("."),
    once: Annotated[bool, typer.Option("--once", help="One round, then exit.")] = False,
    log_format: LogFormatOption = LogFormat.TEXT,
) -> None:
    """Send due sources and waiting articles to the workers' queues, every poll_seconds."""
    require("celery", "workers", "babelwire scheduler")
    from babelwire.runners.celery.scheduler import run_scheduler, schedule_round

    newsroom = _worker_site(site)
    with newsroom:
        if once:
            try:
                sent = schedule_round(newsroom)
            except Exception as exc:  # the broker or the database is away
                raise fail(f"scheduling round failed: {exc}", 1) from exc
            parts = ", ".join(f"{stage} {count}" for stage, count in sent.sent.items())
            console.print(f"Sent {sent.tasks} tasks ({parts}).")
            return
        configure_logging(log_format)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        console.print(f"Scheduling for {newsroom.config.title}; Ctrl-C stops.")
        try:
            run_scheduler(newsroom, stop=stop)
        except KeyboardInterrupt:
            console.print("stopped")
