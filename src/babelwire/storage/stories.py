"""Queries on stories: the open stories and their members, the texts they are compared
in, and the copies (exact or near) that join their original's story."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from babelwire.model import Stage, TranslationStatus
from babelwire.pipeline.dedup.stories import Story
from babelwire.storage.tables import (
    ArticleBandRow,
    ArticleRow,
    SourceRow,
    StoryHeadlineRow,
    StoryRow,
    TranslationRow,
)

__all__ = [
    "TEXT_STATUSES",
    "assignment_counter",
    "copies_join",
    "earliest_shown",
    "edited_headlines",
    "forget_bands",
    "load_story",
    "member_ids_since",
    "members",
    "move_copies",
    "move_members",
    "not_removed",
    "open_stories",
    "pivot_texts",
    "prune_bands",
    "recent_member_ids",
    "release_orphans",
    "replace_bands",
    "same_content",
    "set_edited_headline",
    "sharing_bands",
    "start_story",
    "still_shown",
    "stored_fingerprints",
    "stories_by_id",
    "story_articles",
    "story_id_of",
    "story_rows",
]

# Statuses of a translation whose text can stand for the article ("held": below the
# quality threshold, still the article's words in that language).
TEXT_STATUSES = (
    TranslationStatus.TRANSLATED,
    TranslationStatus.ORIGINAL,
    TranslationStatus.HELD,
)


# --- texts -----------------------------------------------------------------------------


def _plain(blocks: Iterable[Any]) -> str:
    return " ".join(
        str(b.get("text", "")) for b in blocks or () if isinstance(b, dict) and b.get("text")
    )


def pivot_texts(
    session: Session, article_ids: Sequence[int], pivot: str
) -> dict[int, tuple[str, str, str]]:
    """Per article: (title, text, language) in the pivot language, else as written."""
    ids = list(dict.fromkeys(article_ids))
    if not ids:
        return {}
    found: dict[int, tuple[str, str, str]] = {}
    for article_id, title, blocks in session.execute(
        select(TranslationRow.article_id, TranslationRow.title, TranslationRow.blocks).where(
            TranslationRow.article_id.in_(ids),
            TranslationRow.language == pivot,
            TranslationRow.status.in_(TEXT_STATUSES),
        )
    ):
        text = _plain(blocks)
        if text or title:
            found[article_id] = (title or "", text, pivot)
    missing = [i for i in ids if i not in found]
    if missing:
        for article_id, title, blocks, language in session.execute(
            select(ArticleRow.id, ArticleRow.title, ArticleRow.blocks, ArticleRow.language).where(
                ArticleRow.id.in_(missing)
            )
        ):
            found[article_id] = (title or "", _plain(blocks), language or "")
    return found


# --- the open stories ------------------------------------------------------------------


# What a cached story needs, read as plain columns (no ORM objects: a restart reads
# every open story).
_STORY_COLUMNS = (
    StoryRow.id,
    StoryRow.first_seen,
    StoryRow.last_seen,
    StoryRow.first_reported_at,
    StoryRow.last_reported_at,
    StoryRow.terms,
    StoryRow.central_article_id,
    StoryRow.central_score,
    StoryRow.headline,
)


def _story_of_row(row: Any) -> Story:
    (story_id, first_seen, last_seen, first_reported, last_reported, terms, central) = row[:7]
    return Story(
        id=story_id,
        first_seen=first_reported or first_seen,
        last_seen=last_reported or last_seen,
        centroid=dict(terms or {}),
        central=central,
        central_score=float(row[7] or 0.0),
        headline=row[8],
    )


def open_stories(
    session: Session, seen_since: datetime, *, changed_after: int | None = None
) -> list[Story]:
    """The stories last seen at `seen_since` or later (with `changed_after`, only those
    changed since that value of the counter), as the clusterer holds them."""
    query = select(*_STORY_COLUMNS)
    if changed_after is not None:
        query = query.where(StoryRow.seq > changed_after)
    query = query.where(StoryRow.last_seen >= seen_since)
    return [_story_of_row(row) for row in session.execute(query)]


def assignment_counter(session: Session) -> int:
    """The counter raised by every assignment to a story (0 before the first)."""
    return int(session.scalar(select(func.max(StoryRow.seq))) or 0)


def recent_member_ids(session: Session, limit: int) -> list[int]:
    """The `limit` articles assigned to a story last, newest first."""
    return list(
        session.scalars(
            select(ArticleRow.id)
            .where(ArticleRow.story_seq.is_not(None))
            .order_by(ArticleRow.story_seq.desc())
            .limit(limit)
        )
    )


def member_ids_since(session: Session, seq: int) -> list[int]:
    """The articles assigned to a story after the counter stood at `seq`, in that order."""
    return list(
        session.scalars(
            select(ArticleRow.id).where(ArticleRow.story_seq > seq).order_by(ArticleRow.story_seq)
        )
    )


def load_story(session: Session, story_id: int) -> StoryRow | None:
    return session.get(StoryRow, story_id)


def stories_by_id(session: Session, story_ids: Sequence[int]) -> list[StoryRow]:
    return list(session.scalars(select(StoryRow).where(StoryRow.id.in_(list(story_ids)))))


def start_story(session: Session, *, headline: str, language: str, now: datetime) -> StoryRow:
    """A new story, empty so far, with its id."""
    row = StoryRow(
        headline=headline,
        headline_language=language,
        central_article_id=None,
        first_seen=now,
        last_seen=now,
        article_count=0,
        source_count=0,
        languages=[],
        terms={},
    )
    session.add(row)
    session.flush()
    return row


# --- members ---------------------------------------------------------------------------


def edited_headlines(session: Session, story_id: int) -> dict[str, StoryHeadlineRow]:
    """A person's headlines of a story, by edition language."""
    rows = session.scalars(select(StoryHeadlineRow).where(StoryHeadlineRow.story_id == story_id))
    return {row.language: row for row in rows}


