"""Queries on the audit log: the changes people made, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from babelwire.storage.tables import AuditRow

__all__ = ["add_entry", "entries"]


def add_entry(
    session: Session,
    *,
    at: datetime,
    actor: str,
    via: str,
    action: str,
    target: str,
    detail: dict[str, Any],
) -> None:
    session.add(
        AuditRow(
            at=at, actor=actor[:100], via=via, action=action, target=target[:300], detail=detail
        )
    )


def entries(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> Sequence[AuditRow]:
    """Entries newest first, filtered; a page goes on from `before_id` (no OFFSET)."""
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if actor:
        query = query.where(AuditRow.actor == actor)
    if action:
        query = query.where(AuditRow.action.startswith(action, autoescape=True))
    if before_id is not None:
        query = query.where(AuditRow.id < before_id)
    return session.scalars(query).all()
