"""What each stage task does with its batch: claim, run the stage function, say what is next.

The work is the same stage functions `babelwire run` calls (jobs/refresh.py and
jobs/stages/); they skip every article that is no longer at the stage before their
own, so a task delivered twice, or retried after part of its batch was committed,
changes nothing the second time.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from babelwire.clock import utcnow
from babelwire.jobs.claims import claimed
from babelwire.jobs.fast_lane import carry_now
from babelwire.jobs.refresh import refresh_sources
from babelwire.jobs.stages.steps import ARTICLE_STEPS
from babelwire.jobs.task_runs import on_the_way
from babelwire.model import STEP_INPUT, STEPS, Step
from babelwire.newsroom import Newsroom
from babelwire.storage.articles import ids_at_stage

NEXT_STEP: dict[str, Step] = dict(itertools.pairwise(STEPS))  # fetch -> extract -> ...


@dataclass(slots=True)
class Outcome:
    """What a batch came to: items moved on, items failed, and work for the next stage."""

    done: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another worker, or no longer waiting for this stage
    words: int = 0  # words translated (the translate stage)
    next_ids: list[int] = field(default_factory=list)
    next_stage: str | None = None  # where next_ids go, when not the stage after the task's
    new_ids: list[int] = field(default_factory=list)  # of next_ids, new entries (fetch)


def work_on(newsroom: Newsroom, stage: str, ids: Sequence[int]) -> Outcome:
    """Run `stage` on the ids this worker can claim; the ids ready for the next stage."""
    outcome = Outcome()
    new_ids: list[int] = []
    with claimed(newsroom, stage, ids) as mine:
        outcome.skipped = len(ids) - len(mine)
        if stage == Step.FETCH:
            candidates = _fetch(newsroom, mine, outcome, new_ids)
        else:
            result = ARTICLE_STEPS[stage](newsroom, mine)
            outcome.done = len(result.done) + len(result.unchanged)
            outcome.failed = len(result.failed)
            outcome.words = result.words
            candidates = mine
    following = NEXT_STEP.get(stage)
    if following is not None:
        outcome.next_ids = ready_for(newsroom, following, candidates)
    if stage == Step.FETCH:
        new = set(new_ids)
        outcome.new_ids = [i for i in outcome.next_ids if i in new]
    return outcome


def carry(newsroom: Newsroom, ids: Sequence[int], stages: Collection[str]) -> Outcome:
    """The fast lane's task: carry new articles through the article stages this worker
    takes (`stages`), each alone (carry_now claims each at each stage), and hand them on
    to the queue of the first stage it does not take; what a failure leaves waiting, the
    scheduler sends on."""
    carried = carry_now(newsroom, None, ids, stages=stages)
    done = set(carried.live)
    outcome = Outcome(
        done=len(done),
        failed=len(carried.failed),
        skipped=len([i for i in ids if i not in done and i not in carried.failed]),
        words=sum(r.words for r in carried.results.values()),
    )
    left = [stage for stage in ARTICLE_STEPS if stage not in stages]
    if left:
        outcome.next_stage = left[0]
        outcome.next_ids = ready_for(newsroom, left[0], [i for i in ids if i not in done])
    return outcome


def _fetch(
    newsroom: Newsroom, source_ids: Sequence[int], outcome: Outcome, new_ids: list[int]
) -> list[int]:
    """Poll the sources still due (a duplicate delivery finds them polled: no request).

    Whether a source is due is read with the row its poll is made from, in one query
    for the batch; the row is read again only to store what the poll brought.
    """
    reports = refresh_sources(newsroom, source_ids, due_by=utcnow()) if source_ids else []
    outcome.skipped += len(source_ids) - len(reports)
    outcome.done = sum(1 for r in reports if r.error is None)
    outcome.failed = len(reports) - outcome.done
    new_ids += [article_id for r in reports for article_id in r.new_ids]
    return [article_id for r in reports for article_id in r.article_ids]


def ready_for(newsroom: Newsroom, stage: str, ids: Sequence[int]) -> list[int]:
    """Of `ids`, the articles waiting for `stage` that no task is already on its way to.

    After a first delivery that is what the batch moved on; after a redelivery (the
    worker died between committing and sending) it is what was committed but not sent.
    """
    if not ids:
        return []
    waiting = STEP_INPUT[stage].value
    with newsroom.sessions() as session:
        ready = ids_at_stage(session, ids, waiting)
    if not ready:
        return []
    window = timedelta(seconds=newsroom.config.settings.workers.requeue_after)
    sent = on_the_way(newsroom, stage, window)
    return [i for i in ready if i not in sent]
