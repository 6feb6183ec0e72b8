"""The desk's list of articles: every article at any stage, filtered, newest first.

Unlike the public site's lists (`published/listing.py`), this one is not limited to
what an edition shows: it finds an article that failed, was taken down or waits
for review. A page goes on from the last id it showed (`id < before_id`): no
OFFSET and no count over the archive, so every page costs the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from babelwire.model import TranslationStatus
from babelwire.storage.tables import ArticleRow, SourceRow, StoryRow, TranslationRow

__all__ = ["ArticleFilters", "article_rows", "held_languages", "story_headline"]


@dataclass(frozen=True, slots=True)
class ArticleFilters:
    """What the desk's article list is narrowed to; None (or "") leaves a filter out."""

    stage: str | None = None  # a model.Stage value
    source_id: int | None = None
    language: str | None = None  # the original's language
    section: str | None = None
    story_id: int | None = None
    text: str = ""  # in the title of the original or of a translation
    since: datetime | None = None  # on or after
    until: datetime | None = None  # before
    by_publication: bool = False  # the dates are when this site first published it
    held: bool = False  # only articles with a translation held for review


# What a line of the list shows: not the text, which a list has no use for.
_LISTED = (
    ArticleRow.id,
    ArticleRow.title,
    ArticleRow.source_id,
    SourceRow.name.label("source_name"),
    ArticleRow.language,
    ArticleRow.stage,
    ArticleRow.error,
    ArticleRow.section,
    ArticleRow.story_id,
    func.coalesce(StoryRow.headline, "").label("story_headline"),
    ArticleRow.created_at,
    ArticleRow.published_at,
    ArticleRow.first_published_at,
)


def _escape_like(text: str) -> str:
    """`text` matched as it is by LIKE: its own % and _ are not wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def article_rows(
    session: Session, filters: ArticleFilters, *, before_id: int | None, limit: int
) -> list[Any]:
    """Up to `limit` articles matching `filters`, newest (highest id) first, after
    `before_id` when given: rows with the columns of `_LISTED`, by their names (the
    source's name as `source_name`, the story's headline, or "", as `story_headline`)."""
    query = (
        select(*_LISTED)
        .join(SourceRow, SourceRow.id == ArticleRow.source_id)
        .outerjoin(StoryRow, StoryRow.id == ArticleRow.story_id)
        .order_by(ArticleRow.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(ArticleRow.id < before_id)
    if filters.stage:
        query = query.where(ArticleRow.stage == filters.stage)
    if filters.source_id is not None:
        query = query.where(ArticleRow.source_id == filters.source_id)
    if filters.language:
        query = query.where(ArticleRow.language == filters.language)
    if filters.section:
        query = query.where(ArticleRow.section == filters.section)
    if filters.story_id is not None:
        query = query.where(ArticleRow.story_id == filters.story_id)
    when = ArticleRow.first_published_at if filters.by_publication else ArticleRow.created_at
    if filters.since is not None:
        query = query.where(when >= filters.since)
    if filters.until is not None:
        query = query.where(when < filters.until)
    if filters.text:
        # The ids whose title or a translation's title holds the text, found from the
        # titles alone (SQLite reads its title indexes for it), then the page of them.
        pattern = "%" + _escape_like(filters.text) + "%"
        # SQLite's LIKE ignores case already (ASCII case, as its lower() does): without
        # lower() around every title it reads its title indexes at three times the pace.
        sqlite = session.get_bind().dialect.name == "sqlite"

        def holds(column: Any) -> Any:
            if sqlite:
                return column.like(pattern, escape="\\")
            return column.ilike(pattern, escape="\\")

        titled = select(ArticleRow.id).where(holds(ArticleRow.title))
        translated = select(TranslationRow.article_id).where(holds(TranslationRow.title))
        query = query.where(ArticleRow.id.in_(titled.union(translated)))
    if filters.held:
        query = query.where(
            exists().where(
                TranslationRow.article_id == ArticleRow.id,
                TranslationRow.status == TranslationStatus.HELD.value,
            )
        )
    return list(session.execute(query).all())


def held_languages(session: Session, article_ids: Sequence[int]) -> dict[int, list[str]]:
    """Of `article_ids`, those with translations held for review, and their languages."""
    held: dict[int, list[str]] = {}
    if not article_ids:
        return held
    rows = session.execute(
        select(TranslationRow.article_id, TranslationRow.language)
        .where(
            TranslationRow.article_id.in_(list(article_ids)),
            TranslationRow.status == TranslationStatus.HELD.value,
        )
        .order_by(TranslationRow.article_id, TranslationRow.language)
    )
    for article_id, language in rows:
        held.setdefault(int(article_id), []).append(str(language))
    return held


def story_headline(session: Session, story_id: int) -> str:
    """The story's headline ("" when it has none or no longer exists)."""
    return str(session.scalar(select(StoryRow.headline).where(StoryRow.id == story_id)) or "")
