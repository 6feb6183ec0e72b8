"""Dead letters: tasks that failed every try, kept until the operator retries or drops them.

Articles that failed one stage on every try (jobs/stages/) are quarantined
here too, one letter per article, whichever runner tried them.

While a task's items are in the dead letters the scheduler does not send them again,
so one poison batch does not fail forever in a loop. Retrying sends the same work as a
fresh task; dropping gives up on it: the articles still waiting for that stage are
marked failed with the task's last error, and sources are simply polled when next due.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from babelwire.model import STEP_INPUT, Stage
from babelwire.newsroom import Newsroom
from babelwire.storage import Session, articles, dead_letters


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    task_id: str
    stage: str
    items: list[int]
    tries: int
    error: str
    created_at: datetime


def add_dead_letter(
    newsroom: Newsroom, *, task_id: str, stage: str, items: Sequence[int], tries: int, error: str
) -> None:
    with newsroom.sessions.begin() as session:
        file_dead_letter(
            session, task_id=task_id, stage=stage, items=items, tries=tries, error=error
        )


def file_dead_letter(
    session: Session, *, task_id: str, stage: str, items: Sequence[int], tries: int, error: str
) -> None:
    """Add the letter in the caller's transaction (with the failure that caused it)."""
    if dead_letters.has_letter(session, task_id):
        return  # the same task dead-lettered twice (a redelivery): one letter
    dead_letters.add_letter(
        session, task_id=task_id, stage=stage, items=items, tries=tries, error=error
    )


QUARANTINE_PREFIX = "article-"


def quarantine_letter_id(stage: str, article_id: int) -> str:
    """The letter of an article that failed `stage` on every try of the embedded runner."""
    return f"{QUARANTINE_PREFIX}{article_id}-{stage}"


def requeue_dead_letters(newsroom: Newsroom, letters: Sequence[DeadLetter]) -> int:
    """Put the letters' failed articles back at the stage that failed them, with fresh tries.

    An article quarantined after failing a stage on every try is marked failed;
    retrying it means waiting for that stage again, whichever runner then
    takes it (the embedded pass finds it pending, a worker is sent it).
    Returns how many articles went back.
    """
    moved = 0
    with newsroom.sessions.begin() as session:
        for letter in letters:
            waiting = STEP_INPUT.get(letter.stage)
            if waiting is None or not letter.items:
                continue
            moved += articles.move_articles(
                session,
                letter.items,
                from_stage=Stage.FAILED.value,
                to_stage=waiting.value,
                error=None,
                reset_attempts=True,
            )
    return moved


def list_dead_letters(newsroom: Newsroom, ids: Sequence[int] | None = None) -> list[DeadLetter]:
    """The dead letters, oldest first (only `ids` when given)."""
    with newsroom.sessions() as session:
        return [
            DeadLetter(
                id=row.id,
                task_id=row.task_id,
                stage=row.stage,
                items=[int(i) for i in row.items],
                tries=row.tries,
                error=row.error,
                created_at=row.created_at,
            )
            for row in dead_letters.letters(session, ids)
        ]


def forget_dead_letters(newsroom: Newsroom, letters: Sequence[DeadLetter]) -> None:
    """Remove the letters (after their work was sent again)."""
    with newsroom.sessions.begin() as session:
        dead_letters.delete_letters(session, [x.id for x in letters])


def drop_dead_letters(newsroom: Newsroom, letters: Sequence[DeadLetter]) -> int:
    """Give up on the letters' work; returns how many articles were marked failed."""
    failed = 0
    with newsroom.sessions.begin() as session:
        for letter in letters:
            waiting = STEP_INPUT.get(letter.stage)
            if waiting is not None and letter.items:
                failed += articles.move_articles(
                    session,
                    letter.items,
                    from_stage=waiting.value,
                    to_stage=Stage.FAILED.value,
                    error=f"{letter.stage} dropped after {letter.tries} tries: {letter.error}",
                )
            dead_letters.delete_letters(session, [letter.id])
    return failed
