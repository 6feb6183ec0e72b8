"""What an article stage reports, and how it records an article that failed.

A failed article is retried on later runs until MAX_ATTEMPTS; then it is
quarantined: marked failed and filed in the dead letters, where the operator
sends it back to the stage that failed it (model.STEP_INPUT) or drops it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from babelwire.failure import describe_error
from babelwire.jobs.dead_letters import file_dead_letter, quarantine_letter_id
from babelwire.model import STEP_INPUT, Stage
from babelwire.newsroom import Newsroom
from babelwire.storage import Session, articles
from babelwire.storage.tables import ArticleRow

MAX_ATTEMPTS = 3

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class StageResult:
    """Which articles a stage moved on, which failed (and why), and what it cost."""

    done: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    merged: dict[int, int] = field(default_factory=dict)  # article -> the one it is a copy of
    duplicates: dict[int, int] = field(default_factory=dict)  # copy -> its original
    words: int = 0
    engine_words: int = 0  # words the engines translated (not found in memory)
    engine_seconds: float = 0.0
    segments: int = 0
    memory_hits: int = 0
    human_hits: int = 0  # of the memory hits, titles and blocks a person wrote


def merge_results(into: StageResult, other: StageResult) -> None:
    into.done += other.done
    into.unchanged += other.unchanged
    into.failed.update(other.failed)
    into.merged.update(other.merged)
    into.duplicates.update(other.duplicates)
    into.words += other.words
    into.engine_words += other.engine_words
    into.engine_seconds += other.engine_seconds
    into.segments += other.segments
    into.memory_hits += other.memory_hits
    into.human_hits += other.human_hits


def fail_article(
    session: Session, article: ArticleRow, stage: str, error: str, result: StageResult
) -> None:
    """Record a failure; the article is retried on later runs until MAX_ATTEMPTS.

    Then it is quarantined: marked failed and filed in the dead letters in the
    same transaction, so the operator sees it and can send it back to `stage`.
    """
    article.attempts += 1
    article.error = error[:4000]
    logger.info(
        "article %d: %s failed (try %d of %d): %s",
        article.id,
        stage,
        article.attempts,
        MAX_ATTEMPTS,
        error[:300],
        extra={"article_id": article.id, "source_id": article.source_id, "stage": stage},
    )
    if article.attempts >= MAX_ATTEMPTS:
        article.stage = Stage.FAILED.value
        file_dead_letter(
            session,
            task_id=quarantine_letter_id(stage, article.id),
            stage=stage,
            items=[article.id],
            tries=article.attempts,
            error=error,
        )
    result.failed[article.id] = error


def record_failure(
    newsroom: Newsroom, stage: str, article_id: int, error: str, result: StageResult
) -> None:
    """Record `error` on an article still waiting for `stage`, in a transaction of its own.

    For a failure the stage itself did not expect (it raised): whatever it had
    written was rolled back. If this cannot be written either, the database is
    what fails, and that is raised for the runner to see.
    """
    with newsroom.sessions() as session:
        article = articles.load_article(session, article_id)
        if article is None or article.stage != STEP_INPUT[stage].value:
            return
        fail_article(session, article, stage, error, result)
        session.commit()


def log_raised(what: str, exc: Exception, **ids: int | str) -> None:
    """One line for the operator; the traceback, for a bug report, at debug level.

    `ids` (article_id, source_id, stage) go with the line as fields of its record,
    which `--log-format json` writes out."""
    logger.warning("%s raised %s", what, describe_error(exc), extra=ids)
    logger.debug("%s raised", what, exc_info=exc, extra=ids)
