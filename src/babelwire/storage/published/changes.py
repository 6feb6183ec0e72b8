"""What changed since the last static build: the articles, stories and takedowns whose
pages an incremental build rewrites."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from babelwire.storage.tables import ArticleRow, StoryRow, TombstoneRow, TranslationRow


def changed_articles(session: Session, since: datetime) -> list[int]:
    """Articles published, updated, retranslated or taken down since `since`, by id."""
    articles = select(ArticleRow.id).where(
        or_(
            ArticleRow.first_published_at >= since,
            ArticleRow.updated_at >= since,
        )
    )
    translations = select(TranslationRow.article_id).where(TranslationRow.updated_at >= since)
    removed = select(TombstoneRow.article_id).where(
        TombstoneRow.created_at >= since, TombstoneRow.article_id.is_not(None)
    )
    ids: set[int] = set()
    for query in (articles, translations, removed):
        ids.update(int(x) for x in session.scalars(query) if x is not None)
    return sorted(ids)


def changed_stories(session: Session, changed: list[int], since: datetime | None) -> list[int]:
    """Stories of the changed articles, and stories the organising stage changed since
    `since` (None: the changed articles' stories only)."""
    found = set(
        session.scalars(
            select(ArticleRow.story_id).where(
                ArticleRow.id.in_(changed), ArticleRow.story_id.is_not(None)
            )
        )
    )
    if since is not None:
        found.update(session.scalars(select(StoryRow.id).where(StoryRow.updated_at >= since)))
    return sorted(int(x) for x in found if x is not None)


def published_members(session: Session, story_ids: list[int]) -> set[int]:
    """The published articles of these stories (their pages say how many sources)."""
    if not story_ids:
        return set()
    return {
        int(x)
        for x in session.scalars(
            select(ArticleRow.id).where(
                ArticleRow.story_id.in_(story_ids), ArticleRow.first_published_at.is_not(None)
            )
        )
    }


def placements(session: Session, article_ids: list[int]) -> list[tuple[int, str | None, int]]:
    """(article id, section, source id) of these articles: the lists they are in."""
    rows = session.execute(
        select(ArticleRow.id, ArticleRow.section, ArticleRow.source_id).where(
            ArticleRow.id.in_(article_ids)
        )
    ).all()
    return [(row[0], row[1], row[2]) for row in rows]


def taken_down_paths(session: Session, article_ids: list[int]) -> dict[int, list[str]]:
    """The site paths each of these articles had, for those of them taken down."""
    return {
        row.article_id: list(row.paths)
        for row in session.scalars(
            select(TombstoneRow).where(TombstoneRow.article_id.in_(article_ids))
        )
        if row.article_id is not None
    }
