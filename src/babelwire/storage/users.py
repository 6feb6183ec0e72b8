"""Queries on the desk's people: users, their signed-in sessions, failed logins and
the site's secrets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from babelwire.storage.tables import DeskSessionRow, LoginFailureRow, SiteSecretRow, UserRow

__all__ = [
    "add_session",
    "add_user",
    "count_failures",
    "count_users_with_role",
    "delete_session",
    "delete_sessions_of",
    "forget_failures",
    "list_users",
    "live_session",
    "note_failure",
    "prune_logins",
    "site_secret",
    "user_by_id",
    "user_by_name",
]


def user_by_name(session: Session, name: str) -> UserRow | None:
    return session.scalar(select(UserRow).where(UserRow.name == name))


def user_by_id(session: Session, user_id: int) -> UserRow | None:
    return session.get(UserRow, user_id)


def list_users(session: Session) -> Sequence[UserRow]:
    return session.scalars(select(UserRow).order_by(UserRow.name)).all()


def count_users_with_role(session: Session, role: str) -> int:
    query = select(func.count()).select_from(UserRow).where(UserRow.role == role)
    return int(session.scalar(query) or 0)


def add_user(
    session: Session, *, name: str, display_name: str, role: str, password_hash: str, now: datetime
) -> UserRow:
    row = UserRow(
        name=name,
        display_name=display_name,
        role=role,
        password_hash=password_hash,
        created_at=now,
        password_changed_at=now,
    )
    session.add(row)
    session.flush()
    return row


def add_session(
    session: Session,
    *,
    token_hash: str,
    user_id: int,
    csrf: str,
    now: datetime,
    expires_at: datetime,
    address: str,
) -> None:
    session.add(
        DeskSessionRow(
            id=token_hash,
            user_id=user_id,
            csrf=csrf,
            created_at=now,
            expires_at=expires_at,
            address=address[:64],
        )
    )


def live_session(
    session: Session, token_hash: str, now: datetime
) -> tuple[DeskSessionRow, UserRow] | None:
    """The session with this token hash and its user, unless it has expired."""
    found = session.execute(
        select(DeskSessionRow, UserRow)
        .join(UserRow, UserRow.id == DeskSessionRow.user_id)
        .where(DeskSessionRow.id == token_hash, DeskSessionRow.expires_at > now)
    ).first()
    return None if found is None else (found[0], found[1])


def delete_session(session: Session, token_hash: str) -> None:
    session.execute(delete(DeskSessionRow).where(DeskSessionRow.id == token_hash))


def delete_sessions_of(session: Session, user_id: int, *, keep: str | None = None) -> int:
    """End every session of a user (but `keep`, the hash of the one making the change)."""
    statement = delete(DeskSessionRow).where(DeskSessionRow.user_id == user_id)
    if keep is not None:
        statement = statement.where(DeskSessionRow.id != keep)
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def count_failures(session: Session, key: str, since: datetime) -> tuple[int, datetime | None]:
    """Failed logins under `key` since `since`, and the earliest of them."""
    count, first = session.execute(
        select(func.count(), func.min(LoginFailureRow.at)).where(
            LoginFailureRow.key == key, LoginFailureRow.at > since
        )
    ).one()
    return int(count or 0), first


def note_failure(session: Session, keys: Sequence[str], now: datetime) -> None:
    session.add_all(LoginFailureRow(key=key[:200], at=now) for key in keys)


def forget_failures(session: Session, key: str) -> None:
    session.execute(delete(LoginFailureRow).where(LoginFailureRow.key == key))


def prune_logins(session: Session, failures_before: datetime, now: datetime) -> None:
    """Drop failed logins older than the throttle's window and sessions that expired."""
    session.execute(delete(LoginFailureRow).where(LoginFailureRow.at <= failures_before))
    session.execute(delete(DeskSessionRow).where(DeskSessionRow.expires_at <= now))


def site_secret(session: Session, name: str, new_value: str) -> str:
    """The secret called `name`, stored as `new_value` if there is none yet (the first
    of two processes making it at once wins; the other reads what it stored)."""
    found = session.get(SiteSecretRow, name)
    if found is not None:
        return found.value
    with session.begin_nested():
        session.add(SiteSecretRow(name=name, value=new_value))
    return new_value