def set_edited_headline(
    session: Session, story_id: int, language: str, headline: str | None, by: str, at: datetime
) -> str | None:
    """A person's headline of a story in an edition (None: the machine's again); the
    headline it replaces, if a person had written one."""
    row = session.get(StoryHeadlineRow, (story_id, language))
    before = row.headline if row is not None else None
    if headline is None:
        if row is not None:
            session.delete(row)
        return before
    if row is None:
        row = StoryHeadlineRow(story_id=story_id, language=language)
        session.add(row)
    row.headline = headline
    row.edited_by = by
    row.edited_at = at
    return before


def story_id_of(session: Session, article_id: int) -> int | None:
    """The story the article is in, if any."""
    return session.scalar(select(ArticleRow.story_id).where(ArticleRow.id == article_id))


def copies_join(session: Session, original_id: int, story_id: int) -> None:
    """The copies of `original_id` that are in no story yet join `story_id`."""
    session.execute(
        update(ArticleRow)
        .where(ArticleRow.duplicate_of == original_id, ArticleRow.story_id.is_(None))
        .values(story_id=story_id)
    )


def members(session: Session, story_id: int) -> list[tuple[int, str | None, bool]]:
    """(source, language, ever published) of each of the story's articles not removed."""
    rows = session.execute(
        select(
            ArticleRow.source_id,
            ArticleRow.language,
            ArticleRow.first_published_at.is_not(None),
        ).where(ArticleRow.story_id == story_id, ArticleRow.stage != Stage.REMOVED)
    ).all()
    return [(source, language, bool(published)) for source, language, published in rows]


def _shown(story_id: int) -> tuple[Any, ...]:
    return (
        ArticleRow.story_id == story_id,
        ArticleRow.first_published_at.is_not(None),
        ArticleRow.stage != Stage.REMOVED,
    )


def still_shown(session: Session, story_id: int, article_id: int | None) -> bool:
    """True when `article_id` is one of the story's articles still shown (published,
    not removed)."""
    found = session.scalar(
        select(ArticleRow.id).where(ArticleRow.id == article_id, *_shown(story_id))
    )
    return found is not None


def earliest_shown(session: Session, story_id: int) -> int | None:
    """The story's article shown first (by first publication, then id), if any is shown."""
    return session.scalar(
        select(ArticleRow.id)
        .where(*_shown(story_id))
        .order_by(ArticleRow.first_published_at, ArticleRow.id)
        .limit(1)
    )


