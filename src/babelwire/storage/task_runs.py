"""Queries on task runs: the record of what each stage was sent, ran and came to."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from babelwire.model import Step
from babelwire.storage.tables import TaskRunRow

QUEUED = "queued"
RUNNING = "running"
RETRY = "retry"
DONE = "done"
FAILED = "failed"  # the task raised and was not retried (the work waits for the scheduler)
SPLIT = "split"  # failed every try; its items were sent again one per task
DEAD = "dead"  # failed every try; in the dead letters
LOST = "lost"  # not finished within workers.requeue_after: its work was sent again
OPEN = (QUEUED, RUNNING, RETRY)


def add_finished_run(
    session: Session,
    *,
    stage: str,
    items: Sequence[int],
    started_at: datetime,
    seconds: float,
    done: int,
    failed: int,
    words: int = 0,
) -> None:
    """A run of the embedded runner: no queue, it started as it was made."""
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
            words=words,
            worker="embedded",
        )
    )


def queued_run(task_id: str, stage: str, items: Sequence[int], now: datetime) -> TaskRunRow:
    """The row of a Celery task about to be sent."""
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


def run_for_update(session: Session, task_id: str) -> TaskRunRow | None:
    """The task's row, locked for the rest of the transaction."""
    return session.scalar(select(TaskRunRow).where(TaskRunRow.task_id == task_id).with_for_update())


def finish(
    session: Session,
    task_id: str,
    *,
    outcome: str,
    finished_at: datetime,
    seconds: float,
    done: int,
    failed: int,
    error: str | None,
    words: int = 0,
) -> None:
    """Set the finished task's outcome and figures (the error cut to its column)."""
    session.execute(
        update(TaskRunRow)
        .where(TaskRunRow.task_id == task_id)
        .values(
            outcome=outcome,
            finished_at=finished_at,
            seconds=seconds,
            done=done,
            failed=failed,
            words=words,
            error=error[:4000] if error else None,
        )
    )


def _last_heard() -> Any:
    """When a task was last heard of: its latest start, else when it was sent."""
    return func.coalesce(TaskRunRow.started_at, TaskRunRow.enqueued_at)


def open_batches(session: Session, stage: str, since: datetime) -> list[list[int]]:
    """The items of each open task of `stage` heard of since `since`."""
    found = session.scalars(
        select(TaskRunRow.items).where(
            TaskRunRow.stage == stage,
            TaskRunRow.outcome.in_(OPEN),
            _last_heard() >= since,
        )
    )
    return [[int(i) for i in batch] for batch in found]


def mark_lost(session: Session, since: datetime) -> int:
    """Open tasks not heard of since `since` are marked lost; returns how many."""
    result = session.execute(
        update(TaskRunRow)
        .where(TaskRunRow.outcome.in_(OPEN), _last_heard() < since)
        .values(outcome=LOST)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def runs_since(session: Session, since: datetime) -> list[tuple[Any, ...]]:
    """The tasks sent since `since`, oldest first: (stage, outcome, runner, seconds,
    queue_seconds, done, failed, started_at, error, words)."""
    rows = session.execute(
        select(
            TaskRunRow.stage,
            TaskRunRow.outcome,
            TaskRunRow.runner,
            TaskRunRow.seconds,
            TaskRunRow.queue_seconds,
            TaskRunRow.done,
            TaskRunRow.failed,
            TaskRunRow.started_at,
            TaskRunRow.error,
            TaskRunRow.words,
        )
        .where(TaskRunRow.enqueued_at >= since)
        .order_by(TaskRunRow.id)
    ).all()
    return [tuple(row) for row in rows]


def last_finished(session: Session) -> datetime | None:
    """When a stage task last finished, whichever runner ran it."""
    return session.scalar(select(func.max(TaskRunRow.finished_at)))


def runs_of_article(
    session: Session, article_id: int, *, since: datetime, look_at: int = 200
) -> list[TaskRunRow]:
    """The article stages' runs that held `article_id`, among the first `look_at` sent
    since `since` (when it was found: the runs that moved it on). A run's items are a
    JSON list, which no index reaches, so only so many runs are looked at."""
    rows = session.scalars(
        select(TaskRunRow)
        .where(TaskRunRow.enqueued_at >= since, TaskRunRow.stage != Step.FETCH.value)
        .order_by(TaskRunRow.enqueued_at, TaskRunRow.id)
        .limit(look_at)
    )
    return [row for row in rows if article_id in (row.items or ())]
