"""Queries on translations: an article in one edition's language, and those held for review."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, literal, or_, select
from sqlalchemy.orm import Session

from babelwire.clock import utcnow
from babelwire.model import TranslationStatus
from babelwire.storage.tables import ArticleRow, SourceRow, TranslationRow

__all__ = [
    "count_held",
    "edited_by_a_person",
    "held_page",
    "held_translation",
    "held_translations",
    "load_translation",
    "sort_score",
    "translation_by_id",
    "translation_to_save",
    "translations_of_article",
]


def load_translation(session: Session, article_id: int, language: str) -> TranslationRow | None:
    """The article's translation into `language`, if it has one."""
    return session.scalar(
        select(TranslationRow).where(
            TranslationRow.article_id == article_id, TranslationRow.language == language
        )
    )


def translation_by_id(session: Session, translation_id: int) -> TranslationRow | None:
    """A translation by its own id (with its article, loaded when first read)."""
    return session.get(TranslationRow, translation_id)


def translations_of_article(session: Session, article_id: int) -> list[TranslationRow]:
    """Every translation the article has, by language."""
    return list(
        session.scalars(
            select(TranslationRow)
            .where(TranslationRow.article_id == article_id)
            .order_by(TranslationRow.language)
        )
    )


def translation_to_save(session: Session, article: ArticleRow, language: str) -> TranslationRow:
    """The article's translation into `language`, added when it has none, stamped as
    written now by the machine from the article's current version (a new revision, no
    longer a person's); the caller fills in the rest."""
    row = load_translation(session, article.id, language)
    if row is None:
        row = TranslationRow(
            article_id=article.id, language=language, created_at=utcnow(), revision=0
        )
        session.add(row)
    row.updated_at = utcnow()
    row.article_version = article.version
    row.revision = (row.revision or 0) + 1
    row.revised_by = None
    row.revised_by_display = None
    row.revised_at = None
    return row


def edited_by_a_person(row: TranslationRow | None) -> bool:
    """Whether the translation's text is a person's revision (not to be overwritten
    by the machine unless the operator asks)."""
    return row is not None and row.revised_by is not None


def is_held() -> ColumnElement[bool]:
    """A translation held for review, written so that the held-only partial index
    (ix_translations_held) serves it: the value inline, as the index's condition has it."""
    return TranslationRow.status == literal(TranslationStatus.HELD.value, literal_execute=True)


def held_translations(session: Session) -> list[tuple[TranslationRow, str]]:
    """Translations the quality gate held back, worst first, each with its article's title."""
    rows = session.execute(
        select(TranslationRow, ArticleRow.title)
        .join(ArticleRow, ArticleRow.id == TranslationRow.article_id)
        .where(is_held())
        .order_by(TranslationRow.quality, TranslationRow.article_id)
    ).all()
    return [(row, title) for row, title in rows]


def held_translation(session: Session, article_id: int, language: str) -> TranslationRow | None:
    """The article's translation into `language` if the quality gate holds it back."""
    return session.scalar(
        select(TranslationRow).where(
            TranslationRow.article_id == article_id,
            TranslationRow.language == language,
            is_held(),
        )
    )


def count_held(session: Session) -> int:
    """How many translations the quality gate holds back for review."""
    query = select(func.count()).select_from(TranslationRow)
    return int(session.scalar(query.where(is_held())) or 0)


# Where a held translation with no quality score sorts: after every scored one.
_UNSCORED = 2.0


def held_page(
    session: Session, *, after: tuple[float, int] | None, limit: int
) -> list[tuple[TranslationRow, str, str]]:
    """Held translations worst first, each with its article's title and source name;
    a page goes on after the (quality, id) of the previous page's last (no OFFSET)."""
    score = func.coalesce(TranslationRow.quality, _UNSCORED)
    query = (
        select(TranslationRow, ArticleRow.title, SourceRow.name)
        .join(ArticleRow, ArticleRow.id == TranslationRow.article_id)
        .join(SourceRow, SourceRow.id == ArticleRow.source_id)
        .where(is_held())
        .order_by(score, TranslationRow.id)
        .limit(limit)
    )
    if after is not None:
        quality, last_id = after
        query = query.where(
            or_(score > quality, and_(score == quality, TranslationRow.id > last_id))
        )
    return [(row, title, source) for row, title, source in session.execute(query).all()]


def sort_score(row: TranslationRow) -> float:
    """Where `row` sorts in the review queue (its quality; unscored last)."""
    return row.quality if row.quality is not None else _UNSCORED
