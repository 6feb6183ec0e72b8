"""Read-side queries for the public site.

Each function takes a Session and returns small frozen dataclasses, so no ORM
object (and no lazy load) ever reaches a template.

Over 500 lines because its queries have not yet moved to storage/ (one module
per aggregate: articles, translations, stories, tags); docs/architecture.md lists
them as the next to move.

An article is visible in edition L when it has been published
(`first_published_at` is set) and its translation into L is "translated" or
"original"; a "skipped" translation keeps it out of that edition.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, case, func, null, or_, select
from sqlalchemy.orm import Session

from babelwire.config import Config
from babelwire.model import BRIEF, TranslationStatus
from babelwire.storage.tables import ArticleRow, SourceRow, TranslationRow

VISIBLE_STATUSES = (TranslationStatus.TRANSLATED, TranslationStatus.ORIGINAL)


@dataclass(frozen=True, slots=True)
class Teaser:
    """An article as a line of a list: enough to link to it."""

    id: int
    language: str
    title: str
    source_name: str
    section: str | None
    published: datetime | None


@dataclass(frozen=True, slots=True)
class SectionTeasers:
    """A section's name and its latest articles, for the front page."""

    slug: str
    name: str
    teasers: tuple[Teaser, ...]


@dataclass(frozen=True, slots=True)
class FrontPage:
    language: str
    sections: tuple[SectionTeasers, ...]


@dataclass(frozen=True, slots=True)
class SectionListing:
    """One page of a list of articles (a section's, a source's, a tag's), newest first.

    Lists are numbered from their oldest end, so that a new article changes only
    the newest pages: page 0, the list's own address, holds the newest articles
    (between one and two pages' worth); archive page n (1 to `archive_pages`)
    holds the n-th `page_size` articles counted from the oldest, and keeps them
    as articles arrive.
    """

    language: str
    slug: str
    name: str
    page: int
    archive_pages: int
    page_size: int
    total: int
    teasers: tuple[Teaser, ...]


