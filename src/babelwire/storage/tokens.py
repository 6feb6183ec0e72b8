"""Queries on the API's bearer tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from babelwire.storage.tables import ApiTokenRow

__all__ = ["add_token", "list_tokens", "token_by_name", "token_by_secret_hash", "touch_token"]


def add_token(
    session: Session,
    *,
    name: str,
    role: str,
    secret_hash: str,
    prefix: str,
    created_by: str,
    now: datetime,
) -> ApiTokenRow:
    row = ApiTokenRow(
        name=name,
        role=role,
        secret_hash=secret_hash,
        prefix=prefix,
        created_by=created_by,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def token_by_name(session: Session, name: str) -> ApiTokenRow | None:
    return session.scalar(select(ApiTokenRow).where(ApiTokenRow.name == name))


def token_by_secret_hash(session: Session, secret_hash: str) -> ApiTokenRow | None:
    return session.scalar(select(ApiTokenRow).where(ApiTokenRow.secret_hash == secret_hash))


def list_tokens(session: Session) -> Sequence[ApiTokenRow]:
    return session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.name)).all()


def touch_token(session: Session, token_id: int, now: datetime) -> None:
    """Note that a token was used now."""
    session.execute(update(ApiTokenRow).where(ApiTokenRow.id == token_id).values(last_used_at=now))
