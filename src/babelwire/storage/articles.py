"""Queries on articles: which are at a stage, how many there are, moving them between stages,
and adding the ones a feed announces."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from babelwire.clock import utcnow
from babelwire.model import FeedEntry, LanguageMethod, Stage
from babelwire.storage.tables import ArticleRow, EntryRow, SourceRow

__all__ = [
    "add_discovered_article",
    "announced_urls",
    "article_by_canonical_url",
    "article_by_url",
    "articles_at_stage",
    "count_for_source",
    "counts_by_source",
    "counts_by_stage",
    "ids_at_stage",
    "ids_waiting_at",
    "load_article",
    "move_articles",
    "other_article_at",
    "published_articles",
    "release_copies",
    "remove_article",
    "sources_of_articles",
    "story_ids_of_source",
]


def ids_at_stage(session: Session, ids: Sequence[int], stage: str) -> list[int]:
    """Of `ids`, the articles at `stage`, by id."""
    return list(
        session.scalars(
            select(ArticleRow.id)
            .where(ArticleRow.id.in_(list(ids)), ArticleRow.stage == stage)
            .order_by(ArticleRow.id)
        )
    )


def ids_waiting_at(session: Session, stage: Stage) -> list[int]:
    """Every article at `stage`, oldest first."""
    return list(
        session.scalars(
            select(ArticleRow.id).where(ArticleRow.stage == stage.value).order_by(ArticleRow.id)
        )
    )


def articles_at_stage(session: Session, ids: Sequence[int], stage: Stage) -> list[ArticleRow]:
    """Of `ids`, the articles at `stage`, by id."""
    return list(
        session.scalars(
            select(ArticleRow)
            .where(ArticleRow.id.in_(list(ids)), ArticleRow.stage == stage.value)
            .order_by(ArticleRow.id)
        )
    )


def published_articles(
    session: Session,
    *,
    since: datetime | None = None,
    section: str | None = None,
    ids: Sequence[int] | None = None,
) -> list[ArticleRow]:
    """The articles ever published (first published since `since`, filed under `section`,
    among `ids`, for those given), by id."""
    query = select(ArticleRow).where(ArticleRow.first_published_at.is_not(None))
    if since is not None:
        query = query.where(ArticleRow.first_published_at >= since)
    if section:
        query = query.where(ArticleRow.section == section)
    if ids is not None:
        query = query.where(ArticleRow.id.in_(list(ids)))
    return list(session.scalars(query.order_by(ArticleRow.id)))


def counts_by_stage(session: Session) -> dict[str, int]:
    """How many articles are at each stage (stages with none are left out)."""
    rows = session.execute(select(ArticleRow.stage, func.count()).group_by(ArticleRow.stage))
    return {str(stage): int(count) for stage, count in rows}


def counts_by_source(session: Session) -> dict[int, int]:
    """How many articles each source brought (sources with none are left out)."""
    rows = session.execute(
        select(ArticleRow.source_id, func.count()).group_by(ArticleRow.source_id)
    )
    return {int(source_id): int(count) for source_id, count in rows}


def overridden_languages_by_source(session: Session) -> dict[int, dict[str, int]]:
    """Per source, the languages its articles were detected in against its declaration,
    each with how many articles (sources with none are left out)."""
    rows = session.execute(
        select(ArticleRow.source_id, ArticleRow.language, func.count())
        .where(ArticleRow.language_method == LanguageMethod.OVERRIDDEN.value)
        .group_by(ArticleRow.source_id, ArticleRow.language)
        .order_by(ArticleRow.source_id, func.count().desc(), ArticleRow.language)
    )
    found: dict[int, dict[str, int]] = {}
    for source_id, language, count in rows:
        found.setdefault(int(source_id), {})[str(language)] = int(count)
    return found


def count_for_source(session: Session, source_id: int) -> int:
    """How many articles one source brought, whatever their stage."""
    query = select(func.count()).select_from(ArticleRow).where(ArticleRow.source_id == source_id)
    return int(session.scalar(query) or 0)


def sources_of_articles(session: Session, ids: Sequence[int]) -> list[tuple[int, int, str]]:
    """Of `ids`, each article's id, its source's id and its source's name."""
    rows = session.execute(
        select(ArticleRow.id, ArticleRow.source_id, SourceRow.name)
        .join(SourceRow, SourceRow.id == ArticleRow.source_id)
        .where(ArticleRow.id.in_(list(ids)))
    ).all()
    return [(int(article_id), int(source_id), str(name)) for article_id, source_id, name in rows]


