"""Published articles whole, as the export and the API's article record read them.

`article_batch` reads up to `limit` articles with ids above `after_id` that match a
`RecordQuery`, each with its source, its translations into the site's editions and
its tags, in three plain queries (articles, translations, tags): a caller walks every
article by passing the last id it got, so no query ever holds more than one batch
and none uses OFFSET.

An article is published when the site shows it: `first_published_at` is set, it was
not taken down (its stage is not "removed" and no tombstone names it), and at least
one of the site's editions shows it (its translation there is "translated" or
"original", the rule of `listing.visible_in`).
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, case, exists, select
from sqlalchemy.orm import Session

from babelwire.model import Stage, TranslationStatus, is_tag_slug
from babelwire.storage.published.listing import VISIBLE_STATUSES
from babelwire.storage.tables import (
    ArticleRow,
    ArticleTagRow,
    SourceRow,
    TagRow,
    TombstoneRow,
    TranslationRow,
)

__all__ = [
    "RecordQuery",
    "StoredArticle",
    "StoredTranslation",
    "article_batch",
]


@dataclass(frozen=True, slots=True)
class RecordQuery:
    """Which published articles to read. `editions`: the site's, in configured order;
    every other field narrows the set (None: no filter)."""

    editions: tuple[str, ...]
    # Statuses of the translations read besides those shown ("translated", "original").
    extra_statuses: tuple[str, ...] = ()
    edition: str | None = None  # shown in this edition
    since: datetime | None = None  # first published on this site at or after
    until: datetime | None = None  # ... and before
    section: str | None = None
    source_id: int | None = None
    language: str | None = None  # the original's language
    story_id: int | None = None
    tag: str | None = None  # a tag slug
    ids: tuple[int, ...] | None = None  # only these articles


@dataclass(frozen=True, slots=True)
class StoredTranslation:
    """An article in one edition's language, as stored (blocks None for an original)."""

    language: str
    status: str
    title: str
    blocks: Any
    engine: str
    engine_version: str
    model_version: str
    pivot: str
    glossary_version: str
    quality: float | None
    flags: Any
    revised: bool
    revised_at: datetime | None
    revision: int
    translated_at: datetime | None
    published_as: str = ""  # below the quality threshold yet shown (LowQuality)


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """A published article with its source, translations (configured order) and tags."""

    id: int
    url: str
    canonical_url: str
    source_id: int
    source_name: str
    source_url: str
    language: str | None
    title: str
    author: str
    published_at: datetime | None
    source_updated_at: datetime | None
    blocks: Any
    section: str | None
    story_id: int | None
    first_published_at: datetime
    updated_at: datetime | None
    translations: tuple[StoredTranslation, ...]
    tags: tuple[str, ...]


def _conditions(query: RecordQuery) -> list[ColumnElement[bool]]:
    shown_in = [query.edition] if query.edition is not None else list(query.editions)
    found: list[ColumnElement[bool]] = [
        ArticleRow.first_published_at.is_not(None),
        ArticleRow.stage != Stage.REMOVED,
        ~exists().where(TombstoneRow.article_id == ArticleRow.id),
        exists().where(
            TranslationRow.article_id == ArticleRow.id,
            TranslationRow.language.in_(shown_in),
            TranslationRow.status.in_(VISIBLE_STATUSES),
        ),
    ]
    if query.since is not None:
        found.append(ArticleRow.first_published_at >= query.since)
    if query.until is not None:
        found.append(ArticleRow.first_published_at < query.until)
    if query.section is not None:
        found.append(ArticleRow.section == query.section)
    if query.source_id is not None:
        found.append(ArticleRow.source_id == query.source_id)
    if query.language is not None:
        found.append(ArticleRow.language == query.language)
    if query.story_id is not None:
        found.append(ArticleRow.story_id == query.story_id)
    if query.tag is not None:
        found.append(
            ArticleRow.id.in_(
                select(ArticleTagRow.article_id)
                .join(TagRow, TagRow.id == ArticleTagRow.tag_id)
                .where(TagRow.slug == query.tag)
            )
        )
    if query.ids is not None:
        found.append(ArticleRow.id.in_(list(query.ids)))
    return found


_ARTICLE_COLUMNS = (
    ArticleRow.id,
    ArticleRow.url,
    ArticleRow.canonical_url,
    ArticleRow.source_id,
    SourceRow.name,
    SourceRow.url,
    ArticleRow.language,
    ArticleRow.title,
    ArticleRow.author,
    ArticleRow.published_at,
    ArticleRow.source_updated_at,
    ArticleRow.blocks,
    ArticleRow.section,
    ArticleRow.story_id,
    ArticleRow.first_published_at,
    ArticleRow.updated_at,
)