def move_members(session: Session, from_story: int, to_story: int) -> int:
    """Every article of `from_story` joins `to_story`; returns how many."""
    result = session.execute(
        update(ArticleRow).where(ArticleRow.story_id == from_story).values(story_id=to_story)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def move_copies(session: Session, original_id: int, from_story: int | None, to_story: int) -> None:
    """The copies of `original_id` that were in `from_story` (or in none) follow it to
    `to_story`."""
    where: Any = ArticleRow.story_id.is_(None)
    if from_story is not None:
        where = or_(where, ArticleRow.story_id == from_story)
    session.execute(
        update(ArticleRow)
        .where(ArticleRow.duplicate_of == original_id, where)
        .values(story_id=to_story)
    )


# --- the desk's lists ------------------------------------------------------------------


def story_rows(session: Session, *, before_id: int | None, limit: int) -> list[StoryRow]:
    """Stories with articles, newest first, with an id below `before_id` when given (a
    cursor: no OFFSET)."""
    query = select(StoryRow).where(StoryRow.article_count > 0)
    if before_id is not None:
        query = query.where(StoryRow.id < before_id)
    return list(session.scalars(query.order_by(StoryRow.id.desc()).limit(limit)))


def story_articles(session: Session, story_id: int, limit: int) -> list[tuple[ArticleRow, str]]:
    """(article, its source's name) of the story's articles, removed ones too, oldest
    first, `limit` at most."""
    rows = session.execute(
        select(ArticleRow, SourceRow.name)
        .join(SourceRow, SourceRow.id == ArticleRow.source_id)
        .where(ArticleRow.story_id == story_id)
        .order_by(ArticleRow.id)
        .limit(limit)
    ).all()
    return [(article, name) for article, name in rows]


# --- copies ----------------------------------------------------------------------------
# Plain equality lookups, no ORDER BY ... LIMIT: a planner might otherwise walk the
# primary key hoping to meet a match early, reading the whole table when there is none.


def _live_besides(article_id: int) -> tuple[Any, ...]:
    return (ArticleRow.id != article_id, ArticleRow.stage != Stage.REMOVED)


def same_content(
    session: Session, article_id: int, digest: str, fetched_since: datetime
) -> list[tuple[int, int | None]]:
    """(id, the article it copies) of the other articles not removed, fetched since
    `fetched_since`, with the content hash `digest`."""
    rows = session.execute(
        select(ArticleRow.id, ArticleRow.duplicate_of).where(
            ArticleRow.content_hash == digest,
            ArticleRow.fetched_at >= fetched_since,
            *_live_besides(article_id),
        )
    ).all()
    return [(other, duplicate_of) for other, duplicate_of in rows]


def sharing_bands(
    session: Session, article_id: int, keys: Sequence[int], seen_since: datetime, limit: int
) -> list[int]:
    """The other articles having one of the band keys `keys` seen since `seen_since`, once
    per shared key (at most `limit` rows)."""
    return list(
        session.scalars(
            select(ArticleBandRow.article_id)
            .where(
                ArticleBandRow.key.in_(keys),
                ArticleBandRow.seen_at >= seen_since,
                ArticleBandRow.article_id != article_id,
            )
            .limit(limit)
        )
    )


def stored_fingerprints(
    session: Session, ids: Sequence[int], *, besides: int
) -> list[tuple[int, bytes | None, int | None]]:
    """(id, fingerprint, the article it copies) of the articles of `ids` not removed
    that have a fingerprint, `besides` left out."""
    rows = session.execute(
        select(ArticleRow.id, ArticleRow.minhash, ArticleRow.duplicate_of).where(
            ArticleRow.id.in_(ids), ArticleRow.minhash.is_not(None), *_live_besides(besides)
        )
    )
    return [(other, stored, duplicate_of) for other, stored, duplicate_of in rows]


def not_removed(session: Session, article_id: int) -> bool:
    """True when the article exists and has not been taken down."""
    stage = session.scalar(select(ArticleRow.stage).where(ArticleRow.id == article_id))
    return stage is not None and stage != Stage.REMOVED


def replace_bands(
    session: Session, article_id: int, keys: Sequence[int], seen_at: datetime
) -> None:
    """The article's band keys become `keys`, seen at `seen_at`."""
    forget_bands(session, article_id)
    session.execute(
        insert(ArticleBandRow),
        [{"article_id": article_id, "key": k, "seen_at": seen_at} for k in keys],
    )


def forget_bands(session: Session, article_id: int) -> None:
    session.execute(delete(ArticleBandRow).where(ArticleBandRow.article_id == article_id))


def prune_bands(session: Session, seen_before: datetime) -> int:
    """Drop the band keys seen before `seen_before`; returns how many."""
    result = session.execute(delete(ArticleBandRow).where(ArticleBandRow.seen_at < seen_before))
    return int(getattr(result, "rowcount", 0) or 0)


def release_orphans(session: Session) -> int:
    """Copies whose original was deleted (with its source) stand on their own: they go
    on to translation and publication. Returns how many."""
    result = session.execute(
        update(ArticleRow)
        .where(ArticleRow.stage == Stage.DUPLICATE.value, ArticleRow.duplicate_of.is_(None))
        .values(stage=Stage.EXTRACTED.value)
    )
    return int(getattr(result, "rowcount", 0) or 0)
