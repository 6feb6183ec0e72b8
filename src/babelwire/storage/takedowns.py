"""Queries on tombstones: the URLs and site paths of taken-down articles."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from babelwire.storage.tables import TombstoneRow

__all__ = [
    "add_tombstone",
    "any_tombstoned",
    "tombstone_for_article",
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
