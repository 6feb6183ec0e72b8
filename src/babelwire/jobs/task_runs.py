"""The record of stage runs: what was sent, what runs, how long it took, how it ended.

Both runners write here: the Celery tasks one row per task (sent, started, finished),
the embedded runner one row per stage and chunk. `babelwire status` reads it, and
the scheduler uses it to know which work is already on its way.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from babelwire.clock import utcnow
from babelwire.newsroom import Newsroom
from babelwire.storage import dead_letters, task_runs
from babelwire.storage.task_runs import (
    DEAD,
    DONE,
    FAILED,
    LOST,
    OPEN,
    QUEUED,
    RETRY,
    RUNNING,
    SPLIT,
)

__all__ = [
    "DEAD",
    "DONE",
    "FAILED",
    "LOST",
    "OPEN",
    "QUEUED",
    "RETRY",
    "RUNNING",
    "SPLIT",
    "Start",
    "finish_run",
    "mark_lost",
    "on_the_way",
    "queue_runs",
    "record_stage_run",
    "start_run",
]


def record_stage_run(
    newsroom: Newsroom,
    *,
    stage: str,
    items: Sequence[int],
    started_at: datetime,
    seconds: float,
    done: int,
    failed: int,
    words: int = 0,
) -> None:
    """A finished run of the embedded runner (no queue: it started as it was made)."""
    with newsroom.sessions.begin() as session:
        task_runs.add_finished_run(
            session,
            stage=stage,
            items=items,
            started_at=started_at,
            seconds=seconds,
            done=done,
            failed=failed,
            words=words,
        )


def queue_runs(newsroom: Newsroom, stage: str, batches: Iterable[Sequence[int]]) -> list[str]:
    """Rows for tasks about to be sent, committed first: a task id per batch."""
    ids: list[str] = []
    now = utcnow()
    with newsroom.sessions.begin() as session:
        for batch in batches:
            task_id = str(uuid.uuid4())
            ids.append(task_id)
            session.add(task_runs.queued_run(task_id, stage, batch, now))
    return ids


@dataclass(frozen=True, slots=True)
class Start:
    """A task as it starts: which try this is, and how long it waited in the queue."""

    tries: int
    queue_seconds: float


def start_run(
    newsroom: Newsroom, *, task_id: str, stage: str, items: Sequence[int], worker: str
) -> Start:
    """Mark the task running and count the try (a task sent by hand gets its row here)."""
    now = utcnow()
    with newsroom.sessions.begin() as session:
        # Locked, so that two deliveries of one task starting at once count two tries.
        row = task_runs.run_for_update(session, task_id)
        if row is None:
            row = task_runs.queued_run(task_id, stage, items, now)
            session.add(row)
        row.tries += 1
        row.outcome = RUNNING
        row.started_at = now
        row.worker = worker[:200]
        if row.queue_seconds is None:  # the wait before the first try, not before retries
            row.queue_seconds = max(0.0, (now - row.enqueued_at).total_seconds())
        return Start(tries=row.tries, queue_seconds=row.queue_seconds)


def finish_run(
    newsroom: Newsroom,
    *,
    task_id: str,
    outcome: str,
    seconds: float,
    done: int = 0,
    failed: int = 0,
    error: str | None = None,
    words: int = 0,
) -> None:
    with newsroom.sessions.begin() as session:
        task_runs.finish(
            session,
            task_id,
            outcome=outcome,
            finished_at=utcnow(),
            seconds=seconds,
            done=done,
            failed=failed,
            error=error,
            words=words,
        )


def on_the_way(newsroom: Newsroom, stage: str, within: timedelta) -> set[int]:
    """Items of `stage` that a task heard of within `within` will see to, or that are
    in the dead letters (they wait for the operator)."""
    since = utcnow() - within
    with newsroom.sessions() as session:
        batches = task_runs.open_batches(session, stage, since)
        dead = dead_letters.items_of_stage(session, stage)
    return {i for batch in batches for i in batch} | set(dead)


def mark_lost(newsroom: Newsroom, within: timedelta) -> int:
    """Open tasks not heard of within `within` are lost (a broker restart, a worker
    killed for good): their work is sent again, and they no longer count as in flight.
    If such a task turns up after all, it runs as usual and changes nothing."""
    since = utcnow() - within
    with newsroom.sessions.begin() as session:
        return task_runs.mark_lost(session, since)
