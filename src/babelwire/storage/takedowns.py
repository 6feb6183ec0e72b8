"""Queries on tombstones: the URLs and site paths of taken-down articles."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from babelwire.storage.tables import TombstoneRow

__all__ = [
    "add_tombstone",
    "any_tombstoned",
    "remove_tombstones",
    "takedown_rows",
    "tombstone_by_id",
    "tombstone_for_article",
    "tombstone_urls",
    "tombstoned_paths",
    "tombstoned_urls",
]


def any_tombstoned(session: Session, urls: Collection[str]) -> bool:
    """True when one of `urls` belongs to a taken-down article."""
    found = session.scalar(select(TombstoneRow.id).where(TombstoneRow.url.in_(urls)).limit(1))
    return found is not None


def tombstoned_urls(session: Session, urls: Collection[str]) -> set[str]:
    """Those of `urls` that are tombstones already."""
    return set(session.scalars(select(TombstoneRow.url).where(TombstoneRow.url.in_(urls))))


def tombstone_for_article(session: Session, article_id: int) -> TombstoneRow | None:
    return session.scalar(
        select(TombstoneRow).where(TombstoneRow.article_id == article_id).limit(1)
    )


def tombstoned_paths(session: Session) -> list[str]:
    """Every site path that answered for a taken-down article."""
    paths: set[str] = set()
    for row in session.scalars(select(TombstoneRow.paths)):
        paths.update(p for p in row if isinstance(p, str))
    return sorted(paths)


def add_tombstone(
    session: Session,
    *,
    url: str,
    article_id: int,
    paths: Sequence[str],
    reason: str,
    now: datetime,
) -> None:
    session.add(
        TombstoneRow(
            url=url[:2048],
            article_id=article_id,
            paths=list(paths),
            reason=reason,
            created_at=now,
        )
    )


def tombstone_by_id(session: Session, tombstone_id: int) -> TombstoneRow | None:
    return session.get(TombstoneRow, tombstone_id)


def takedown_rows(session: Session, *, before_id: int | None, limit: int) -> list[TombstoneRow]:
    """One tombstone per takedown (the first of an article's), newest first; a page
    goes on from `before_id` (no OFFSET)."""
    first = (
        select(func.min(TombstoneRow.id))
        .group_by(func.coalesce(TombstoneRow.article_id, -TombstoneRow.id))
        .scalar_subquery()
    )
    query = select(TombstoneRow).where(TombstoneRow.id.in_(first))
    if before_id is not None:
        query = query.where(TombstoneRow.id < before_id)
    return list(session.scalars(query.order_by(TombstoneRow.id.desc()).limit(limit)))


def tombstone_urls(session: Session, article_ids: Collection[int]) -> dict[int, list[str]]:
    """The URLs refused for each of these taken-down articles."""
    found: dict[int, list[str]] = {}
    rows = session.execute(
        select(TombstoneRow.article_id, TombstoneRow.url)
        .where(TombstoneRow.article_id.in_(list(article_ids)))
        .order_by(TombstoneRow.id)
    )
    for article_id, url in rows:
        if article_id is not None:
            found.setdefault(int(article_id), []).append(str(url))
    return found


def remove_tombstones(session: Session, tombstone: TombstoneRow) -> list[str]:
    """Drop the tombstone and, when it names an article, every other of that article's:
    its URLs may be ingested again. Returns the URLs freed."""
    if tombstone.article_id is None:
        condition = TombstoneRow.id == tombstone.id
    else:
        condition = TombstoneRow.article_id == tombstone.article_id
    urls = sorted(session.scalars(select(TombstoneRow.url).where(condition)))
    session.execute(delete(TombstoneRow).where(condition))
    return urls
