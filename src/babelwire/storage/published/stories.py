"""Read-side queries for stories: one event reported by many sources and languages.

The organising stage fills `stories` and sets `articles.story_id`; the site only
reads them. A story page in edition L exists while at least one of its articles
is visible in L. Its members are the articles published on this site (linked
to their page here when L shows them) and the hidden near-duplicates of them
(`duplicate_of` set, never published), which are listed as sources with their
original link only. A taken-down article is no member at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from babelwire.model import Stage, TranslationStatus
from babelwire.storage.published.listing import VISIBLE_STATUSES, shown_time, visible_in
from babelwire.storage.published.tags import SHARED_TAGS, near_tagged
from babelwire.storage.published.views import original_url
from babelwire.storage.tables import (
    ArticleRow,
    ArticleTagRow,
    SourceRow,
    StoryHeadlineRow,
    StoryRow,
    TranslationRow,
)

#: Stories considered for the front page: the biggest this many, by sources then recency.
CANDIDATES = 200


@dataclass(frozen=True, slots=True)
class StoryMember:
    """One report of a story: linked here when `shown_here`, else to its original only."""

    article_id: int
    title: str
    title_language: str | None  # the language `title` is written in
    source_name: str
    original_language: str | None
    original_url: str
    shown_here: bool
    duplicate: bool
    published: datetime | None


@dataclass(frozen=True, slots=True)
class StoryView:
    id: int
    language: str
    headline: str
    members: tuple[StoryMember, ...]
    source_count: int
    languages: tuple[str, ...]  # original languages of the members, most common first
    first_seen: datetime | None
    last_seen: datetime | None
    headline_by_person: bool = False  # a person wrote the headline for this edition


@dataclass(frozen=True, slots=True)
class StoryTeaser:
    """A story as a line of a list: its headline in an edition and how widely it is reported."""

    id: int
    language: str
    headline: str
    source_count: int
    article_count: int
    last_seen: datetime | None
    # The languages its reports were written in, most common first, and when the newest
    # report shown in the edition was published by its source (else here).
    languages: tuple[str, ...] = ()
    reported: datetime | None = None
    headline_article_id: int | None = None  # the report whose title the headline is


def _headlines(
    session: Session, language: str, story_ids: Iterable[int]
) -> dict[int, tuple[str, int, int]]:
    """Per story: (headline in `language`, articles visible there, the report whose title
    it is), for stories shown in it.

    The headline is the one a person wrote for that edition; else the title of a
    report written in that language (the central article when it is one, else the
    earliest such report), so an edition reads its own outlets rather than a
    translation; else the central article's title translated into that edition;
    else the title of the story's newest article visible there.
    """
    ids = sorted(set(story_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(
            ArticleRow.story_id,
            ArticleRow.id,
            TranslationRow.title,
            TranslationRow.status,
            StoryRow.central_article_id,
        )
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .join(StoryRow, StoryRow.id == ArticleRow.story_id)
        .where(ArticleRow.story_id.in_(ids), *visible_in(language))
        .order_by(ArticleRow.first_published_at.desc(), ArticleRow.id.desc())
    ).all()
    # Per story, by rank (lower wins): 0 the central report written in the edition's
    # language, 1 another report written in it (newest first, so the earliest stays),
    # 2 the central report translated, 3 the newest report.
    chosen: dict[int, tuple[int, str, int]] = {}
    counts: dict[int, int] = {}
    for story_id, article_id, title, status, central in rows:
        if story_id is None:
            continue
        counts[story_id] = counts.get(story_id, 0) + 1
        native = status == TranslationStatus.ORIGINAL
        rank = (0 if native else 2) if article_id == central else (1 if native else 3)
        if story_id not in chosen or rank <= chosen[story_id][0]:
            if story_id in chosen and rank == 3:
                continue  # the newest report is the first row met
            chosen[story_id] = (rank, title, article_id)
    edited = _edited(session, language, list(chosen))
    return {
        i: (edited.get(i, title), counts[i], article_id)
        for i, (_rank, title, article_id) in chosen.items()
    }


def _edited(session: Session, language: str, story_ids: list[int]) -> dict[int, str]:
    """The headlines a person wrote for edition `language`, by story."""
    if not story_ids:
        return {}
    rows = session.execute(
        select(StoryHeadlineRow.story_id, StoryHeadlineRow.headline).where(
            StoryHeadlineRow.language == language, StoryHeadlineRow.story_id.in_(story_ids)
        )
    )
    return {int(story_id): headline for story_id, headline in rows}


def story_view(session: Session, language: str, story_id: int) -> StoryView | None:
    """A story as edition `language` shows it, or None when that edition shows none of it."""
    story = session.get(StoryRow, story_id)
    if story is None:
        return None
    headline = _headlines(session, language, [story_id]).get(story_id)
    if headline is None:
        return None
    published = select(ArticleRow.id).where(
        ArticleRow.story_id == story_id, ArticleRow.first_published_at.is_not(None)
    )
    rows = session.execute(
        select(
            ArticleRow.id,
            ArticleRow.title,
            ArticleRow.language,
            ArticleRow.url,
            ArticleRow.canonical_url,
            ArticleRow.first_published_at,
            ArticleRow.duplicate_of,
            ArticleRow.published_at,
            SourceRow.name,
        )
        .join(SourceRow, SourceRow.id == ArticleRow.source_id)
        .where(
            ArticleRow.stage != Stage.REMOVED,
            or_(
                ArticleRow.first_published_at.is_not(None),
                ArticleRow.duplicate_of.is_not(None),
            ),
            or_(ArticleRow.story_id == story_id, ArticleRow.duplicate_of.in_(published)),
        )
    ).all()
    ids = [row[0] for row in rows]
    translated = dict(
        session.execute(
            select(TranslationRow.article_id, TranslationRow.title).where(
                TranslationRow.article_id.in_(ids),
                TranslationRow.language == language,
                TranslationRow.status.in_(VISIBLE_STATUSES),
            )
        ).all()
    )
    members = []
    for row in rows:
        article_id, title, original_language, url, canonical, first, duplicate_of = row[:7]
        shown = first is not None and article_id in translated
        members.append(
            StoryMember(
                article_id=article_id,
                title=translated[article_id] if shown else title,
                title_language=language if shown else original_language,
                source_name=row[8],
                original_language=original_language,
                original_url=original_url(url, canonical),
                shown_here=shown,
                duplicate=first is None and duplicate_of is not None,
                published=row[7] or first,
            )
        )
    # Reports shown here first, then the newest.
    members.sort(
        key=lambda m: (
            not m.shown_here,
            -(m.published.timestamp() if m.published else 0),
            m.article_id,
        )
    )
    counted: dict[str, int] = {}
    for member in members:
        if member.original_language:
            counted[member.original_language] = counted.get(member.original_language, 0) + 1
    return StoryView(
        id=story.id,
        language=language,
        headline=headline[0],
        members=tuple(members),
        source_count=len({m.source_name for m in members}),
        languages=tuple(sorted(counted, key=lambda code: (-counted[code], code))),
        first_seen=story.first_seen,
        last_seen=story.last_seen,
        headline_by_person=story_id in _edited(session, language, [story_id]),
    )


def story_ids(session: Session, language: str) -> tuple[int, ...]:
    """Every story with at least one article visible in an edition."""
    query = (
        select(ArticleRow.story_id)
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .where(ArticleRow.story_id.is_not(None), *visible_in(language))
        .group_by(ArticleRow.story_id)
        .order_by(ArticleRow.story_id)
    )
    return tuple(int(x) for x in session.scalars(query) if x is not None)


def story_of(session: Session, language: str, story_id: int | None) -> StoryTeaser | None:
    """The story an article belongs to, as its page links to it ("N sources")."""
    if story_id is None:
        return None
    found = story_teasers(session, language, [story_id])
    return found[0] if found else None


def _source_counts(session: Session, story_ids: list[int]) -> dict[int, int]:
    """Distinct sources per story among the articles its page lists."""
    published = select(ArticleRow.id, ArticleRow.story_id, ArticleRow.source_id).where(
        ArticleRow.story_id.in_(story_ids),
        ArticleRow.first_published_at.is_not(None),
        ArticleRow.stage != Stage.REMOVED,
    )
    story_of: dict[int, int] = {}
    sources: dict[int, set[int]] = {}
    for article_id, story_id, source_id in session.execute(published):
        if story_id is None:
            continue
        story_of[article_id] = story_id
        sources.setdefault(story_id, set()).add(source_id)
    duplicates = select(ArticleRow.story_id, ArticleRow.duplicate_of, ArticleRow.source_id).where(
        ArticleRow.first_published_at.is_(None),
        ArticleRow.stage != Stage.REMOVED,
        or_(ArticleRow.story_id.in_(story_ids), ArticleRow.duplicate_of.in_(list(story_of))),
        ArticleRow.duplicate_of.is_not(None),
    )
    for story_id, original, source_id in session.execute(duplicates):
        story = story_id if story_id in story_ids else story_of.get(original or 0)
        if story is not None:
            sources.setdefault(story, set()).add(source_id)
    return {story: len(found) for story, found in sources.items()}


def story_teasers(session: Session, language: str, story_ids: list[int]) -> tuple[StoryTeaser, ...]:
    """Teasers of the given stories shown in `language`, in the order of `story_ids`."""
    headlines = _headlines(session, language, story_ids)
    if not headlines:
        return ()
    shown = [i for i in story_ids if i in headlines]
    sources = _source_counts(session, shown)
    stories = {
        row.id: row for row in session.scalars(select(StoryRow).where(StoryRow.id.in_(shown)))
    }
    reported = _reported(session, language, shown)
    return tuple(
        StoryTeaser(
            id=story_id,
            language=language,
            headline=headlines[story_id][0],
            source_count=sources.get(story_id, 1),
            article_count=headlines[story_id][1],
            last_seen=stories[story_id].last_seen,
            languages=tuple(stories[story_id].languages or ()),
            reported=reported.get(story_id) or stories[story_id].last_seen,
            headline_article_id=headlines[story_id][2],
        )
        for story_id in shown
        if story_id in stories
    )


def _reported(session: Session, language: str, story_ids: list[int]) -> dict[int, datetime]:
    """When the newest report of each story shown in `language` was published (by its
    source where it says, else here)."""
    if not story_ids:
        return {}
    rows = session.execute(
        select(ArticleRow.story_id, func.max(shown_time()))
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .where(ArticleRow.story_id.in_(story_ids), *visible_in(language))
        .group_by(ArticleRow.story_id)
    )
    return {int(story_id): when for story_id, when in rows if when is not None}


def recent_stories(
    session: Session, since: datetime, min_sources: int
) -> list[tuple[int, int, datetime]]:
    """(id, sources, last seen) of the biggest stories seen since `since` with at least
    `min_sources` sources: CANDIDATES of them, by sources then recency."""
    return [
        (row[0], row[1], row[2])
        for row in session.execute(
            select(StoryRow.id, StoryRow.source_count, StoryRow.last_seen)
            .where(StoryRow.last_seen >= since)
            .where(StoryRow.source_count >= min_sources)
            .order_by(StoryRow.source_count.desc(), StoryRow.last_seen.desc())
            .limit(CANDIDATES)
        ).all()
    ]


def related_stories(
    session: Session,
    language: str,
    article_id: int,
    story_id: int | None,
    tag_ids: Iterable[int],
    limit: int = 5,
) -> tuple[StoryTeaser, ...]:
    """Other stories naming at least SHARED_TAGS of this article's tags (most first),
    earlier ones only.

    Only stories with an article published before this one, so a new article
    changes no older article's page.
    """
    tags = sorted(set(tag_ids))
    if not tags:
        return ()
    article = session.get(ArticleRow, article_id)
    if article is None or article.first_published_at is None:
        return ()
    shared = func.count(func.distinct(ArticleTagRow.tag_id))
    query = (
        select(ArticleRow.story_id, shared)
        .join(ArticleTagRow, ArticleTagRow.article_id == ArticleRow.id)
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .where(
            ArticleTagRow.tag_id.in_(tags),
            ArticleRow.story_id.is_not(None),
            ArticleRow.id != article_id,
            ArticleRow.first_published_at < article.first_published_at,
            ArticleRow.id.in_(near_tagged(session, article_id)),
            *visible_in(language),
        )
        .group_by(ArticleRow.story_id)
        .having(shared >= SHARED_TAGS)
        .order_by(shared.desc(), ArticleRow.story_id.desc())
        .limit(limit + 1)
    )
    if story_id is not None:
        query = query.where(ArticleRow.story_id != story_id)
    ids = [int(row[0]) for row in session.execute(query) if row[0] is not None][:limit]
    return story_teasers(session, language, ids)


def later_story_listers(session: Session, language: str, article_ids: list[int]) -> set[int]:
    """Articles whose "related stories" box may name the story of one of these articles:
    those shown in `language`, outside that story, published after its first report and
    naming one of its reports' tags. A takedown rewrites them, since the story's
    headline may have been the removed report's title."""
    if not article_ids:
        return set()
    found = session.scalars(
        select(ArticleRow.story_id).where(
            ArticleRow.id.in_(article_ids), ArticleRow.story_id.is_not(None)
        )
    )
    story_ids = [int(i) for i in found if i is not None]
    if not story_ids:
        return set()
    first = session.scalar(
        select(func.min(ArticleRow.first_published_at)).where(ArticleRow.story_id.in_(story_ids))
    )
    if first is None:
        return set()
    tags = (
        select(ArticleTagRow.tag_id)
        .join(ArticleRow, ArticleRow.id == ArticleTagRow.article_id)
        .where(ArticleRow.story_id.in_(story_ids))
    )
    query = (
        select(ArticleRow.id)
        .join(ArticleTagRow, ArticleTagRow.article_id == ArticleRow.id)
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .where(
            ArticleTagRow.tag_id.in_(tags),
            ArticleRow.first_published_at > first,
            or_(ArticleRow.story_id.is_(None), ArticleRow.story_id.not_in(story_ids)),
            *visible_in(language),
        )
        .distinct()
    )
    return {int(i) for i in session.scalars(query)}


def story_page(
    session: Session, language: str, after: tuple[datetime, int] | None, limit: int
) -> list[tuple[int, datetime]]:
    """(id, last seen) of up to `limit` stories shown in an edition, most recently seen
    first, after the story (last seen, id) `after` in that order."""
    shown = (
        select(ArticleRow.story_id)
        .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
        .where(ArticleRow.story_id.is_not(None), *visible_in(language))
    )
    query = select(StoryRow.id, StoryRow.last_seen).where(StoryRow.id.in_(shown))
    if after is not None:
        seen, story_id = after
        query = query.where(
            StoryRow.last_seen <= seen, or_(StoryRow.last_seen < seen, StoryRow.id < story_id)
        )
    query = query.order_by(StoryRow.last_seen.desc(), StoryRow.id.desc()).limit(limit)
    return [(row[0], row[1]) for row in session.execute(query)]
