"""The desk's articles: find any article at any stage, and see all that is known of one.

`find_articles` is the list (filters, newest first, a page after a cursor);
`article_detail` is one article: where it came from, how far it went, and the
original beside each translation segment by segment (the alignment of
`post_edit.editable_translation`). Both return plain dataclasses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from babelwire.errors import InputError
from babelwire.jobs.post_edit import EDITABLE_STATUSES, Segment, editable_translation
from babelwire.jobs.takedown import TakedownLine, takedown_of_article
from babelwire.model import Stage, TranslationStatus, is_ascii_number
from babelwire.newsroom import Newsroom, Site
from babelwire.publish.paths import url_for_article, url_for_story
from babelwire.publish.rendering import is_row_id
from babelwire.storage import articles, entries, sources, task_runs, translations
from babelwire.storage.desk_articles import (
    ArticleFilters,
    article_rows,
    held_languages,
    story_headline,
)
from babelwire.storage.tables import TranslationRow

__all__ = [
    "PAGE_SIZE",
    "ArticleDetail",
    "ArticleFilters",
    "ArticleLine",
    "ArticleNotFoundError",
    "ArticlePage",
    "EntryInfo",
    "RunInfo",
    "TranslationDetail",
    "article_detail",
    "find_articles",
    "parse_filters",
    "row_id",
    "source_choices",
]

#: How many articles a page of the desk's list shows.
PAGE_SIZE = 50


class ArticleNotFoundError(LookupError):
    """No article has this id."""


@dataclass(frozen=True, slots=True)
class ArticleLine:
    """One article in the desk's list."""

    id: int
    title: str
    source_id: int
    source_name: str
    language: str | None
    stage: str
    error: str | None
    section: str | None
    story_id: int | None
    story_headline: str
    created_at: datetime
    published_at: datetime | None  # by its source
    first_published_at: datetime | None  # on this site
    held: tuple[str, ...]  # languages of its translations held for review


@dataclass(frozen=True, slots=True)
class ArticlePage:
    articles: tuple[ArticleLine, ...]
    next_before: int | None  # the cursor of the next (older) page; None: this is the last


def row_id(text: str | None) -> int | None:
    """The id `text` names (ASCII digits, within a row id's range), else None."""
    if text is None or not is_ascii_number(text) or len(text) > 10:
        return None
    value = int(text)
    return value if is_row_id(value) else None


