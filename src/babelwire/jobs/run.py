"""One pass of the newsroom: poll due sources, then move every pending article on.

Articles go through the stages in chunks, each chunk committed stage by stage,
so a pass killed at any point leaves every article at a stage it can resume from.

With the fast lane on (`translation.fast_lane`), the new entries a poll finds are
carried through every stage first, each alone (jobs/fast_lane.py), and the backlog
then goes in slices of `translation.backlog_slice` articles: before each slice's
stage the pass carries what was pushed to it and polls the sources that have come
due since, carrying their new entries. So a new entry waits behind the backlog for
one slice's stage at most.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Protocol

from babelwire.clock import utcnow
from babelwire.jobs.fast_lane import Carried, FastLane, LaneRound
from babelwire.jobs.refresh import SourceReport, due_source_ids, refresh_sources
from babelwire.jobs.stages.result import StageResult
from babelwire.jobs.stages.steps import ARTICLE_STEPS, pending_article_ids, run_recorded_stage
from babelwire.jobs.tags import refresh_if_due
from babelwire.jobs.task_runs import record_stage_run
from babelwire.model import STEP_INPUT, STEPS, Step
from babelwire.newsroom import Newsroom
from babelwire.storage import articles, passes, sources
from babelwire.storage.database import is_database_failure

log = logging.getLogger("babelwire.run")


class Progress(Protocol):
    def start(self, stage: str, total: int) -> None: ...

    def advance(self, stage: str, count: int = 1) -> None: ...


class _Silent:
    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, stage: str, count: int = 1) -> None:
        pass


@dataclass(slots=True)
class RunReport:
    """What a pass did: a row per source, and time and throughput per stage."""

    sources: list[SourceReport] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    stage_articles: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    words_translated: int = 0
    engine_words: int = 0
    engine_seconds: float = 0.0
    segments_translated: int = 0
    memory_hits: int = 0
    article_errors: dict[int, str] = field(default_factory=dict)
    duplicates: int = 0  # copies of other articles found at extract
    carried: list[int] = field(default_factory=list)  # new entries the fast lane made live
    recurring_tags: int | None = None  # names tagged by the last recurring-name search

    @property
    def ok(self) -> bool:
        """No source or article failed in this pass (`run --once` exits 1 otherwise).

        Only failures recorded by this pass count: an article failed or
        quarantined in an earlier one is not tried again and does not make
        every later pass fail; it is in the dead letters.
        """
        return not any(s.error or s.failed for s in self.sources)


def run_pass(
    newsroom: Newsroom,
    *,
    force: bool = False,
    progress: Progress | None = None,
    chunk_size: int | None = None,
    lane: FastLane | None = None,
) -> RunReport:
    """Poll every due source (all of them with `force`) and process every pending article.

    With the fast lane on, new entries go first (`lane`: the runner's own, holding what
    was pushed to it between passes; a pass makes one for itself otherwise).
    """
    progress = progress or _Silent()
    translation = newsroom.config.settings.translation
    if lane is None and translation.fast_lane:
        lane = FastLane(newsroom)
    report = RunReport()
    pass_began, pass_began_at = time.perf_counter(), utcnow()
    if force:
        with newsroom.sessions() as session:
            source_ids = sources.enabled_source_ids(session)
    else:
        source_ids = due_source_ids(newsroom)
    progress.start(Step.FETCH, len(source_ids))
    started = time.perf_counter()
    fetch_began = utcnow()
    by_source: dict[int, SourceReport] = {}
    # All due sources are polled concurrently, each host at its own pace.
    for source_id, source_report in zip(
        source_ids,
        refresh_sources(newsroom, source_ids, on_done=lambda: progress.advance(Step.FETCH)),
        strict=True,
    ):
        report.sources.append(source_report)
        by_source[source_id] = source_report
    report.stage_seconds[Step.FETCH] += time.perf_counter() - started
    report.stage_articles[Step.FETCH] = sum(s.new + s.updated for s in report.sources)
    if source_ids:  # the record `babelwire status` reads, as the workers write it
        record_stage_run(
            newsroom,
            stage=Step.FETCH,
            items=source_ids,
            started_at=fetch_began,
            seconds=report.stage_seconds[Step.FETCH],
            done=sum(1 for s in report.sources if s.error is None),
            failed=sum(1 for s in report.sources if s.error is not None),
        )

    if newsroom.config.settings.websub.enabled:
        _maintain_subscriptions(newsroom)
    tried: set[int] = set()  # failed in the fast lane: tried again on the next pass
    if lane is not None:  # the new entries first, each alone
        carried = lane.carry_reports(report.sources)
        _account_carried(report, carried)
        tried = set(carried.failed)
    pending = sorted(
        {i for waiting in STEP_INPUT.values() for i in pending_article_ids(newsroom, waiting)}
        - tried
    )
    if chunk_size:
        size = chunk_size
    elif lane is not None:
        size = max(1, translation.backlog_slice)
    else:
        size = max(1, translation.batch_articles)
    for step in STEPS[1:]:
        progress.start(step, len(pending))
    for start in range(0, len(pending), size):
        chunk = pending[start : start + size]
        for stage in ARTICLE_STEPS:
            if lane is not None:  # what came in since goes ahead of the backlog
                _absorb(report, by_source, lane.catch_up())
            # Whatever one article makes a stage raise is that article's failure.
            result, seconds = run_recorded_stage(newsroom, stage, chunk)
            report.stage_seconds[stage] += seconds
            _account(report, stage, result)
            progress.advance(stage, len(chunk))
    _attribute_failures(newsroom, report, by_source)
    refreshed = refresh_if_due(newsroom)  # recurring names: now and then, not per article
    if refreshed is not None:
        report.recurring_tags = len(refreshed.names)
    with newsroom.sessions.begin() as session:  # what `/metrics` counts as a pass
        passes.add_pass(
            session,
            started_at=pass_began_at,
            seconds=time.perf_counter() - pass_began,
            sources=len(source_ids),
            articles=len(pending) + len(report.carried),
            ok=report.ok,
        )
    return report


def _maintain_subscriptions(newsroom: Newsroom) -> None:
    """Ask the hubs the polled feeds name (subscribe, renew, end): a hub's failure is
    recorded on its subscription; one that escapes is logged, never the pass's end."""
    from babelwire.jobs.websub import maintain

    try:
        maintain(newsroom)
    except Exception as exc:
        if is_database_failure(exc):
            raise
        log.exception("websub: maintaining the subscriptions failed")


