"""Bearer tokens of the API: made, listed, revoked, and checked on each request.

A token is `bw_` and 43 random URL-safe characters, shown once when it is made; the
database keeps its sha256 (a stolen copy of the database authenticates nobody) and
its first characters, so a listing can tell tokens apart. A token has a role, as a
desk user does (docs/desk.md): viewer reads held translations, editor changes the
newsroom, admin is both and more. A revoked token keeps its row, so the audit log's
entries still name it.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from babelwire.clock import utcnow
from babelwire.errors import InputError
from babelwire.jobs.audit import Actor, record_in
from babelwire.jobs.users import check_user_name, checked_role
from babelwire.model import Role
from babelwire.newsroom import Site
from babelwire.storage import tokens
from babelwire.storage.tables import ApiTokenRow

__all__ = [
    "PREFIX",
    "TokenError",
    "TokenInfo",
    "create_token",
    "list_tokens",
    "revoke_token",
    "token_for",
]

PREFIX = "bw_"
_SHOWN = 8  # characters of the secret kept to tell tokens apart
# Noting the last use of a token costs a write; once a minute per token is enough.
_TOUCH_EVERY = timedelta(minutes=1)


class TokenError(InputError):
    """A token's name or role cannot be used, or no such token."""


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    name: str
    role: Role
    prefix: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def actor(self) -> Actor:
        """Who the audit log names for a change made with this token."""
        return Actor(name=f"token:{self.name}", via="api")


def _info(row: ApiTokenRow) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        prefix=row.prefix,
        created_at=row.created_at,
        created_by=row.created_by,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(site: Site, name: str, role: str, *, actor: Actor) -> tuple[TokenInfo, str]:
    """A new token named `name` with `role`, and its secret (to be shown once)."""
    try:
        name = check_user_name(name)
        role_ = checked_role(role)
    except InputError as error:
        raise TokenError(str(error).replace("user name", "token name")) from None
    secret = PREFIX + secrets.token_urlsafe(32)
    with site.sessions.begin() as session:
        if tokens.token_by_name(session, name) is not None:
            raise TokenError(f"there is already a token called {name}")
        row = tokens.add_token(
            session,
            name=name,
            role=role_.value,
            secret_hash=_hash(secret),
            prefix=secret[: len(PREFIX) + _SHOWN],
            created_by=actor.name,
            now=utcnow(),
        )
        record_in(session, actor, "token.create", name, role=role_.value)
        return _info(row), secret


def list_tokens(site: Site) -> list[TokenInfo]:
    with site.sessions() as session:
        return [_info(row) for row in tokens.list_tokens(session)]


def revoke_token(site: Site, name: str, *, actor: Actor) -> TokenInfo:
    """Revoke a token: from now on every request carrying it is refused."""
    with site.sessions.begin() as session:
        row = tokens.token_by_name(session, name)
        if row is None:
            raise TokenError(f"no token called {name[:70]!r}")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            record_in(session, actor, "token.revoke", name)
        return _info(row)


_touched: dict[int, float] = {}
_touched_lock = threading.Lock()


def token_for(site: Site, secret: str) -> TokenInfo | None:
    """The live token whose secret this is; None for an unknown or revoked one."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    with site.sessions.begin() as session:
        row = tokens.token_by_secret_hash(session, _hash(secret))
        if row is None or row.revoked_at is not None:
            return None
        info = _info(row)
        now = time.monotonic()
        with _touched_lock:
            due = now - _touched.get(row.id, -1e9) >= _TOUCH_EVERY.total_seconds()
            if due:
                _touched[row.id] = now
        if due:
            tokens.touch_token(session, row.id, utcnow())
        return info
