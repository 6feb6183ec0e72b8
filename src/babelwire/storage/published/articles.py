"""Queries on published articles: one article as an edition shows it, its neighbours in
its section, the front page, the sources shown. Lists of articles are read through
`babelwire.storage.published.listing.ArticleList`."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, case, or_, select
from sqlalchemy.orm import Session

from babelwire.model import BRIEF
from babelwire.storage.published.listing import (
    VISIBLE_STATUSES,
    ArticleList,
    newest_first,
    shown_time,
    teaser_rows,
    teaser_select,
    visible_in,
)
from babelwire.storage.published.views import (
    ArticleView,
    FrontPage,
    SectionTeasers,
    SourceInfo,
    Teaser,
    original_url,
    shown_blocks,
    text_blocks,
)
from babelwire.storage.tables import ArticleRow, SourceRow, TranslationRow

__all__ = [
    "article_title",
    "article_view",
    "edition_teasers",
    "front_page",
    "later_in_section",
    "related_teasers",
    "source_info",
    "teasers_by_id",
]


def front_page(
    session: Session, language: str, sections: Sequence[tuple[str, str]], per_section: int = 5
) -> FrontPage:
    """The latest few articles of each section, given as (slug, name) in configured order."""
    found = []
    for slug, name in sections:
        teasers = ArticleList(language).in_section(slug).teasers(session, limit=per_section)
        if teasers:
            found.append(SectionTeasers(slug, name, teasers))
    return FrontPage(language=language, sections=tuple(found))


def source_info(session: Session, source_id: int) -> SourceInfo | None:
    row = session.get(SourceRow, source_id)
    if row is None:
        return None
    return SourceInfo(id=row.id, name=row.name, url=row.url, language=row.language)


@functools.cache
def _related_query(limit: int) -> Select[Any]:
    """Built once: every article page runs it. A range on the section's index (time up
    to the article's), so only the rows just before the article are read."""
    time = shown_time()
    return (
        teaser_select()
        .where(
            ArticleRow.first_published_at.is_not(None),
            TranslationRow.language == bindparam("language"),
            TranslationRow.status.in_(VISIBLE_STATUSES),
            ArticleRow.section == bindparam("section"),
            time <= bindparam("shown"),
            or_(time < bindparam("shown"), ArticleRow.id < bindparam("article_id")),
        )
        .order_by(*newest_first())
        .limit(limit)
    )


def related_teasers(
    session: Session,
    language: str,
    article_id: int,
    section: str | None,
    shown: datetime | None,
    limit: int = 5,
) -> tuple[Teaser, ...]:
    """The articles of the same section published just before this one.

    Only earlier articles, so publishing a new article never changes the pages of
    older ones (which keeps incremental static builds small).
    """
    if section is None or shown is None:
        return ()
    params = {"language": language, "section": section, "shown": shown, "article_id": article_id}
    return teaser_rows(session, language, _related_query(limit), params)


def later_in_section(
    session: Session, language: str, article_id: int, limit: int = 5
) -> tuple[int, ...]:
    """The next articles of the same section after this one (their related box shows it)."""
    article = session.get(ArticleRow, article_id)
    if article is None or article.section is None:
        return ()
    shown = article.published_at or article.first_published_at or article.created_at
    time = shown_time()
    query = (
        select(ArticleRow.id)
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .where(
            *visible_in(language),
            ArticleRow.section == article.section,
            time >= shown,
            or_(time > shown, ArticleRow.id > article_id),
        )
        .order_by(time.asc(), ArticleRow.id.asc())
        .limit(limit)
    )
    return tuple(int(x) for x in session.scalars(query))


def teasers_by_id(session: Session, language: str, ids: list[int]) -> tuple[Teaser, ...]:
    """Teasers of the given articles visible in `language`, in the order of `ids`."""
    if not ids:
        return ()
    found = {t.id: t for t in ArticleList(language).with_ids(ids).teasers(session)}
    return tuple(found[i] for i in ids if i in found)