def story_ids_of_source(session: Session, source_id: int) -> set[int]:
    """The stories the source's articles are in."""
    found = session.scalars(
        select(ArticleRow.story_id).where(
            ArticleRow.source_id == source_id, ArticleRow.story_id.is_not(None)
        )
    )
    return {story_id for story_id in found if story_id is not None}


def move_articles(
    session: Session,
    ids: Sequence[int],
    *,
    from_stage: str,
    to_stage: str,
    error: str | None,
    reset_attempts: bool = False,
) -> int:
    """Move the articles of `ids` still at `from_stage` to `to_stage` with `error`
    (cut to its column); returns how many moved.

    Only articles still at `from_stage` move, so a move repeated, or raced by a
    worker that moved them on meanwhile, changes nothing.
    """
    values: dict[str, object] = {"stage": to_stage, "error": error[:4000] if error else None}
    if reset_attempts:
        values["attempts"] = 0
    result = session.execute(
        update(ArticleRow)
        .where(ArticleRow.id.in_(list(ids)), ArticleRow.stage == from_stage)
        .values(**values)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def release_copies(session: Session, source_id: int) -> None:
    """The source's copies of other articles, kept back so far, go on to translation."""
    session.execute(
        update(ArticleRow)
        .where(ArticleRow.source_id == source_id, ArticleRow.stage == Stage.DUPLICATE.value)
        .values(stage=Stage.EXTRACTED.value)
    )


def load_article(session: Session, article_id: int) -> ArticleRow | None:
    return session.get(ArticleRow, article_id)


def article_by_url(session: Session, urls: Collection[str]) -> ArticleRow | None:
    """An article whose canonical or original URL is one of `urls`."""
    return session.scalar(
        select(ArticleRow)
        .where(or_(ArticleRow.canonical_url.in_(urls), ArticleRow.url.in_(urls)))
        .limit(1)
    )


def article_by_canonical_url(session: Session, url: str) -> ArticleRow | None:
    """The article at the canonical URL `url`."""
    return session.scalar(select(ArticleRow).where(ArticleRow.canonical_url == url))


def other_article_at(session: Session, url: str, article_id: int) -> int | None:
    """The id of an article other than `article_id` at the canonical URL `url`."""
    return session.scalar(
        select(ArticleRow.id).where(ArticleRow.canonical_url == url, ArticleRow.id != article_id)
    )


def add_discovered_article(
    session: Session,
    source_id: int,
    entry: FeedEntry,
    canonical_url: str,
    seen: datetime | None = None,
) -> ArticleRow:
    """A new article from a feed entry, at the first stage, with its id given (flushed);
    `seen` is when its entry was first seen (now if not given)."""
    article = ArticleRow(
        seen_at=seen or utcnow(),
        source_id=source_id,
        url=entry.url,
        canonical_url=canonical_url,
        title=entry.title,
        author=entry.author,
        published_at=entry.published,
        source_updated_at=entry.updated,
        stage=Stage.DISCOVERED.value,
        version=0,
        attempts=0,
        from_feed=False,
        extractor="",
        image="",
        blocks=[],
    )
    session.add(article)
    session.flush()
    return article


def remove_article(session: Session, article: ArticleRow) -> None:
    """Delete the article (its translations go with it)."""
    session.delete(article)


def announced_urls(session: Session, article_id: int) -> list[str]:
    """The URLs of the feed entries that announced the article."""
    return list(session.scalars(select(EntryRow.url).where(EntryRow.article_id == article_id)))
