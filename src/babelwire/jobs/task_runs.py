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
from typing import Any

from sqlalchemy import func, select, update

from babelwire.clock import utcnow
from babelwire.jobs.newsroom import Newsroom
from babelwire.storage.tables import DeadLetterRow, TaskRunRow

QUEUED = "queued"
RUNNING = "running"
RETRY = "retry"
DONE = "done"
FAILED = "failed"  # the task raised and was not retried (the work waits for the scheduler)
SPLIT = "split"  # failed every try; its items were sent again one per task
DEAD = "dead"  # failed every try; in the dead letters
LOST = "lost"  # not finished within workers.requeue_after: its work was sent again
OPEN = (QUEUED, RUNNING, RETRY)


def record_stage_run(
    newsroom: Newsroom,
    *,
    stage: str,
    items: Sequence[int],
    started_at: datetime,
    seconds: float,
    done: int,
    failed: int,
) -> None:
    """A finished run of the embedded runner (no queue: it started as it was made)."""
    with newsroom.sessions.begin() as session:
        session.add(
            TaskRunRow(
                runner="embedded",
                stage=stage,
                items=list(items),
                outcome=DONE,
                tries=1,
                enqueued_at=started_at,
                started_at=started_at,
                finished_at=started_at + timedelta(seconds=seconds),
                seconds=seconds,
                queue_seconds=0.0,
                done=done,
                failed=failed,
                worker="embedded",
            )
        )


def queue_runs(newsroom: Newsroom, stage: str, batches: Iterable[Sequence[int]]) -> list[str]:
    """Rows for tasks about to be sent, committed first: a task id per batch."""
    ids: list[str] = []
    now = utcnow()
    with newsroom.sessions.begin() as session:
        for batch in batches:
            task_id = str(uuid.uuid4())
            ids.append(task_id)
            session.add(_queued(task_id, stage, batch, now))
    return ids


def _queued(task_id: str, stage: str, items: Sequence[int], now: datetime) -> TaskRunRow:
    return TaskRunRow(
        task_id=task_id,
        runner="celery",
        stage=stage,
        items=list(items),
        outcome=QUEUED,
        tries=0,
        enqueued_at=now,
        done=0,
        failed=0,
        worker="",
    )


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
        row = session.scalar(
            select(TaskRunRow).where(TaskRunRow.task_id == task_id).with_for_update()
        )
        if row is None:
            row = _queued(task_id, stage, items, now)
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
) -> None:
    with newsroom.sessions.begin() as session:
        session.execute(
            update(TaskRunRow)
            .where(TaskRunRow.task_id == task_id)
            .values(
                outcome=outcome,
                finished_at=utcnow(),
                seconds=seconds,
                done=done,
                failed=failed,
                error=error[:4000] if error else None,
            )
        )


def _last_heard() -> Any:
    """When a task was last heard of: its latest start, else when it was sent."""
    return func.coalesce(TaskRunRow.started_at, TaskRunRow.enqueued_at)


def on_the_way(newsroom: Newsroom, stage: str, within: timedelta) -> set[int]:
    """Items of `stage` that a task heard of within `within` will see to, or that are
    in the dead letters (they wait for the operator)."""
    since = utcnow() - within
    with newsroom.sessions() as session:
        batches = session.scalars(
            select(TaskRunRow.items).where(
                TaskRunRow.stage == stage,
                TaskRunRow.outcome.in_(OPEN),
                _last_heard() >= since,
            )
        ).all()
        dead = session.scalars(select(DeadLetterRow.items).where(DeadLetterRow.stage == stage))
        covered = {int(i) for batch in batches for i in batch}
        covered.update(int(i) for batch in dead for i in batch)
    return covered


def mark_lost(newsroom: Newsroom, within: timedelta) -> int:
    """Open tasks not heard of within `within` are lost (a broker restart, a worker
    killed for good): their work is sent again, and they no longer count as in flight.
    If such a task turns up after all, it runs as usual and changes nothing."""
    since = utcnow() - within
    with newsroom.sessions.begin() as session:
        result = session.execute(
            update(TaskRunRow)
            .where(TaskRunRow.outcome.in_(OPEN), _last_heard() < since)
            .values(outcome=LOST)
        )
        return int(getattr(result, "rowcount", 0) or 0)