def archive_pages(total: int, size: int) -> int:
    """How many full archive pages a list of `total` articles has (see SectionListing)."""
    return max(0, total // size - 1)


def page_slice(total: int, size: int, page: int) -> tuple[int, int] | None:
    """The newest-first [start, stop) of page `page` of a list, or None past its end."""
    archive = archive_pages(total, size)
    if page == 0:
        return 0, total - archive * size
    if 1 <= page <= archive:
        return total - page * size, total - (page - 1) * size
    return None


@dataclass(frozen=True, slots=True)
class TextBlock:
    """One unit of an article body: kind is "p", "h", "li" or "quote"."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class ArticleView:
    """One article in one edition, with everything its page shows about its origin."""

    id: int
    language: str  # the edition's language
    status: str  # "translated" or "original"
    title: str
    blocks: tuple[TextBlock, ...]
    original_title: str
    original_blocks: tuple[TextBlock, ...]
    original_language: str | None
    original_url: str
    source_name: str
    source_url: str
    engine: str
    engine_version: str
    model_version: str
    author: str
    section: str | None
    published_at: datetime | None  # when the source published it
    first_published_at: datetime | None  # when this site first published it
    updated_at: datetime | None
    other_languages: tuple[str, ...]  # other editions that show it, in configured order
    source_id: int = 0
    other_titles: tuple[tuple[str, str], ...] = ()  # (edition, title) for other_languages
    story_id: int | None = None
    brief: bool = False  # only the headline: the page failed and the feed carried no text


def visible_in(language: str) -> list[ColumnElement[bool]]:
    """Conditions for an article (joined with its translations) visible in an edition."""
    return [
        ArticleRow.first_published_at.is_not(None),
        TranslationRow.language == language,
        TranslationRow.status.in_(VISIBLE_STATUSES),
    ]


def _shown_time() -> Any:
    """The time readers see and lists sort by: when the source published the article,
    else when this site first did."""
    return func.coalesce(ArticleRow.published_at, ArticleRow.first_published_at)


def _newest_first() -> tuple[Any, ...]:
    return (
        _shown_time().desc(),
        ArticleRow.id.desc(),
    )


def _teasers(
    session: Session,
    language: str,
    *where: ColumnElement[bool],
    offset: int = 0,
    limit: int | None = None,
) -> tuple[Teaser, ...]:
    """Teasers of the articles visible in `language` matching `where`, newest first."""
    query = (
        _teaser_select()
        .where(*visible_in(language), *where)
        .order_by(*_newest_first())
        .offset(offset)
        .limit(limit)
    )
    return _teaser_rows(session, language, query)


def _teaser_select() -> Select[Any]:
    return (
        select(
            ArticleRow.id,
            TranslationRow.title,
            SourceRow.name,
            ArticleRow.section,
            _shown_time(),
        )
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .join(SourceRow, SourceRow.id == ArticleRow.source_id)
    )


def _teaser_rows(
    session: Session, language: str, query: Select[Any], params: dict[str, Any] | None = None
) -> tuple[Teaser, ...]:
    return tuple(
        Teaser(
            id=row[0],
            language=language,
            title=row[1],
            source_name=row[2],
            section=row[3],
            published=row[4],
        )
        for row in session.execute(query, params)
    )


@functools.cache
def _related_query(limit: int) -> Select[Any]:
    """Built once: every article page runs it. A range on the section's index (time up
    to the article's), so only the rows just before the article are read."""
    time = _shown_time()
    return (
        _teaser_select()
        .where(
            ArticleRow.first_published_at.is_not(None),
            TranslationRow.language == bindparam("language"),
            TranslationRow.status.in_(VISIBLE_STATUSES),
            ArticleRow.section == bindparam("section"),
            time <= bindparam("shown"),
            or_(time < bindparam("shown"), ArticleRow.id < bindparam("article_id")),
        )
        .order_by(*_newest_first())
        .limit(limit)
    )


def front_page(session: Session, config: Config, language: str, per_section: int = 5) -> FrontPage:
    """The latest few articles of each configured section, sections in configured order."""
    sections = []
    for rule in config.sections:
        teasers = _teasers(session, language, ArticleRow.section == rule.slug, limit=per_section)
        if teasers:
            sections.append(SectionTeasers(rule.slug, rule.name(language), teasers))
    return FrontPage(language=language, sections=tuple(sections))


def page_size(config: Config) -> int:
    return max(1, config.settings.site.page_size)


def count_visible(session: Session, language: str, *where: ColumnElement[bool]) -> int:
    """How many articles visible in an edition match `where`."""
    total = session.scalar(
        select(func.count(ArticleRow.id))
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .where(*visible_in(language), *where)
    )
    return int(total or 0)


def list_page(
    session: Session,
    config: Config,
    language: str,
    slug: str,
    name: str,
    page: int,
    where: ColumnElement[bool],
) -> SectionListing | None:
    """Page `page` (0: the newest; see SectionListing) of the articles matching `where`."""
    size = page_size(config)
    total = count_visible(session, language, where)
    bounds = page_slice(total, size, page)
    if bounds is None:
        return None
    start, stop = bounds
    return SectionListing(
        language=language,
        slug=slug,
        name=name,
        page=page,
        archive_pages=archive_pages(total, size),
        page_size=size,
        total=total,
        teasers=_teasers(session, language, where, offset=start, limit=stop - start),
    )


def newer_than(
    session: Session, language: str, article_id: int, *where: ColumnElement[bool]
) -> int:
    """How many articles of a list (visible in `language`, matching `where`) sort before
    this one, newest first; -1 when the article is not in the list."""
    row = session.execute(
        select(_shown_time())
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .where(*visible_in(language), ArticleRow.id == article_id, *where)
    ).first()
    if row is None:
        return -1
    time = _shown_time()
    return count_visible(
        session,
        language,
        *where,
        # A range on the list's index (only the newer articles are read), then the ties.
        time >= row[0],
        or_(time > row[0], ArticleRow.id > article_id),
    )


def section_listing(
    session: Session, config: Config, language: str, slug: str, page: int = 0
) -> SectionListing | None:
    """Page `page` of a section; None for an unknown section or a page past the end."""
    rule = config.section(slug)
    if rule is None:
        return None
    return list_page(
        session, config, language, slug, rule.name(language), page, ArticleRow.section == slug
    )


@dataclass(frozen=True, slots=True)
class SourceInfo:
    id: int
    name: str
    url: str
    language: str | None


def source_info(session: Session, source_id: int) -> SourceInfo | None:
    row = session.get(SourceRow, source_id)
    if row is None:
        return None
    return SourceInfo(id=row.id, name=row.name, url=row.url, language=row.language)


def source_listing(
    session: Session, config: Config, language: str, source_id: int, page: int = 0
) -> SectionListing | None:
    """Page `page` of what the site took from one source (None when it shows nothing)."""
    info = source_info(session, source_id)
    if info is None:
        return None
    listing = list_page(
        session,
        config,
        language,
        str(source_id),
        info.name,
        page,
        ArticleRow.source_id == source_id,
    )
    if listing is None or listing.total == 0:
        return None
    return listing


def source_ids(session: Session, language: str) -> tuple[int, ...]:
    """The sources with at least one article visible in an edition."""
    query = (
        select(ArticleRow.source_id)
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .where(*visible_in(language))
        .group_by(ArticleRow.source_id)
        .order_by(ArticleRow.source_id)
    )
    return tuple(int(x) for x in session.scalars(query))


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
    return _teaser_rows(session, language, _related_query(limit), params)


def later_in_section(
    session: Session, language: str, article_id: int, limit: int = 5
) -> tuple[int, ...]:
    """The next articles of the same section after this one (their related box shows it)."""
    article = session.get(ArticleRow, article_id)
    if article is None or article.section is None:
        return ()
    shown = article.published_at or article.first_published_at or article.created_at
    time = _shown_time()
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
    found = {t.id: t for t in _teasers(session, language, ArticleRow.id.in_(ids))}
    return tuple(found[i] for i in ids if i in found)


@dataclass(frozen=True, slots=True)
class FeedItem:
    """An article as a feed or sitemap entry."""

    id: int
    language: str
    title: str
    summary: str
    source_name: str
    original_url: str
    section: str | None
    published: datetime | None
    updated: datetime | None


def feed_items(
    session: Session,
    language: str,
    *where: ColumnElement[bool],
    limit: int | None = 50,
    offset: int = 0,
    with_summary: bool = True,
    recent: bool = False,
) -> tuple[FeedItem, ...]:
    """The newest articles visible in `language` matching `where`, for feeds and sitemaps.

    `recent`: `where` keeps only articles first published lately (the news sitemap).
    """
    columns: list[Any] = [
        ArticleRow.id,
        TranslationRow.title,
        SourceRow.name,
        ArticleRow.url,
        ArticleRow.canonical_url,
        ArticleRow.section,
        _shown_time(),
        ArticleRow.updated_at,
    ]
    if with_summary:
        columns.append(TranslationRow.blocks)
    query = (
        select(*columns)
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .join(SourceRow, SourceRow.id == ArticleRow.source_id)
        .where(*visible_in(language), *where)
        .order_by(*_newest_first())
        .offset(offset)
        .limit(limit)
    )
    if recent:
        # The same order through an expression no index covers, so that the database
        # reads the few recent articles by first_published_at and sorts them.
        shown = func.coalesce(ArticleRow.published_at, ArticleRow.first_published_at, null())
        query = query.order_by(None).order_by(shown.desc(), ArticleRow.id.desc())
    items = []
    for row in session.execute(query):
        summary = ""
        if with_summary:
            for block in _blocks(row[8]):
                if block.kind == "p" and block.text.strip():
                    summary = block.text.strip()
                    break
        original = next(
            (u for u in (row[4], row[3]) if u and u.lower().startswith(("https://", "http://"))),
            "",
        )
        items.append(
            FeedItem(
                id=row[0],
                language=language,
                title=row[1],
                summary=summary,
                source_name=row[2],
                original_url=original,
                section=row[5],
                published=row[6],
                updated=row[7],
            )
        )
    return tuple(items)


def highest_visible_id(session: Session, language: str) -> int:
    query = (
        select(func.max(ArticleRow.id))
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .where(*visible_in(language))
    )
    return int(session.scalar(query) or 0)


def teasers_where(
    session: Session, language: str, *where: ColumnElement[bool], limit: int | None = None
) -> tuple[Teaser, ...]:
    """The articles visible in an edition matching `where`, newest first (all, or `limit`)."""
    return _teasers(session, language, *where, limit=limit)


def edition_teasers(session: Session, language: str) -> tuple[Teaser, ...]:
    """Every article visible in an edition, newest first (for the static export)."""
    return _teasers(session, language)


def article_title(session: Session, language: str, article_id: int) -> str | None:
    """The title of an article in an edition, or None when it is not visible there."""
    query = (
        select(TranslationRow.title)
        .join(ArticleRow, TranslationRow.article_id == ArticleRow.id)
        .where(*visible_in(language), ArticleRow.id == article_id)
    )
    title = session.scalar(query)
    return None if title is None else str(title)


def _blocks(raw: Any) -> tuple[TextBlock, ...]:
    if not isinstance(raw, list):
        return ()
    blocks = []
    for item in raw:
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            blocks.append(TextBlock(kind=str(item.get("kind") or "p"), text=item["text"]))
    return tuple(blocks)


def original_url(url: str | None, canonical: str | None) -> str:
    """The canonical URL the page declared, else the URL it was fetched from."""
    for candidate in (canonical, url):
        if candidate and candidate.lower().startswith(("https://", "http://")):
            return candidate
    return url or ""


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
    # The body of the edition asked for only.
    case((TranslationRow.language == bindparam("language"), TranslationRow.blocks)).label("blocks"),
).where(
    TranslationRow.article_id == bindparam("article_id"),
    TranslationRow.status.in_(VISIBLE_STATUSES),
)


def article_view(
    session: Session, config: Config, language: str, article_id: int
) -> ArticleView | None:
    """One article as edition `language` shows it, or None when it is not visible there.

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
    others = tuple(code for code in config.languages if code != language and code in visible)
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
    ) = article
    return ArticleView(
        id=article_id,
        language=language,
        status=translation.status,
        title=translation.title,
        blocks=_blocks(translation.blocks),
        original_title=original_title,
        original_blocks=_blocks(original_blocks),
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
    )
