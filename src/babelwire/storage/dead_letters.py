"""Queries on dead letters: tasks that failed every try, kept for the operator."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from babelwire.storage.tables import DeadLetterRow


def has_letter(session: Session, task_id: str) -> bool:
    return (
        session.scalar(select(DeadLetterRow.id).where(DeadLetterRow.task_id == task_id)) is not None
    )


def add_letter(
    session: Session, *, task_id: str, stage: str, items: Sequence[int], tries: int, error: str
) -> None:
    session.add(
        DeadLetterRow(
            task_id=task_id, stage=stage, items=list(items), tries=tries, error=error[:4000]
        )
    )


def letters(session: Session, ids: Sequence[int] | None = None) -> list[DeadLetterRow]:
    """The dead letters, oldest first (only `ids` when given)."""
    query = select(DeadLetterRow).order_by(DeadLetterRow.id)
    if ids is not None:
        query = query.where(DeadLetterRow.id.in_(list(ids)))
    return list(session.scalars(query))


def delete_letters(session: Session, ids: Sequence[int]) -> None:
    session.execute(delete(DeadLetterRow).where(DeadLetterRow.id.in_(list(ids))))


def items_of_stage(session: Session, stage: str) -> list[int]:
    """Every item in the letters of `stage` (the scheduler does not send them again)."""
    batches = session.scalars(select(DeadLetterRow.items).where(DeadLetterRow.stage == stage))
    return [int(i) for batch in batches for i in batch]


def count_letters(session: Session, *, task_prefix: str | None = None) -> int:
    """How many letters there are (only those whose task id starts with `task_prefix`)."""
    query = select(func.count()).select_from(DeadLetterRow)
    if task_prefix is not None:
        query = query.where(DeadLetterRow.task_id.startswith(task_prefix))
    return int(session.scalar(query) or 0)
