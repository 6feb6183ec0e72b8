"""Queries on translation runs: what each batch sent along a route cost."""

from __future__ import annotations

from sqlalchemy.orm import Session

from babelwire.clock import utcnow
from babelwire.storage.tables import TranslationRunRow


def add_run(
    session: Session,
    *,
    engine: str,
    source_language: str,
    target_language: str,
    articles: int,
    segments: int,
    memory_hits: int,
    engine_words: int,
    engine_seconds: float,
) -> None:
    """A batch translated along one route (added to the caller's transaction)."""
    session.add(
        TranslationRunRow(
            at=utcnow(),
            engine=engine[:100],
            source_language=source_language[:16],
            target_language=target_language[:16],
            articles=articles,
            segments=segments,
            memory_hits=memory_hits,
            engine_words=engine_words,
            engine_seconds=engine_seconds,
        )
    )
