"""Read-side queries for the public site.

Each function takes a Session and returns small frozen dataclasses, so no ORM
object (and no lazy load) ever reaches a template.

An article is visible in edition L when it has been published
(`first_published_at` is set) and its translation into L is "translated" or
"original"; a "skipped" translation keeps it out of that edition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from babelwire.config import Config
from babelwire.storage.tables import ArticleRow, SourceRow, TranslationRow

VISIBLE_STATUSES = ("translated", "original")


@dataclass(frozen=True, slots=True)
class Edition:
    """One language edition of the site and how many articles it shows."""

    language: str
    articles: int
    latest: datetime | None


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
    """One page of a section's articles, newest first."""

    language: str
    slug: str
    name: str
    page: int
    page_count: int
    page_size: int
    total: int
    teasers: tuple[Teaser, ...]


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


def _visible(language: str) -> list[ColumnElement[bool]]:
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
        select(
            ArticleRow.id,
            TranslationRow.title,
            SourceRow.name,
            ArticleRow.section,
            _shown_time(),
        )
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .join(SourceRow, SourceRow.id == ArticleRow.source_id)
        .where(*_visible(language), *where)
        .order_by(*_newest_first())
        .offset(offset)
        .limit(limit)
    )
    return tuple(
        Teaser(
            id=row[0],
            language=language,
            title=row[1],
            source_name=row[2],
            section=row[3],
            published=row[4],
        )
        for row in session.execute(query)
    )


def editions(session: Session, config: Config) -> tuple[Edition, ...]:
    """The configured editions, in configured order, with their article counts."""
    query = (
        select(
            TranslationRow.language,
            func.count(ArticleRow.id),
            func.max(ArticleRow.first_published_at),
        )
        .join(ArticleRow, TranslationRow.article_id == ArticleRow.id)
        .where(
            ArticleRow.first_published_at.is_not(None),
            TranslationRow.status.in_(VISIBLE_STATUSES),
        )
        .group_by(TranslationRow.language)
    )
    counts: dict[str, tuple[int, Any]] = {
        row[0]: (row[1], row[2]) for row in session.execute(query)
    }
    result = []
    for language in config.languages:
        count, latest = counts.get(language, (0, None))
        result.append(
            Edition(
                language=language,
                articles=int(count),
                latest=latest if isinstance(latest, datetime) else None,
            )
        )
    return tuple(result)


def front_page(session: Session, config: Config, language: str, per_section: int = 5) -> FrontPage:
    """The latest few articles of each configured section, sections in configured order."""
    sections = []
    for rule in config.sections:
        teasers = _teasers(session, language, ArticleRow.section == rule.slug, limit=per_section)
        if teasers:
            sections.append(SectionTeasers(rule.slug, rule.name(language), teasers))
    return FrontPage(language=language, sections=tuple(sections))


def page_size(config: Config) -> int:
    return max(1, int(config.get("site.page_size")))


def section_listing(
    session: Session, config: Config, language: str, slug: str, page: int = 1
) -> SectionListing | None:
    """Page `page` (from 1) of a section; None for an unknown section or a page past the end."""
    rule = config.section(slug)
    if rule is None or page < 1:
        return None
    size = page_size(config)
    total = session.scalar(
        select(func.count(ArticleRow.id))
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .where(*_visible(language), ArticleRow.section == slug)
    )
    total = int(total or 0)
    page_count = max(1, math.ceil(total / size))
    if page > page_count:
        return None
    return SectionListing(
        language=language,
        slug=slug,
        name=rule.name(language),
        page=page,
        page_count=page_count,
        page_size=size,
        total=total,
        teasers=_teasers(
            session, language, ArticleRow.section == slug, offset=(page - 1) * size, limit=size
        ),
    )


def edition_teasers(session: Session, language: str) -> tuple[Teaser, ...]:
    """Every article visible in an edition, newest first (for the static export)."""
    return _teasers(session, language)


def article_title(session: Session, language: str, article_id: int) -> str | None:
    """The title of an article in an edition, or None when it is not visible there."""
    query = (
        select(TranslationRow.title)
        .join(ArticleRow, TranslationRow.article_id == ArticleRow.id)
        .where(*_visible(language), ArticleRow.id == article_id)
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


def _original_url(article: ArticleRow) -> str:
    """The canonical URL the page declared, else the URL it was fetched from."""
    for url in (article.canonical_url, article.url):
        if url and url.lower().startswith(("https://", "http://")):
            return url
    return article.url


def article_view(
    session: Session, config: Config, language: str, article_id: int
) -> ArticleView | None:
    """One article as edition `language` shows it, or None when it is not visible there."""
    article = session.get(ArticleRow, article_id)
    if article is None or article.first_published_at is None:
        return None
    visible = {t.language: t for t in article.translations if t.status in VISIBLE_STATUSES}
    translation = visible.get(language)
    if translation is None:
        return None
    others = tuple(code for code in config.languages if code != language and code in visible)
    return ArticleView(
        id=article.id,
        language=language,
        status=translation.status,
        title=translation.title,
        blocks=_blocks(translation.blocks),
        original_title=article.title,
        original_blocks=_blocks(article.blocks),
        original_language=article.language,
        original_url=_original_url(article),
        source_name=article.source.name,
        source_url=article.source.url,
        engine=translation.engine,
        engine_version=translation.engine_version,
        model_version=translation.model_version,
        author=article.author,
        section=article.section,
        published_at=article.published_at,
        first_published_at=article.first_published_at,
        updated_at=article.updated_at,
        other_languages=others,
    )
