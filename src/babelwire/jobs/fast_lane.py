"""The fast lane: a new entry carried through extract, translate and publish on its own
as soon as it is found, ahead of the backlog and of retranslation work.

`carry_now(newsroom, source_id, article_ids)` is the one entry point: whatever has just
stored new articles of a source (a poll, a pushed feed) calls it, and each article goes
through every stage alone, one article after another, so the first is live before the
second is extracted. Each stage claims the article first (jobs/claims.py), so a carry in
one process and a backlog pass or a worker in another never work on it at once; an
article a stage fails waits for the backlog's next try like any other.

`FastLane` is what the embedded runner looks at between two slices of backlog work
(jobs/run.py): articles pushed to it from another thread of the process, then the
sources due to be polled now (hot sources come due every `fetch.hot_interval_seconds`),
whose new entries are carried at once. The Celery runner sends new entries to a queue
of their own, consumed before the stage queues (runners/celery/).

In serve mode an article is live when its publish commits: the page cache notices the
change on the next request (storage/data_version.py). A static site is updated by the
incremental builds `on_live` asks for (`babelwire run --build`: jobs/live_builds.py).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

from babelwire.jobs.claims import claimed
from babelwire.jobs.refresh import SourceReport, due_source_ids, refresh_sources
from babelwire.jobs.stages.result import StageResult, merge_results
from babelwire.jobs.stages.steps import ARTICLE_STEPS, run_recorded_stage
from babelwire.model import Step
from babelwire.newsroom import Newsroom
from babelwire.storage import articles

__all__ = ["Carried", "FastLane", "LaneRound", "carry_new_entries", "carry_now"]


@dataclass(slots=True)
class Carried:
    """What carrying articles did: each stage's merged result and seconds, and which
    articles went live."""

    results: dict[str, StageResult] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    live: list[int] = field(default_factory=list)

    def add(self, stage: str, result: StageResult, seconds: float) -> None:
        merge_results(self.results.setdefault(stage, StageResult()), result)
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    def extend(self, other: Carried) -> None:
        for stage, result in other.results.items():
            self.add(stage, result, other.seconds.get(stage, 0.0))
        self.live += other.live

    @property
    def failed(self) -> dict[int, str]:
        return {i: e for r in self.results.values() for i, e in r.failed.items()}


def carry_now(
    newsroom: Newsroom,
    source_id: int | None,
    article_ids: Sequence[int],
    *,
    stages: Collection[str] | None = None,
) -> Carried:
    """Carry the articles just stored for `source_id` (None: whatever their source)
    through extract, translate and publish, each article alone, in the order given.

    `stages` (None: all) are the stages this process may run: the carry stops before
    the first it may not (a Celery worker that does not take the translate queue leaves
    translation to the workers that do). An id of another source is left out, and so is
    an article past a stage (or claimed by another process) at that stage: carrying an
    article twice changes nothing.
    """
    ids = list(dict.fromkeys(int(i) for i in article_ids))
    if source_id is not None and ids:
        with newsroom.sessions() as session:
            owned = {a for a, s, _ in articles.sources_of_articles(session, ids) if s == source_id}
        ids = [i for i in ids if i in owned]
    carried = Carried()
    for article_id in ids:
        for stage in ARTICLE_STEPS:
            if stages is not None and stage not in stages:
                break
            with claimed(newsroom, stage, [article_id]) as mine:
                if not mine:
                    break  # another process is on it
                result, seconds = run_recorded_stage(newsroom, stage, mine)
            carried.add(stage, result, seconds)
            if stage == Step.PUBLISH and article_id in result.done:
                carried.live.append(article_id)
    return carried


def carry_new_entries(newsroom: Newsroom, reports: Iterable[SourceReport]) -> Carried:
    """Carry the new articles a poll found, source by source (updates wait for the backlog)."""
    carried = Carried()
    for report in reports:
        if report.new_ids:
            carried.extend(carry_now(newsroom, report.source_id, report.new_ids))
    return carried


@dataclass(slots=True)
class LaneRound:
    """What one look at the fast lane did: the sources it polled, what it carried."""

    sources: list[SourceReport] = field(default_factory=list)
    carried: Carried = field(default_factory=Carried)


class FastLane:
    """The embedded runner's fast lane: pushed articles, then due sources, carried first.

    `push` may be called from any thread of the process (a push subscriber's handler);
    `wake` is set when something waits, so a runner asleep between passes starts at once.
    `on_live` is called with the ids each carry made live (a static site's incremental
    build).
    """

    def __init__(
        self, newsroom: Newsroom, *, on_live: Callable[[list[int]], None] | None = None
    ) -> None:
        self.newsroom = newsroom
        self.on_live = on_live
        self.wake = threading.Event()
        self._pushed: deque[tuple[int | None, list[int]]] = deque()
        self._lock = threading.Lock()

    def push(self, source_id: int | None, article_ids: Sequence[int]) -> None:
        """Articles just stored, to be carried before any more backlog work."""
        with self._lock:
            self._pushed.append((source_id, [int(i) for i in article_ids]))
        self.wake.set()

    def carry(self, source_id: int | None, article_ids: Sequence[int]) -> Carried:
        carried = carry_now(self.newsroom, source_id, article_ids)
        self._went_live(carried)
        return carried

    def carry_reports(self, reports: Iterable[SourceReport]) -> Carried:
        carried = carry_new_entries(self.newsroom, reports)
        self._went_live(carried)
        return carried

    def catch_up(self) -> LaneRound:
        """Carry what was pushed, then poll the sources due now and carry their new entries."""
        found = LaneRound()
        while True:
            with self._lock:
                if not self._pushed:
                    self.wake.clear()
                    break
                source_id, ids = self._pushed.popleft()
            found.carried.extend(self.carry(source_id, ids))
        due = due_source_ids(self.newsroom)
        if due:
            found.sources = refresh_sources(self.newsroom, due)
            found.carried.extend(self.carry_reports(found.sources))
        return found

    def _went_live(self, carried: Carried) -> None:
        if carried.live and self.on_live is not None:
            self.on_live(carried.live)
