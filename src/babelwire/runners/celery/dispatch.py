"""Sending work to a stage's queue: batches recorded in task_runs, then sent to the broker."""

from __future__ import annotations

from collections.abc import Sequence

from babelwire.jobs.task_runs import queue_runs
from babelwire.model import Step
from babelwire.newsroom import Newsroom
from babelwire.runners.celery.app import CARRY_TASK, FAST_LANE_QUEUE, app, task_name


def batch_size(newsroom: Newsroom, stage: str) -> int:
    workers = newsroom.config.settings.workers
    return max(1, workers.batch_sources if stage == Step.FETCH else workers.batch_articles)


def send(newsroom: Newsroom, stage: str, ids: Sequence[int], *, size: int | None = None) -> int:
    """Send `ids` to `stage` in batches; returns how many tasks were sent.

    The rows are committed before the messages leave, so a worker always finds the
    row of the task it starts; a message lost on the way leaves a queued row, and the
    scheduler sends the work again once `workers.requeue_after` has passed.
    """
    ids = list(ids)
    if not ids:
        return 0
    step = size or batch_size(newsroom, stage)
    batches = [ids[i : i + step] for i in range(0, len(ids), step)]
    task_ids = queue_runs(newsroom, stage, batches)
    for task_id, batch in zip(task_ids, batches, strict=True):
        app.send_task(task_name(stage), args=[batch], task_id=task_id, queue=stage)
    return len(batches)


def send_fast_lane(newsroom: Newsroom, article_ids: Sequence[int]) -> int:
    """Send new articles to the fast lane, one task each, to be carried through every
    stage ahead of the stage queues; returns how many tasks were sent.

    Each is recorded as an extract task, so the scheduler sends none of them to the
    extract queue while it is on its way; what a carry leaves at a later stage (a
    translation that failed) the scheduler sends to that stage's queue.
    """
    batches = [[int(i)] for i in article_ids]
    if not batches:
        return 0
    task_ids = queue_runs(newsroom, Step.EXTRACT, batches)
    for task_id, batch in zip(task_ids, batches, strict=True):
        app.send_task(CARRY_TASK, args=[batch], task_id=task_id, queue=FAST_LANE_QUEUE)
    return len(batches)
