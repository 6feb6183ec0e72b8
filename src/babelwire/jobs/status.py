"""The state of the newsroom's work, whichever runner does it: articles per stage,
tasks in flight, recent failures, dead letters, and what each stage costs."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from babelwire.clock import utcnow
from babelwire.jobs.dead_letters import QUARANTINE_PREFIX
from babelwire.jobs.task_runs import DEAD, DONE, FAILED, RETRY, RUNNING, SPLIT
from babelwire.model import STEPS
from babelwire.newsroom import Newsroom
from babelwire.storage import articles as article_queries
from babelwire.storage import dead_letters, sources, task_runs, translations


@dataclass(slots=True)
class StageFigures:
    """One stage over the window: runs, items, time per item, queue wait, failures."""

    stage: str
    runs: int = 0
    items: int = 0
    seconds: float = 0.0
    in_flight: int = 0
    failures: int = 0  # tasks that raised (retried, split or dead-lettered)
    failed_items: int = 0  # articles or sources a stage recorded as failed
    queue_p50: float | None = None
    last_error: str | None = None
    words: int = 0  # words translated (the translate stage)

    @property
    def seconds_per_item(self) -> float | None:
        return self.seconds / self.items if self.items else None

    @property
    def words_per_second(self) -> float | None:
        return self.words / self.seconds if self.words and self.seconds else None


@dataclass(slots=True)
class WorkStatus:
    articles: dict[str, int]
    stages: dict[str, StageFigures]
    dead_letters: int
    hours: float
    runners: set[str] = field(default_factory=set)
    quarantined: int = 0  # of the dead letters, articles the embedded runner gave up on
    held: int = 0  # translations the quality gate holds for review
    failing_sources: int = 0  # enabled sources whose latest poll failed
    last_work_at: datetime | None = None  # when a stage task last finished
    next_poll_at: datetime | None = None  # when the next source is due

    @property
    def slowest(self) -> StageFigures | None:
        """The stage that took the most time: the one to give more workers."""
        timed = [s for s in self.stages.values() if s.runs]
        return max(timed, key=lambda s: s.seconds, default=None)


def work_status(newsroom: Newsroom, *, hours: float = 24.0) -> WorkStatus:
    since = utcnow() - timedelta(hours=hours)
    stall = timedelta(seconds=newsroom.config.settings.workers.time_limit * 2)
    stages: dict[str, StageFigures] = {name: StageFigures(name) for name in STEPS}
    waits: dict[str, list[float]] = {name: [] for name in STEPS}
    runners: set[str] = set()
    with newsroom.sessions() as session:
        articles = article_queries.counts_by_stage(session)
        dead = dead_letters.count_letters(session)
        quarantined = dead_letters.count_letters(session, task_prefix=QUARANTINE_PREFIX)
        rows = task_runs.runs_since(session, since)
        held = translations.count_held(session)
        failing = sources.count_failing(session)
        last_work_at = task_runs.last_finished(session)
        next_poll_at = sources.next_due_time(session)
    now = utcnow()
    for stage, outcome, runner, seconds, queued, done, failed, started, error, words in rows:
        figures = stages.setdefault(stage, StageFigures(stage))
        runners.add(runner)
        if outcome == RUNNING and started is not None and now - started < stall:
            figures.in_flight += 1
        if outcome == DONE:
            figures.runs += 1
            figures.items += done + failed
            figures.seconds += seconds or 0.0
            figures.failed_items += failed
            figures.words += words or 0
        if outcome in (FAILED, DEAD, SPLIT, RETRY):
            figures.failures += 1
            lines = (error or "").strip().splitlines()
            figures.last_error = lines[-1] if lines else figures.last_error
        if queued is not None and runner == "celery":
            waits.setdefault(stage, []).append(queued)
    for stage, values in waits.items():
        if values:
            stages[stage].queue_p50 = statistics.median(values)
    return WorkStatus(
        articles=articles,
        stages=stages,
        dead_letters=int(dead),
        quarantined=int(quarantined),
        hours=hours,
        runners=runners,
        held=held,
        failing_sources=failing,
        last_work_at=last_work_at,
        next_poll_at=next_poll_at,
    )