def _account(report: RunReport, stage: str, result: StageResult) -> None:
    report.stage_articles[stage] += len(result.done) + len(result.unchanged)
    report.words_translated += result.words
    report.engine_seconds += result.engine_seconds
    report.engine_words += result.engine_words
    report.segments_translated += result.segments
    report.memory_hits += result.memory_hits
    report.duplicates += len(result.duplicates)
    report.article_errors.update(result.failed)


def _account_carried(report: RunReport, carried: Carried) -> None:
    for stage, result in carried.results.items():
        report.stage_seconds[stage] += carried.seconds.get(stage, 0.0)
        _account(report, stage, result)
    report.carried += carried.live


def _absorb(report: RunReport, by_source: dict[int, SourceReport], found: LaneRound) -> None:
    """What a look at the fast lane polled and carried, into the pass's report."""
    for source_report in found.sources:
        known = by_source.get(source_report.source_id)
        if known is None:
            by_source[source_report.source_id] = source_report
            report.sources.append(source_report)
            continue
        known.new += source_report.new
        known.updated += source_report.updated
        known.skipped += source_report.skipped
        known.error = source_report.error or known.error
    report.stage_articles[Step.FETCH] += sum(s.new + s.updated for s in found.sources)
    _account_carried(report, found.carried)


def _attribute_failures(
    newsroom: Newsroom, report: RunReport, by_source: dict[int, SourceReport]
) -> None:
    if not report.article_errors:
        return
    with newsroom.sessions() as session:
        rows = articles.sources_of_articles(session, list(report.article_errors))
    for _article_id, source_id, name in rows:
        source_report = by_source.get(source_id)
        if source_report is None:
            source_report = SourceReport(source_id=source_id, name=name)
            by_source[source_id] = source_report
            report.sources.append(source_report)
        source_report.failed += 1