def article_batch(
    session: Session, query: RecordQuery, *, after_id: int = 0, limit: int = 500
) -> tuple[StoredArticle, ...]:
    """Up to `limit` published articles matching `query` with ids above `after_id`, by id."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if _just_one(query) and after_id == 0:
        assert query.ids is not None
        rows = session.execute(_one_article(query.editions), {"id": query.ids[0]}).all()
    else:
        rows = session.execute(
            select(*_ARTICLE_COLUMNS)
            .join(SourceRow, SourceRow.id == ArticleRow.source_id)
            .where(ArticleRow.id > after_id, *_conditions(query))
            .order_by(ArticleRow.id)
            .limit(limit)
        ).all()
    if not rows:
        return ()
    ids = [int(row[0]) for row in rows]
    statuses = (*VISIBLE_STATUSES, *query.extra_statuses)
    translations = _translations(session, ids, query.editions, statuses)
    tags = _tag_slugs(session, ids)
    return tuple(
        StoredArticle(
            id=int(row[0]),
            url=row[1],
            canonical_url=row[2],
            source_id=int(row[3]),
            source_name=row[4],
            source_url=row[5],
            language=row[6],
            title=row[7],
            author=row[8],
            published_at=row[9],
            source_updated_at=row[10],
            blocks=row[11],
            section=row[12],
            story_id=row[13],
            first_published_at=row[14],
            updated_at=row[15],
            translations=tuple(
                sorted(
                    translations.get(int(row[0]), ()),
                    key=lambda t: query.editions.index(t.language),
                )
            ),
            tags=tuple(tags.get(int(row[0]), ())),
        )
        for row in rows
    )


def _just_one(query: RecordQuery) -> bool:
    """Whether `query` asks for one article by its id and nothing else (the API's)."""
    return (
        query.ids is not None
        and len(query.ids) == 1
        and replace(query, ids=None, extra_statuses=()) == RecordQuery(editions=query.editions)
    )


Rows = Select[*tuple[Any, ...]]  # a select of any columns


# One article is asked for again and again (the API's article endpoint): its statements
# are built once, and only their parameters change.
@functools.cache
def _one_article(editions: tuple[str, ...]) -> Rows:
    return (
        select(*_ARTICLE_COLUMNS)
        .join(SourceRow, SourceRow.id == ArticleRow.source_id)
        .where(ArticleRow.id == bindparam("id"), *_conditions(RecordQuery(editions=editions)))
    )


@functools.cache
def _translations_select(editions: tuple[str, ...], statuses: tuple[str, ...]) -> Rows:
    return select(
        TranslationRow.article_id,
        TranslationRow.language,
        TranslationRow.status,
        TranslationRow.title,
        # An original's text is the article's: not read twice; nor is the text of a
        # translation left out.
        case(
            (
                TranslationRow.status.in_([s for s in statuses if s != TranslationStatus.ORIGINAL]),
                TranslationRow.blocks,
            )
        ).label("blocks"),
        TranslationRow.engine,
        TranslationRow.engine_version,
        TranslationRow.model_version,
        TranslationRow.pivot,
        TranslationRow.glossary_version,
        TranslationRow.quality,
        TranslationRow.flags,
        TranslationRow.revised_by,
        TranslationRow.revised_at,
        TranslationRow.revision,
        TranslationRow.translated_at,
        TranslationRow.published_as,
    ).where(
        # No condition on the status here: the rows are read by article, and the
        # statuses not asked for are few.
        TranslationRow.article_id.in_(bindparam("ids", expanding=True)),
        TranslationRow.language.in_(list(editions)),
    )


def _translations(
    session: Session, ids: Sequence[int], editions: Sequence[str], statuses: Collection[str]
) -> dict[int, list[StoredTranslation]]:
    query = _translations_select(tuple(editions), tuple(statuses))
    rows = session.execute(query, {"ids": list(ids)})
    found: dict[int, list[StoredTranslation]] = {}
    for row in rows:
        if row[2] not in statuses:
            continue
        found.setdefault(int(row[0]), []).append(
            StoredTranslation(
                language=row[1],
                status=row[2],
                title=row[3],
                blocks=row[4],
                engine=row[5] or "",
                engine_version=row[6] or "",
                model_version=row[7] or "",
                pivot=row[8] or "",
                glossary_version=row[9] or "",
                quality=row[10],
                flags=row[11],
                revised=row[12] is not None,
                revised_at=row[13],
                revision=int(row[14] or 0),
                translated_at=row[15],
                published_as=row[16] or "",
            )
        )
    return found


@functools.cache
def _tags_select() -> Rows:
    return (
        select(ArticleTagRow.article_id, TagRow.slug)
        .join(TagRow, TagRow.id == ArticleTagRow.tag_id)
        .where(ArticleTagRow.article_id.in_(bindparam("ids", expanding=True)))
        .order_by(ArticleTagRow.article_id, ArticleTagRow.mentions.desc(), TagRow.slug)
    )


def _tag_slugs(session: Session, ids: Sequence[int]) -> dict[int, list[str]]:
    """Each article's tag slugs, most mentioned first as its page lists them."""
    rows = session.execute(_tags_select(), {"ids": list(ids)})
    found: dict[int, list[str]] = {}
    for article_id, slug in rows:
        if is_tag_slug(slug):
            found.setdefault(int(article_id), []).append(slug)
    return found