def edition_teasers(session: Session, language: str) -> tuple[Teaser, ...]:
    """Every article visible in an edition, newest first (for the static export)."""
    return ArticleList(language).teasers(session)


def article_title(session: Session, language: str, article_id: int) -> str | None:
    """The title of an article in an edition, or None when it is not visible there."""
    query = (
        select(TranslationRow.title)
        .join(ArticleRow, TranslationRow.article_id == ArticleRow.id)
        .where(*visible_in(language), ArticleRow.id == article_id)
    )
    title = session.scalar(query)
    return None if title is None else str(title)


# Built once: every page view runs these two.
_ARTICLE = (
    select(
        ArticleRow.title,
        ArticleRow.blocks,
        ArticleRow.language,
        ArticleRow.url,
        ArticleRow.canonical_url,
        ArticleRow.author,
        ArticleRow.section,
        ArticleRow.published_at,
        ArticleRow.first_published_at,
        ArticleRow.updated_at,
        ArticleRow.source_id,
        ArticleRow.story_id,
        SourceRow.name,
        SourceRow.url,
        ArticleRow.extractor,
        ArticleRow.image,
    )
    .join(SourceRow, SourceRow.id == ArticleRow.source_id)
    .where(
        ArticleRow.id == bindparam("article_id"),
        ArticleRow.first_published_at.is_not(None),
    )
)
_TRANSLATIONS = select(
    TranslationRow.language,
    TranslationRow.status,
    TranslationRow.title,
    TranslationRow.engine,
    TranslationRow.engine_version,
    TranslationRow.model_version,
    TranslationRow.revised_by,
    TranslationRow.revised_by_display,
    TranslationRow.published_as,
    # The body of the edition asked for only.
    case((TranslationRow.language == bindparam("language"), TranslationRow.blocks)).label("blocks"),
).where(
    TranslationRow.article_id == bindparam("article_id"),
    TranslationRow.status.in_(VISIBLE_STATUSES),
)


def article_view(
    session: Session, language: str, article_id: int, editions: Sequence[str]
) -> ArticleView | None:
    """One article as edition `language` shows it, or None when it is not visible there;
    `editions`: the site's, in configured order (its other editions are named in it).

    Two plain queries (the article with its source; its visible translations, with
    the body of this edition's only), no ORM objects: every page view runs this.
    """
    article = session.execute(_ARTICLE, {"article_id": article_id}).first()
    if article is None:
        return None
    visible = {
        row.language: row
        for row in session.execute(_TRANSLATIONS, {"article_id": article_id, "language": language})
    }
    translation = visible.get(language)
    if translation is None:
        return None
    others = tuple(code for code in editions if code != language and code in visible)
    (
        original_title,
        original_blocks,
        original_language,
        url,
        canonical,
        author,
        section,
        published_at,
        first_published_at,
        updated_at,
        source_id,
        story_id,
        source_name,
        source_url,
        extractor,
        image,
    ) = article
    return ArticleView(
        id=article_id,
        language=language,
        status=translation.status,
        title=translation.title,
        blocks=shown_blocks(text_blocks(translation.blocks), translation.published_as),
        original_title=original_title,
        original_blocks=text_blocks(original_blocks),
        original_language=original_language,
        original_url=original_url(url, canonical),
        source_name=source_name,
        source_url=source_url,
        engine=translation.engine,
        engine_version=translation.engine_version,
        model_version=translation.model_version,
        author=author,
        section=section,
        published_at=published_at,
        first_published_at=first_published_at,
        updated_at=updated_at,
        other_languages=others,
        source_id=source_id,
        other_titles=tuple((code, visible[code].title) for code in others),
        story_id=story_id,
        brief=extractor == BRIEF,
        revised=translation.revised_by is not None,
        revised_by_display=translation.revised_by_display,
        image=image or "",
        published_as=translation.published_as or "",
    )