def _day(text: str, name: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise InputError(f"{name}: {text[:40]!r} is not a date (YYYY-MM-DD)") from None


def parse_filters(values: Mapping[str, str]) -> ArticleFilters:
    """The filters a form (or a query string) gives: `stage`, `source`, `language`,
    `section`, `story`, `q`, `from` and `to` (days, both included), `dates` ("created"
    or "published": which date they bound) and `held` ("1"). Empty fields are no filter;
    a value that cannot be one raises InputError."""

    def field(name: str, longest: int = 100) -> str:
        value = str(values.get(name, "")).strip()[:longest]
        if not value.isprintable():
            raise InputError(f"{name}: {value[:40]!r} holds a character that is not text")
        return value

    stage = field("stage")
    if stage and stage not in {s.value for s in Stage}:
        raise InputError(f"stage: {stage!r} is not a stage")
    numbers: dict[str, int | None] = {}
    for name in ("source", "story"):
        text = field(name, 20)
        numbers[name] = row_id(text)
        if text and numbers[name] is None:
            raise InputError(f"{name}: {text!r} is not an id")
    dates = field("dates") or "created"
    if dates not in ("created", "published"):
        raise InputError(f"dates: {dates!r} is neither created nor published")
    since, until = _day(field("from"), "from"), _day(field("to"), "to")
    return ArticleFilters(
        stage=stage or None,
        source_id=numbers["source"],
        language=field("language", 16).lower() or None,
        section=field("section") or None,
        story_id=numbers["story"],
        text=field("q", 200),
        since=since,
        until=until + timedelta(days=1) if until else None,
        by_publication=dates == "published",
        held=field("held") == "1",
    )


def find_articles(
    site: Site, filters: ArticleFilters, *, before_id: int | None, limit: int = PAGE_SIZE
) -> ArticlePage:
    """The articles matching `filters`, newest first, `limit` at most, older than the
    article `before_id` when given; with the cursor of the page after."""
    limit = max(1, limit)
    with site.sessions() as session:
        rows = article_rows(session, filters, before_id=before_id, limit=limit + 1)
        shown = rows[:limit]
        held = held_languages(session, [int(r.id) for r in shown])
    lines = tuple(
        ArticleLine(
            id=r.id,
            title=r.title or "",
            source_id=r.source_id,
            source_name=r.source_name,
            language=r.language,
            stage=r.stage,
            error=r.error,
            section=r.section,
            story_id=r.story_id,
            story_headline=r.story_headline,
            created_at=r.created_at,
            published_at=r.published_at,
            first_published_at=r.first_published_at,
            held=tuple(held.get(r.id, ())),
        )
        for r in shown
    )
    more = len(rows) > limit
    return ArticlePage(lines, lines[-1].id if more and lines else None)


def source_choices(site: Site) -> list[tuple[int, str]]:
    """Every source's id and name, for a filter (no article counts: a form has no use
    for them)."""
    with site.sessions() as session:
        return [(row.id, row.name) for row in sources.all_sources(session)]


@dataclass(frozen=True, slots=True)
class EntryInfo:
    """A feed entry that announced the article."""

    source_name: str
    url: str
    guid: str
    published: datetime | None
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class RunInfo:
    """A run of a stage over a batch that held the article."""

    stage: str
    outcome: str
    runner: str
    tries: int
    at: datetime
    seconds: float | None
    items: int  # articles in the batch
    error: str | None


@dataclass(frozen=True, slots=True)
class TranslationDetail:
    """One translation of the article, with its provenance and, for a machine
    translation, the original beside it segment by segment."""

    id: int
    language: str
    status: str  # a TranslationStatus
    reason: str | None
    title: str
    original_title: str
    engine: str
    engine_version: str
    model_version: str
    pivot: str
    quality: float | None
    flags: tuple[str, ...]
    unknown_words: int
    translated_at: datetime | None
    revision: int
    revised_by: str | None  # None: the machine's text
    revised_by_display: str | None
    revised_at: datetime | None
    segments: tuple[Segment, ...]  # empty for an original or a skipped one
    editable: bool  # a machine translation a person may revise
    site_path: str | None  # its page on the site, while the site shows it


@dataclass(frozen=True, slots=True)
class ArticleDetail:
    id: int
    title: str
    blocks: tuple[tuple[str, str], ...]  # (kind, text) of the original's body
    url: str
    canonical_url: str
    author: str
    source_id: int
    source_name: str
    source_url: str
    language: str | None
    language_confidence: float | None
    language_method: str | None  # a LanguageMethod: declared, detected or overridden
    declared_language: str | None  # what the source declared when it was extracted
    extractor: str
    from_feed: bool
    stage: str
    attempts: int
    error: str | None
    section: str | None
    section_reason: str | None
    story_id: int | None
    story_headline: str
    story_path: str | None
    duplicate_of: int | None
    version: int
    created_at: datetime
    fetched_at: datetime | None
    published_at: datetime | None
    first_published_at: datetime | None
    updated_at: datetime | None
    entries: tuple[EntryInfo, ...]
    runs: tuple[RunInfo, ...]  # the first runs of its stages after it was found
    translations: tuple[TranslationDetail, ...]
    takedown: TakedownLine | None


def _translation(
    row: TranslationRow, original_title: str, segments: tuple[Segment, ...], shown: bool
) -> TranslationDetail:
    visible = shown and row.status in (TranslationStatus.TRANSLATED, TranslationStatus.ORIGINAL)
    return TranslationDetail(
        id=row.id,
        language=row.language,
        status=row.status,
        reason=row.reason,
        title=row.title,
        original_title=original_title,
        engine=row.engine,
        engine_version=row.engine_version,
        model_version=row.model_version,
        pivot=row.pivot,
        quality=row.quality,
        flags=tuple(row.flags or ()),
        unknown_words=row.unknown_words,
        translated_at=row.translated_at,
        revision=row.revision,
        revised_by=row.revised_by,
        revised_by_display=row.revised_by_display,
        revised_at=row.revised_at,
        segments=segments,
        editable=row.status in EDITABLE_STATUSES,
        site_path=url_for_article(row.language, row.article_id, row.title) if visible else None,
    )


def article_detail(newsroom: Newsroom, article_id: int) -> ArticleDetail:
    """All the desk shows of one article; ArticleNotFoundError when there is none."""
    with newsroom.sessions() as session:
        article = articles.load_article(session, article_id)
        if article is None:
            raise ArticleNotFoundError(f"no article {article_id}")
        rows = translations.translations_of_article(session, article_id)
        editable = [row.id for row in rows if row.status in EDITABLE_STATUSES]
        announced = tuple(
            EntryInfo(name, e.url, e.guid, e.published, e.first_seen, e.last_seen)
            for e, name in entries.entries_of_article(session, article_id)
        )
        takedown = takedown_of_article(session, article_id)
        runs = tuple(
            RunInfo(
                r.stage,
                r.outcome,
                r.runner,
                r.tries,
                r.started_at or r.enqueued_at,
                r.seconds,
                len(r.items or ()),
                r.error,
            )
            for r in task_runs.runs_of_article(session, article_id, since=article.created_at)
        )
        headline = story_headline(session, article.story_id) if article.story_id else ""
        shown = article.first_published_at is not None and article.stage == Stage.PUBLISHED
        source = article.source
        # The alignment is post-editing's, read in sessions of its own.
        aligned = {i: editable_translation(newsroom, i).segments for i in editable}
        languages = newsroom.config.languages
        return ArticleDetail(
            id=article.id,
            title=article.title,
            blocks=tuple(
                (str(b.get("kind", "p")), str(b.get("text", ""))) for b in article.blocks or ()
            ),
            url=article.url,
            canonical_url=article.canonical_url,
            author=article.author,
            source_id=article.source_id,
            source_name=source.name,
            source_url=source.url,
            language=article.language,
            language_confidence=article.language_confidence,
            language_method=article.language_method,
            declared_language=article.declared_language,
            extractor=article.extractor,
            from_feed=article.from_feed,
            stage=article.stage,
            attempts=article.attempts,
            error=article.error,
            section=article.section,
            section_reason=article.section_reason,
            story_id=article.story_id,
            story_headline=headline,
            story_path=(
                url_for_story(languages[0], article.story_id)
                if article.story_id and languages and shown
                else None
            ),
            duplicate_of=article.duplicate_of,
            version=article.version,
            created_at=article.created_at,
            fetched_at=article.fetched_at,
            published_at=article.published_at,
            first_published_at=article.first_published_at,
            updated_at=article.updated_at,
            entries=announced,
            runs=runs,
            translations=tuple(
                _translation(row, article.title, aligned.get(row.id, ()), shown) for row in rows
            ),
            takedown=takedown,
        )
