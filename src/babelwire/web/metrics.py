"""`/metrics`: what the newsroom has done, in Prometheus' text format.

The newsroom's figures are read from the database at each scrape (a custom collector
over jobs/metrics.py), so every `serve --workers N` process and every host answers
the same. The only figures of one process are named `babelwire_process_*` and carry
its `pid`: requests this process served. Queue depths come from the broker when the
Celery runner is configured.

`[metrics] enabled` turns the route off (404); `[metrics] token` asks for a bearer
token (401 without the right one), compared in constant time.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from babelwire.extras import MissingExtra, require
from babelwire.jobs.freshness import MEASURES, QUANTILES
from babelwire.jobs.metrics import (
    FRESHNESS_SOURCES,
    Buckets,
    NewsroomMetrics,
    newsroom_metrics,
)
from babelwire.newsroom import Newsroom

NO_STORE = {"Cache-Control": "no-store"}
PID = str(os.getpid())


def _histogram(
    family: HistogramMetricFamily, labels: list[str], buckets: Buckets
) -> HistogramMetricFamily:
    pairs = [
        (repr(float(b)), float(n)) for b, n in zip(buckets.bounds, buckets.at_most, strict=True)
    ]
    pairs.append(("+Inf", float(buckets.count)))
    family.add_metric(labels, pairs, buckets.total)
    return family


def _status_class(code: int) -> str:
    return f"{code // 100}xx"


def newsroom_families(figures: NewsroomMetrics) -> Iterator[Metric]:
    """The database's figures as metric families."""
    stages = GaugeMetricFamily(
        "babelwire_articles", "Articles stored, by the stage they have reached.", labels=["stage"]
    )
    for stage, count in sorted(figures.articles_by_stage.items()):
        stages.add_metric([stage], count)
    yield stages
    yield GaugeMetricFamily(
        "babelwire_articles_live", "Articles published on the site.", value=figures.articles_live
    )
    statuses = GaugeMetricFamily(
        "babelwire_translations",
        "Translations stored, by status (translated, original, held, skipped).",
        labels=["status"],
    )
    for status, count in sorted(figures.translations_by_status.items()):
        statuses.add_metric([status], count)
    yield statuses
    yield GaugeMetricFamily(
        "babelwire_translations_held",
        "Translations held below the quality threshold, waiting for a person.",
        value=figures.held_translations,
    )
    runs = GaugeMetricFamily(
        "babelwire_task_runs",
        "Stage task runs recorded, by stage, runner and outcome (open ones change outcome).",
        labels=["stage", "runner", "outcome"],
    )
    for (stage, runner, outcome), count in sorted(figures.task_runs.items()):
        runs.add_metric([stage, runner, outcome], count)
    yield runs
    failures = CounterMetricFamily(
        "babelwire_task_failures",
        "Stage task runs that ended failed, split or dead, by stage and runner.",
        labels=["stage", "runner"],
    )
    for (stage, runner), count in sorted(figures.task_failures().items()):
        failures.add_metric([stage, runner], count)
    yield failures
    durations = HistogramMetricFamily(
        "babelwire_stage_duration_seconds",
        "Running time of a stage's task over one batch, by stage and runner.",
        labels=["stage", "runner"],
    )
    for (stage, runner), buckets in sorted(figures.stage_durations.items()):
        _histogram(durations, [stage, runner], buckets)
    yield durations
    yield _histogram(
        HistogramMetricFamily(
            "babelwire_pass_duration_seconds", "Duration of a pass of `babelwire run`.", labels=[]
        ),
        [],
        figures.passes,
    )
    yield CounterMetricFamily(
        "babelwire_passes_failed",
        "Passes of `babelwire run` in which a source or an article failed.",
        value=figures.passes_failed,
    )
    last = GaugeMetricFamily(
        "babelwire_last_pass_timestamp_seconds",
        "When the last pass of `babelwire run` began (Unix time; no sample before the first).",
    )
    if figures.last_pass is not None:
        last.add_metric([], figures.last_pass.timestamp())
    yield last
    fetches = CounterMetricFamily(
        "babelwire_fetches",
        "Polls of a source, by outcome (ok, not_modified, error) and HTTP status class "
        '("none": no answer).',
        labels=["source_id", "source", "outcome", "status_class"],
    )
    for (source_id, outcome, klass), count in sorted(figures.fetches.items()):
        name = figures.source_names.get(source_id, "")
        fetches.add_metric([str(source_id), name, outcome, klass], count)
    yield fetches
    yield from _translation_families(figures)
    letters = GaugeMetricFamily(
        "babelwire_dead_letters",
        "Dead letters waiting for the operator, by stage.",
        labels=["stage"],
    )
    for stage, count in sorted(figures.dead_letters.items()):
        letters.add_metric([stage], count)
    yield letters
    yield _histogram(
        HistogramMetricFamily(
            "babelwire_publication_delay_seconds",
            "From an article's publication at its source to its first publication here.",
            labels=[],
        ),
        [],
        figures.publication_delay,
    )
    yield from _freshness_families(figures)


def _quantile_label(q: float) -> str:
    return f"{q:g}"


