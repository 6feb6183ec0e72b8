"""Queries on published articles: one article as an edition shows it, its neighbours in
its section, the front page, the sources shown. Lists of articles are read through
`babelwire.storage.published.listing.ArticleList`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from babelwire.model import BRIEF
from babelwire.pipeline.translate.untranslated import read_record
from babelwire.storage.images import pictures_of
from babelwire.storage.published.listing import (
    VISIBLE_STATUSES,
    ArticleList,
    newest_first,
    shown_time,
    visible_in,
)
from babelwire.storage.published.tags import SHARED_TAGS, near_tagged
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
from babelwire.storage.tables import ArticleRow, ArticleTagRow, SourceRow, TranslationRow

__all__ = [
    "article_title",
    "article_view",
    "edition_teasers",
    "front_page",
    "later_related",
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
        teasers = (
            ArticleList(language)
            .in_section(slug)
            .teasers(session, limit=per_section, standfirst=True)
        )
        if teasers:
            found.append(SectionTeasers(slug, name, teasers))
    return FrontPage(language=language, sections=tuple(found))


def source_info(session: Session, source_id: int) -> SourceInfo | None:
    row = session.get(SourceRow, source_id)
    if row is None:
        return None
    return SourceInfo(id=row.id, name=row.name, url=row.url, language=row.language)


def _related_ids(
    session: Session, language: str, article: ArticleRow, limit: int, *, later: bool
) -> list[int]:
    """Articles visible in `language` related to `article`, published before it (or,
    with `later`, after it): reports of its story first, then articles sharing at
    least SHARED_TAGS of its tags, most shared first. Never a bare section match."""
    shown = article.published_at or article.first_published_at or article.created_at
    time = shown_time()
    if later:
        in_range = [time >= shown, or_(time > shown, ArticleRow.id > article.id)]
    else:
        in_range = [time <= shown, or_(time < shown, ArticleRow.id < article.id)]
    order = (time.asc(), ArticleRow.id.asc()) if later else newest_first()
    found: list[int] = []
    if article.story_id is not None:
        same_story = (
            select(ArticleRow.id)
            .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
            .where(*visible_in(language), ArticleRow.story_id == article.story_id, *in_range)
            .order_by(*order)
            .limit(limit)
        )
        found = [int(x) for x in session.scalars(same_story)]
    tags = select(ArticleTagRow.tag_id).where(ArticleTagRow.article_id == article.id)
    shared = func.count(func.distinct(ArticleTagRow.tag_id))
    by_tags = (
        select(ArticleRow.id)
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .join(ArticleTagRow, ArticleTagRow.article_id == ArticleRow.id)
        .where(*visible_in(language), ArticleTagRow.tag_id.in_(tags), *in_range)
        .where(ArticleRow.id.in_(near_tagged(session, article.id)))
        .group_by(ArticleRow.id, time)
        .having(shared >= SHARED_TAGS)
        .order_by(shared.desc(), *order)
        .limit(limit + len(found))
    )
    for article_id in session.scalars(by_tags):
        if article_id not in found:
            found.append(int(article_id))
    return found[:limit]


def related_teasers(
    session: Session, language: str, article_id: int, limit: int = 5
) -> tuple[Teaser, ...]:
    """Earlier articles related to this one: reports of the same story, then articles
    naming at least SHARED_TAGS of the same people, places or organisations.

    Only earlier articles, so publishing a new article changes no older article's
    page unless it arrives late (see `later_related`).
    """
    article = session.get(ArticleRow, article_id)
    if article is None:
        return ()
    found = _related_ids(session, language, article, limit, later=False)
    return teasers_by_id(session, language, found)


def later_related(
    session: Session, language: str, article_id: int, limit: int = 5
) -> tuple[int, ...]:
    """Articles after this one whose related box may list it."""
    article = session.get(ArticleRow, article_id)
    if article is None:
        return ()
    return tuple(_related_ids(session, language, article, limit, later=True))


def teasers_by_id(
    session: Session, language: str, ids: list[int], *, standfirst: bool = False
) -> tuple[Teaser, ...]:
    """Teasers of the given articles visible in `language`, in the order of `ids`."""
    if not ids:
        return ()
    found = {
        t.id: t for t in ArticleList(language).with_ids(ids).teasers(session, standfirst=standfirst)
    }
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
    case((TranslationRow.language == bindparam("language"), TranslationRow.checks)).label("checks"),
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
    left_in, left = read_record(translation.checks)
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
        untranslated_language=left_in,
        untranslated=tuple(sorted(left.items())),
        picture=pictures_of(session, language, [article_id]).get(article_id),
        published_as=translation.published_as or "",
    )
