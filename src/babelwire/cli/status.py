"""`babelwire status`: articles per stage, queues, tasks in flight, failures, the slowest
stage, and how fresh the news is (from a source's publication and from first seen to live)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from babelwire.cli.options import SiteOption, make_console, open_newsroom
from babelwire.extras import require

if TYPE_CHECKING:  # the command line loads without the database's packages
    from babelwire.jobs.freshness import Delays, Freshness
from babelwire.model import STEPS, Step

console = make_console()


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _moment(value: datetime | None) -> str:
    return "never" if value is None else value.strftime("%Y-%m-%d %H:%M:%S UTC")


_MEASURE_NAMES = {"source_to_live": "source to live", "seen_to_live": "seen to live"}
_WINDOW_NAMES = {"1h": "last hour", "24h": "last day"}
# Sources in the table `--freshness` adds.
FRESHNESS_SOURCES = 10


def _duration(value: float | None) -> str:
    """Seconds as a person reads them: 42 s, 7.5 min, 3.2 h."""
    if value is None:
        return "-"
    if value < 120:
        return f"{value:.0f} s"
    if value < 7200:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


def _delays(delays: Delays) -> str:
    return f"p50 {_duration(delays.p50)}, p95 {_duration(delays.p95)} ({delays.count})"


def _print_freshness(fresh: Freshness, table: bool) -> None:
    from babelwire.jobs.freshness import MEASURES, WINDOWS

    for window in WINDOWS:
        measures = fresh.windows[window]
        parts = [f"{_MEASURE_NAMES[m]} {_delays(measures[m])}" for m in MEASURES]
        console.print(f"Freshness, {_WINDOW_NAMES[window]}: " + "; ".join(parts))
    if not table:
        if fresh.slowest:
            worst = fresh.slowest[0]
            console.print(
                f"Slowest source, last day: {worst.name} (source to live "
                f"{_delays(worst.delays['source_to_live'])}; --freshness for more)",
                markup=False,
            )
        return
    listed = Table(title=f"Slowest {FRESHNESS_SOURCES} sources, last day (articles gone live)")
    listed.add_column("source")
    for measure in MEASURES:
        for q in ("p50", "p95"):
            listed.add_column(f"{_MEASURE_NAMES[measure]} {q}", justify="right")
    listed.add_column("articles", justify="right")
    for source in fresh.slowest:
        cells = [source.name]
        for measure in MEASURES:
            d = source.delays[measure]
            cells += [_duration(d.p50), _duration(d.p95)]
        count = max(source.delays[m].count for m in MEASURES)
        listed.add_row(*cells, str(count))
    console.print(listed)


def status(
    site: SiteOption = Path("."),
    hours: Annotated[float, typer.Option(help="Look back this many hours.")] = 24.0,
    show_freshness: Annotated[
        bool,
        typer.Option(
            "--freshness",
            help="Add a table of the slowest sources from publication to live, last day.",
        ),
    ] = False,
) -> None:
    """What the workers (or `babelwire run`) are doing, how fast each stage goes and how
    fresh the news is."""
    from babelwire.jobs.freshness import freshness
    from babelwire.jobs.status import work_status

    with open_newsroom(site) as newsroom:
        figures = work_status(newsroom, hours=hours)
        fresh = freshness(newsroom, sources=FRESHNESS_SOURCES if show_freshness else 1)
        depths: dict[str, int | None] = {}
        broker = newsroom.config.settings.workers.broker_url
        if broker:
            require("celery", "workers", "babelwire status with workers.broker_url set")
            from babelwire.runners.celery.app import queue_depths

            depths = queue_depths(newsroom.config)
    articles = ", ".join(f"{stage} {count}" for stage, count in sorted(figures.articles.items()))
    console.print(f"Articles: {articles or 'none yet'}")
    if not broker:
        console.print("Queues: none (workers.broker_url is empty: `babelwire run` does the work)")
    elif all(depth is None for depth in depths.values()):
        console.print(f"Queues: the broker at {broker} is not reachable")
    table = Table(title=f"Stages, last {hours:g} hours")
    for column in ("stage", "queued", "in flight", "runs", "items", "s/item", "wait p50 s"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    table.add_column("failures", justify="right")
    for stage in STEPS:
        s = figures.stages[stage]
        depth = depths.get(stage)
        table.add_row(
            stage,
            "-" if depth is None else str(depth),
            str(s.in_flight),
            str(s.runs),
            str(s.items),
            _seconds(s.seconds_per_item),
            _seconds(s.queue_p50),
            f"{s.failures} tasks, {s.failed_items} items",
        )
    console.print(table)
    slowest = figures.slowest
    if slowest is not None:
        console.print(
            f"Slowest stage: {slowest.stage}, {slowest.seconds:.1f} s in {slowest.runs} runs "
            f"({slowest.seconds_per_item or 0.0:.3f} s per item)"
        )
    translate = figures.stages[Step.TRANSLATE]
    if translate.words_per_second is not None:
        console.print(
            f"Translation: {translate.words} words in {translate.seconds:.1f} s, "
            f"{translate.words_per_second:.0f} words/s"
        )
    for stage in STEPS:
        error = figures.stages[stage].last_error
        if error:
            console.print(f"Last {stage} failure: {error}", markup=False)
    console.print(
        f"Last work done: {_moment(figures.last_work_at)}; next source due: "
        f"{_moment(figures.next_poll_at)}"
    )
    console.print(
        f"Held for review: {figures.held} translations"
        + (" (babelwire translations review)" if figures.held else "")
        + f"; sources failing: {figures.failing_sources}"
    )
    quarantined = f"{figures.quarantined} quarantined articles; " if figures.quarantined else ""
    console.print(
        f"Dead letters: {figures.dead_letters}"
        + (f" ({quarantined}babelwire dead-letters list)" if figures.dead_letters else "")
    )
    _print_freshness(fresh, show_freshness)
