"""Queries on tags: the entities and recurring names articles name, and the links
(article, tag, mentions) between them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from babelwire.storage.tables import ArticleRow, ArticleTagRow, TagRow

__all__ = [
    "GAZETTEER",
    "RECURRING",
    "IntegrityError",
    "add_tag",
    "articles_by_id",
    "gazetteer_tag_ids",
    "link_tag",
    "published_article_ids",
    "published_since",
    "tag_by_slug",
    "tags_by_slug",
    "tags_with_counts",
    "unlink_tags",
]

# Where a tag comes from (its origin): an entity of the gazetteer, or a name that
# recurs across sources. Of two workers storing the same new tag at once, the second
# fails with IntegrityError.
GAZETTEER, RECURRING = "gazetteer", "recurring"


def gazetteer_tag_ids(session: Session) -> dict[str, int]:
    """Every gazetteer tag by slug, including those of entities the file no longer lists."""
    return dict(
        session.execute(select(TagRow.slug, TagRow.id).where(TagRow.origin == GAZETTEER)).all()
    )


def tags_by_slug(session: Session, slugs: Sequence[str]) -> dict[str, TagRow]:
    return {row.slug: row for row in session.scalars(select(TagRow).where(TagRow.slug.in_(slugs)))}


def tag_by_slug(session: Session, slug: str) -> TagRow | None:
    return session.scalar(select(TagRow).where(TagRow.slug == slug))


def add_tag(
    session: Session,
    slug: str,
    *,
    origin: str,
    created_at: datetime,
    kind: str = "other",
    name: str = "",
) -> TagRow:
    """A new tag (its id comes with the next flush)."""
    row = TagRow(slug=slug, kind=kind, name=name, names={}, origin=origin, created_at=created_at)
    session.add(row)
    return row


def link_tag(session: Session, article_id: int, tag_id: int, mentions: int) -> None:
    """The article names the tag `mentions` times."""
    row = session.get(ArticleTagRow, (article_id, tag_id))
    if row is None:
        session.add(ArticleTagRow(article_id=article_id, tag_id=tag_id, mentions=mentions))
    elif row.mentions != mentions:
        row.mentions = mentions


def unlink_tags(session: Session, article_id: int, tag_ids: Sequence[int]) -> None:
    """The article no longer names the tags of `tag_ids`."""
    session.execute(
        delete(ArticleTagRow).where(
            ArticleTagRow.article_id == article_id,
            ArticleTagRow.tag_id.in_(tag_ids),
        )
    )


def tags_with_counts(session: Session) -> list[tuple[TagRow, int]]:
    """Every tag with the number of articles naming it, most named first."""
    counts = (
        select(ArticleTagRow.tag_id, func.count().label("n"))
        .group_by(ArticleTagRow.tag_id)
        .subquery()
    )
    rows = session.execute(
        select(TagRow, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.tag_id == TagRow.id)
        .order_by(func.coalesce(counts.c.n, 0).desc(), TagRow.slug)
    ).all()
    return [(row, int(n)) for row, n in rows]


def published_since(
    session: Session, since: datetime
) -> list[tuple[int, int, str, list[dict[str, str]]]]:
    """(id, source, title, blocks) of the articles first published at `since` or later."""
    rows = session.execute(
        select(ArticleRow.id, ArticleRow.source_id, ArticleRow.title, ArticleRow.blocks).where(
            ArticleRow.first_published_at.is_not(None), ArticleRow.first_published_at >= since
        )
    ).all()
    return [(i, s, t, b) for i, s, t, b in rows]


def published_article_ids(session: Session) -> list[int]:
    """Every article ever published, by id."""
    return list(
        session.scalars(
            select(ArticleRow.id)
            .where(ArticleRow.first_published_at.is_not(None))
            .order_by(ArticleRow.id)
        )
    )


def articles_by_id(session: Session, ids: Sequence[int]) -> list[ArticleRow]:
    return list(session.scalars(select(ArticleRow).where(ArticleRow.id.in_(ids))))
