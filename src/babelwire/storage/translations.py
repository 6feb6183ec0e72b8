"""Queries on translations: an article in one edition's language, and those held for review."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from babelwire.clock import utcnow
from babelwire.model import TranslationStatus
from babelwire.storage.tables import ArticleRow, TranslationRow

__all__ = [
    "held_translation",
    "held_translations",
    "load_translation",
    "translation_to_save",
]


def load_translation(session: Session, article_id: int, language: str) -> TranslationRow | None:
    """The article's translation into `language`, if it has one."""
    return session.scalar(
        select(TranslationRow).where(
            TranslationRow.article_id == article_id, TranslationRow.language == language
        )
    )


def translation_to_save(session: Session, article: ArticleRow, language: str) -> TranslationRow:
    """The article's translation into `language`, added when it has none, stamped as
    written now from the article's current version; the caller fills in the rest."""
    row = load_translation(session, article.id, language)
    if row is None:
        row = TranslationRow(article_id=article.id, language=language, created_at=utcnow())
        session.add(row)
    row.updated_at = utcnow()
    row.article_version = article.version
    return row


def held_translations(session: Session) -> list[tuple[TranslationRow, str]]:
    """Translations the quality gate held back, worst first, each with its article's title."""
    rows = session.execute(
        select(TranslationRow, ArticleRow.title)
        .join(ArticleRow, ArticleRow.id == TranslationRow.article_id)
        .where(TranslationRow.status == TranslationStatus.HELD)
        .order_by(TranslationRow.quality, TranslationRow.article_id)
    ).all()
    return [(row, title) for row, title in rows]


def held_translation(session: Session, article_id: int, language: str) -> TranslationRow | None:
    """The article's translation into `language` if the quality gate holds it back."""
    return session.scalar(
        select(TranslationRow).where(
            TranslationRow.article_id == article_id,
            TranslationRow.language == language,
            TranslationRow.status == TranslationStatus.HELD,
        )
    )


def count_held(session: Session) -> int:
    """How many translations the quality gate holds back for review."""
    query = select(func.count()).select_from(TranslationRow)
    return int(session.scalar(query.where(TranslationRow.status == TranslationStatus.HELD)) or 0)