def _freshness_families(figures: NewsroomMetrics) -> Iterator[Metric]:
    fresh = figures.freshness
    quantiles = GaugeMetricFamily(
        "babelwire_freshness_seconds",
        "Seconds from an article's publication at its source (source_to_live), or from "
        "babelwire first seeing it (seen_to_live), to its going live here: quantiles over "
        "the articles that went live in the window (no sample when none did).",
        labels=["window", "measure", "quantile"],
    )
    counted = GaugeMetricFamily(
        "babelwire_freshness_articles",
        "Articles that went live in the window with a time for the measure.",
        labels=["window", "measure"],
    )
    for window, measures in fresh.windows.items():
        for measure in MEASURES:
            delays = measures[measure]
            counted.add_metric([window, measure], delays.count)
            for q, value in zip(QUANTILES, delays.quantiles, strict=True):
                if value is not None:
                    quantiles.add_metric([window, measure, _quantile_label(q)], value)
    yield quantiles
    yield counted
    sources = GaugeMetricFamily(
        "babelwire_source_freshness_seconds",
        f"The same quantiles over the last day for the {FRESHNESS_SOURCES} slowest sources.",
        labels=["source_id", "source", "measure", "quantile"],
    )
    for source in fresh.slowest:
        for measure in MEASURES:
            for q, value in zip(QUANTILES, source.delays[measure].quantiles, strict=True):
                if value is not None:
                    key = [str(source.source_id), source.name, measure, _quantile_label(q)]
                    sources.add_metric(key, value)
    yield sources


def _translation_families(figures: NewsroomMetrics) -> Iterator[Metric]:
    labels = ["engine", "source_language", "target_language"]
    specs = (
        ("babelwire_translated_articles", "Articles translated", "articles"),
        (
            "babelwire_translation_segments",
            "Segments translated (memory hits included)",
            "segments",
        ),
        (
            "babelwire_translation_memory_hits",
            "Segments the translation memory answered",
            "memory_hits",
        ),
        ("babelwire_translation_engine_words", "Words sent to the engine", "engine_words"),
        ("babelwire_translation_engine_seconds", "Seconds the engine worked", "engine_seconds"),
    )
    for name, what, attribute in specs:
        family = CounterMetricFamily(name, f"{what}, by engine and language pair.", labels=labels)
        for route in figures.routes:
            key = [route.engine, route.source_language, route.target_language]
            family.add_metric(key, getattr(route, attribute))
        yield family
    rate = GaugeMetricFamily(
        "babelwire_translation_words_per_second",
        "Words per second of engine time since the start, by engine and language pair "
        "(rate(engine_words) / rate(engine_seconds) for a recent figure).",
        labels=labels,
    )
    ratio = GaugeMetricFamily(
        "babelwire_translation_memory_hit_ratio",
        "Share of segments the translation memory answered since the start, by engine and pair.",
        labels=labels,
    )
    for route in figures.routes:
        key = [route.engine, route.source_language, route.target_language]
        if route.engine_seconds > 0:
            rate.add_metric(key, route.engine_words / route.engine_seconds)
        if route.segments:
            ratio.add_metric(key, route.memory_hits / route.segments)
    yield rate
    yield ratio


def _queue_families(newsroom: Newsroom) -> Iterator[Metric]:
    """Messages waiting on each stage's queue, when the Celery runner is configured."""
    if not newsroom.config.settings.workers.broker_url:
        return
    try:
        require("celery", "workers", "reading queue depths")
    except MissingExtra:
        return
    from babelwire.runners.celery.app import queue_depths

    depths = queue_depths(newsroom.config)
    reachable = any(depth is not None for depth in depths.values())
    yield GaugeMetricFamily(
        "babelwire_broker_up",
        "1 when the Celery broker answered this scrape.",
        value=float(reachable),
    )
    family = GaugeMetricFamily(
        "babelwire_queue_depth", "Tasks waiting on a stage's queue in the broker.", labels=["queue"]
    )
    for queue, depth in depths.items():
        if depth is not None:
            family.add_metric([queue], depth)
    yield family


class NewsroomCollector(Collector):
    """Reads the newsroom's figures at each scrape (no state kept between scrapes)."""

    def __init__(self, newsroom: Newsroom) -> None:
        self.newsroom = newsroom

    def collect(self) -> Iterable[Metric]:
        began = time.perf_counter()
        families = list(newsroom_families(newsroom_metrics(self.newsroom)))
        families += list(_queue_families(self.newsroom))
        yield from families
        yield GaugeMetricFamily(
            "babelwire_metrics_scrape_seconds",
            "Seconds this scrape took to read the database and the broker.",
            value=time.perf_counter() - began,
        )


class ProcessRequests:
    """Counts the HTTP requests this server process answered (ASGI middleware)."""

    def __init__(self, app: ASGIApp, counter: Counter) -> None:
        self.app = app
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.counter.labels(PID, scope["method"], _status_class(status)).inc()


def metrics_registry(newsroom: Newsroom) -> tuple[CollectorRegistry, Counter]:
    """A registry of the newsroom's figures and this process's request counter."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(NewsroomCollector(newsroom))
    requests = Counter(
        "babelwire_process_http_requests",
        "HTTP requests this server process answered (per process: sum over pid).",
        ["pid", "method", "status_class"],
        registry=registry,
    )
    return registry, requests


def _authorised(request: Request, token: str) -> bool:
    if not token:
        return True
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip(), token)


async def metrics(request: Request) -> Response:
    newsroom: Newsroom = request.app.state.newsroom
    settings = newsroom.config.settings.metrics
    if not settings.enabled:
        return PlainTextResponse("Not Found", status_code=404, headers=NO_STORE)
    if not _authorised(request, settings.token):
        return PlainTextResponse(
            "a bearer token is needed (metrics.token)\n",
            status_code=401,
            headers={**NO_STORE, "WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    registry: CollectorRegistry = request.app.state.metrics_registry
    body: Any = await run_in_threadpool(generate_latest, registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers=NO_STORE)


def metrics_routes() -> list[Route]:
    return [Route("/metrics", metrics)]
