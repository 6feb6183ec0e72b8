"""What the newsroom has done, from its database: the figures `/metrics` exposes.

Everything here is read at scrape time from what every process records (articles,
translations, task runs, polls, translation runs, passes), so every `serve` process
and every host answers the same, however many workers did the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babelwire.jobs.freshness import Freshness, freshness
from babelwire.newsroom import Newsroom
from babelwire.storage import metrics
from babelwire.storage.metrics import Buckets, RouteTotals
from babelwire.storage.task_runs import DEAD, FAILED, SPLIT

__all__ = [
    "DELAY_BOUNDS",
    "FAILURE_OUTCOMES",
    "FRESHNESS_SOURCES",
    "PASS_BOUNDS",
    "STAGE_BOUNDS",
    "Buckets",
    "Freshness",
    "NewsroomMetrics",
    "RouteTotals",
    "newsroom_metrics",
]

# Seconds: a stage's task over a batch, a whole pass, and a source's publication to ours.
STAGE_BOUNDS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
PASS_BOUNDS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
DELAY_BOUNDS = (
    60.0,
    300.0,
    900.0,
    1800.0,
    3600.0,
    7200.0,
    21600.0,
    43200.0,
    86400.0,
    259200.0,
    604800.0,
)
# The slowest sources /metrics gives a freshness series each (a bounded count of series).
FRESHNESS_SOURCES = 10
# The ends of a task run that are failures (retried tasks end as one of these or done).
FAILURE_OUTCOMES = (FAILED, SPLIT, DEAD)


@dataclass(frozen=True, slots=True)
class NewsroomMetrics:
    articles_by_stage: dict[str, int]
    articles_live: int
    translations_by_status: dict[str, int]
    task_runs: dict[tuple[str, str, str], int]  # (stage, runner, outcome) -> runs
    stage_durations: dict[tuple[str, str], Buckets]  # (stage, runner)
    passes: Buckets
    passes_failed: int
    last_pass: datetime | None
    fetches: dict[tuple[int, str, str], int]  # (source id, outcome, status class) -> polls
    source_names: dict[int, str]
    routes: list[RouteTotals]
    dead_letters: dict[str, int]
    publication_delay: Buckets
    freshness: Freshness

    @property
    def held_translations(self) -> int:
        return self.translations_by_status.get("held", 0)

    def task_failures(self) -> dict[tuple[str, str], int]:
        """Task runs that ended in failure, by (stage, runner)."""
        found: dict[tuple[str, str], int] = {}
        for (stage, runner, outcome), count in self.task_runs.items():
            if outcome in FAILURE_OUTCOMES:
                found[(stage, runner)] = found.get((stage, runner), 0) + count
        return found


def newsroom_metrics(newsroom: Newsroom) -> NewsroomMetrics:
    """Every figure, read in one read-only session."""
    with newsroom.sessions() as session:
        passes, failed, last = metrics.pass_durations(session, PASS_BOUNDS)
        delay, live = metrics.publication_delays(session, DELAY_BOUNDS)
        return NewsroomMetrics(
            articles_by_stage=metrics.articles_by_stage(session),
            articles_live=live,
            translations_by_status=metrics.translations_by_status(session),
            task_runs=metrics.task_runs_by_outcome(session),
            stage_durations=metrics.stage_durations(session, STAGE_BOUNDS),
            passes=passes,
            passes_failed=failed,
            last_pass=last,
            fetches=metrics.fetch_outcomes(session),
            source_names=metrics.source_names(session),
            routes=metrics.translation_totals(session),
            dead_letters=metrics.dead_letters_by_stage(session),
            publication_delay=delay,
            freshness=freshness(newsroom, sources=FRESHNESS_SOURCES),
        )
