"""Read-side queries for tags: the people, places and organisations articles name.

The organising stage fills `tags` and `article_tags`; the site only reads them.
A tag page in edition L exists while at least one article visible in L names
the tag. Its name is the one for L in `TagRow.names`, else `TagRow.name`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, CompoundSelect, Select, select, union
from sqlalchemy.orm import Session

from babelwire.model import is_tag_slug
from babelwire.storage.published.listing import VISIBLE_STATUSES, visible_in
from babelwire.storage.tables import ArticleRow, ArticleTagRow, TagRow, TranslationRow

#: Tags (people, places, organisations) an article must share with another to be
#: related to it without being a report of the same story: one shared name (the
#: city of the club and of the cannery) is no relation.
SHARED_TAGS = 2


@dataclass(frozen=True, slots=True)
class TagInfo:
    id: int
    slug: str
    name: str  # in the edition's language
    kind: str


def _info(row: TagRow, language: str) -> TagInfo:
    names = row.names if isinstance(row.names, dict) else {}
    name = names.get(language)
    return TagInfo(
        id=row.id,
        slug=row.slug,
        name=name if isinstance(name, str) and name.strip() else row.name,
        kind=row.kind,
    )


def tag_info(session: Session, language: str, slug: str) -> TagInfo | None:
    """A tag by its slug, named for an edition (None for an unknown or unsafe slug)."""
    if not is_tag_slug(slug):
        return None
    row = session.scalar(select(TagRow).where(TagRow.slug == slug))
    return None if row is None else _info(row, language)


def named(tag_id: int) -> ColumnElement[bool]:
    """The condition on an article that names the tag (a list of articles filters by it)."""
    return ArticleRow.id.in_(select(ArticleTagRow.article_id).where(ArticleTagRow.tag_id == tag_id))


def tags_for_article(session: Session, language: str, article_id: int) -> tuple[TagInfo, ...]:
    """The tags an article names, most mentioned first (safe slugs only)."""
    rows = session.execute(
        select(TagRow, ArticleTagRow.mentions)
        .join(ArticleTagRow, ArticleTagRow.tag_id == TagRow.id)
        .where(ArticleTagRow.article_id == article_id)
        .order_by(ArticleTagRow.mentions.desc(), TagRow.slug)
    ).all()
    return tuple(_info(row, language) for row, _ in rows if is_tag_slug(row.slug))


def editions_showing(session: Session, tag_id: int) -> set[str]:
    """The editions with at least one article naming the tag (they have its page)."""
    rows = session.scalars(
        select(TranslationRow.language)
        .join(ArticleRow, ArticleRow.id == TranslationRow.article_id)
        .where(
            ArticleRow.first_published_at.is_not(None),
            TranslationRow.status.in_(VISIBLE_STATUSES),
            named(tag_id),
        )
        .group_by(TranslationRow.language)
    )
    return set(rows)


def tags_by_article(
    session: Session, language: str, article_ids: list[int] | None = None
) -> dict[int, tuple[TagInfo, ...]]:
    """Every article's tags (or only those of `article_ids`: a feed's items) as
    `tags_for_article` gives them, from one query (full builds)."""
    query = (
        select(ArticleTagRow.article_id, TagRow)
        .join(TagRow, TagRow.id == ArticleTagRow.tag_id)
        .order_by(ArticleTagRow.article_id, ArticleTagRow.mentions.desc(), TagRow.slug)
    )
    if article_ids is not None:
        if not article_ids:
            return {}
        query = query.where(ArticleTagRow.article_id.in_(article_ids))
    rows = session.execute(query).all()
    found: dict[int, list[TagInfo]] = {}
    infos: dict[int, TagInfo] = {}
    for article_id, row in rows:
        if not is_tag_slug(row.slug):
            continue
        info = infos.get(row.id) or infos.setdefault(row.id, _info(row, language))
        found.setdefault(article_id, []).append(info)
    return {article_id: tuple(named) for article_id, named in found.items()}


def tags_of_articles(session: Session, article_ids: list[int]) -> list[tuple[int, str]]:
    """(article id, tag slug) for every tag the given articles name (incremental builds)."""
    if not article_ids:
        return []
    rows = session.execute(
        select(ArticleTagRow.article_id, TagRow.slug)
        .join(ArticleTagRow, ArticleTagRow.tag_id == TagRow.id)
        .where(ArticleTagRow.article_id.in_(article_ids))
        .order_by(TagRow.slug, ArticleTagRow.article_id)
    ).all()
    return [(int(i), str(s)) for i, s in rows if is_tag_slug(s)]


def _shown(language: str) -> Select[int]:
    return (
        select(ArticleTagRow.tag_id)
        .join(ArticleRow, ArticleRow.id == ArticleTagRow.article_id)
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .where(*visible_in(language))
    )


def any_shown(session: Session, language: str) -> bool:
    """True when an edition shows at least one article that names a tag."""
    visible = (
        select(ArticleRow.id)
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .where(ArticleRow.id == ArticleTagRow.article_id, *visible_in(language))
        .exists()
    )
    # Driven from the tags side: a site with few tags answers at once.
    return session.scalar(select(ArticleTagRow.tag_id).where(visible).limit(1)) is not None


def shown_tags(session: Session, language: str) -> list[TagInfo]:
    """Every tag with at least one article visible in an edition, by slug."""
    shown = _shown(language).group_by(ArticleTagRow.tag_id)
    rows = session.scalars(select(TagRow).where(TagRow.id.in_(shown)).order_by(TagRow.slug))
    return [_info(row, language) for row in rows if is_tag_slug(row.slug)]


# How many articles on each side of an article (by id) each of its tags offers as
# related candidates: the related boxes read these instead of every article that
# shares a tag, which for a common tag is a large share of the site.
NEAR_TAGGED = 200


def near_tagged(session: Session, article_id: int) -> Select[int] | CompoundSelect[int]:
    """The ids of articles near `article_id` (NEAR_TAGGED each side, by id, per tag)
    that name one of its tags: each a probe of the (tag_id, article_id) index."""
    tag_ids = list(
        session.scalars(select(ArticleTagRow.tag_id).where(ArticleTagRow.article_id == article_id))
    )
    parts = []
    for tag_id in tag_ids:
        of_tag = select(ArticleTagRow.article_id).where(ArticleTagRow.tag_id == tag_id)
        before = of_tag.where(ArticleTagRow.article_id < article_id)
        after = of_tag.where(ArticleTagRow.article_id > article_id)
        parts.append(before.order_by(ArticleTagRow.article_id.desc()).limit(NEAR_TAGGED).subquery())
        parts.append(after.order_by(ArticleTagRow.article_id.asc()).limit(NEAR_TAGGED).subquery())
    if not parts:
        return select(ArticleTagRow.article_id).where(ArticleTagRow.article_id.is_(None))
    return union(*(select(part.c.article_id) for part in parts))
