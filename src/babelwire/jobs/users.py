"""People of the desk: adding them, their passwords, signing in and out.

Passwords are hashed with argon2id (argon2-cffi's defaults, rehashed on sign-in when
those change). A signed-in browser holds a random token; the database keeps only its
sha256, so a stolen database copy signs nobody in, and ending a session (signing out,
a new password, the person removed) is deleting its row. Failed logins are counted per
account and per address over `desk.login_window_minutes`; past `desk.account_failures`
or `desk.address_failures` a login is refused before its password is even checked.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from babelwire.clock import utcnow
from babelwire.errors import InputError
from babelwire.jobs.audit import Actor, record_in
from babelwire.model import Role
from babelwire.newsroom import Site
from babelwire.storage import Session, users
from babelwire.storage.tables import UserRow

__all__ = [
    "MIN_PASSWORD",
    "DeskSession",
    "LoginRefusedError",
    "SignIn",
    "UserError",
    "UserInfo",
    "add_user",
    "change_password",
    "change_role",
    "check_user_name",
    "checked_role",
    "desk_secret",
    "get_user",
    "list_users",
    "log_in",
    "log_out",
    "remove_user",
    "session_for",
]

MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 takes any length; a megabyte "password" is an attack
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_HASHER = PasswordHasher()
# Checked against when the account does not exist, so that a wrong name takes as long
# to refuse as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


class UserError(InputError):
    """A person's name, role or password cannot be used."""


class LoginRefusedError(InputError):
    """A login was refused: wrong name or password (`throttled` None), or too many
    failures for the account or the address (`throttled`), for `minutes` more."""

    def __init__(self, message: str, throttled: str | None = None, minutes: int = 0) -> None:
        super().__init__(message)
        self.throttled = throttled
        self.minutes = minutes


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    name: str
    display_name: str
    role: Role
    created_at: datetime
    last_login_at: datetime | None

    @property
    def shown_name(self) -> str:
        return self.display_name or self.name


@dataclass(frozen=True, slots=True)
class SignIn:
    """A new session: `token` goes into the browser's cookie, and nowhere else."""

    token: str
    csrf: str
    user: UserInfo
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class DeskSession:
    """A live session, as a request finds it."""

    token_hash: str
    csrf: str
    user: UserInfo
    expires_at: datetime


def _info(row: UserRow) -> UserInfo:
    return UserInfo(
        id=row.id,
        name=row.name,
        display_name=row.display_name,
        role=Role(row.role),
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def check_user_name(name: str) -> str:
    """`name` if it can name a user (or a token); UserError otherwise."""
    if not _NAME.match(name):
        raise UserError(
            f"user name {name[:70]!r}: 1 to 64 lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def checked_role(role: str) -> Role:
    """The role called `role`; UserError otherwise."""
    try:
        return Role(role)
    except ValueError:
        raise UserError(
            f"role {role[:40]!r}: expected one of {', '.join(r.value for r in Role)}"
        ) from None


def _check_password(password: str | None) -> tuple[str, str | None]:
    """The password to set and, when none was given, the one made (to be shown once)."""
    if password is None:
        made = secrets.token_urlsafe(15)
        return made, made
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"a password has at most {MAX_PASSWORD} characters")
    return password, None


def _check_display_name(display_name: str) -> str:
    shown = " ".join(display_name.split())
    if len(shown) > 200 or any(not c.isprintable() for c in shown):
        raise UserError("a display name is up to 200 printable characters")
    return shown


def add_user(
    site: Site,
    name: str,
    role: str,
    *,
    actor: Actor,
    password: str | None = None,
    display_name: str = "",
) -> tuple[UserInfo, str | None]:
    """Add a person; with no password one is made and returned, to be shown once."""
    name, role_ = check_user_name(name), checked_role(role)
    display_name = _check_display_name(display_name)
    password, made = _check_password(password)
    hashed = _HASHER.hash(password)
    with site.sessions.begin() as session:
        if users.user_by_name(session, name) is not None:
            raise UserError(f"there is already a user called {name}")
        row = users.add_user(
            session,
            name=name,
            display_name=display_name,
            role=role_,
            password_hash=hashed,
            now=utcnow(),
        )
        record_in(session, actor, "user.add", name, role=role_.value)
        return _info(row), made


def get_user(site: Site, name: str) -> UserInfo:
    with site.sessions() as session:
        row = users.user_by_name(session, name)
        if row is None:
            raise UserError(f"no user called {name[:70]!r}")
        return _info(row)


def list_users(site: Site) -> list[UserInfo]:
    with site.sessions() as session:
        return [_info(row) for row in users.list_users(session)]


def _user_row(session: Session, name: str) -> UserRow:
    row = users.user_by_name(session, name)
    if row is None:
        raise UserError(f"no user called {name[:70]!r}")
    return row


def _keep_an_admin(session: Session, row: UserRow, new_role: Role | None) -> None:
    """Refuse to leave the desk without an admin (nobody could then add one in it)."""
    losing = row.role == Role.ADMIN and new_role != Role.ADMIN
    if losing and users.count_users_with_role(session, Role.ADMIN) <= 1:
        raise UserError(f"{row.name} is the only admin: make another admin first")


def remove_user(site: Site, name: str, *, actor: Actor) -> UserInfo:
    """Remove a person; their sessions end with them."""
    with site.sessions.begin() as session:
        row = _user_row(session, name)
        _keep_an_admin(session, row, None)
        info = _info(row)
        users.delete_sessions_of(session, row.id)
        session.delete(row)
        record_in(session, actor, "user.remove", name, role=info.role.value)
        return info


def change_role(site: Site, name: str, role: str, *, actor: Actor) -> UserInfo:
    checked = checked_role(role)
    with site.sessions.begin() as session:
        row = _user_row(session, name)
        _keep_an_admin(session, row, checked)
        before, row.role = row.role, checked.value
        record_in(session, actor, "user.role", name, before=before, after=checked.value)
        return _info(row)


def change_password(
    site: Site,
    name: str,
    password: str | None,
    *,
    actor: Actor,
    keep_session: str | None = None,
) -> str | None:
    """Set a new password (made and returned when None) and end the person's sessions,
    but `keep_session` (the token hash of the session that made the change)."""
    password, made = _check_password(password)
    hashed = _HASHER.hash(password)
    with site.sessions.begin() as session:
        row = _user_row(session, name)
        row.password_hash = hashed
        row.password_changed_at = utcnow()
        ended = users.delete_sessions_of(session, row.id, keep=keep_session)
        record_in(session, actor, "user.password", name, sessions_ended=ended)
    return made


def desk_secret(site: Site) -> str:
    """The key the desk signs its cookies with: made once per site, kept in its database."""
    with site.sessions.begin() as session:
        return users.site_secret(session, "desk-cookie", secrets.token_hex(32))


def _refused_for(site: Site, session: Session, keys: list[str], now: datetime) -> None:
    desk = site.config.settings.desk
    window = timedelta(minutes=desk.login_window_minutes)
    limits = {"account": desk.account_failures, "address": desk.address_failures}
    for key in keys:
        kind = key.partition(":")[0]
        count, first = users.count_failures(session, key, now - window)
        if count >= limits[kind] and first is not None:
            minutes = max(1, int(((first + window) - now).total_seconds() // 60) + 1)
            whom = "this account" if kind == "account" else "this address"
            raise LoginRefusedError(
                f"Too many failed logins for {whom}: try again in {minutes} "
                f"minute{'s' if minutes != 1 else ''}.",
                throttled=kind,
                minutes=minutes,
            )


def log_in(site: Site, name: str, password: str, *, address: str) -> SignIn:
    """Check a name and password and open a session, or raise LoginRefusedError."""
    now = utcnow()
    desk = site.config.settings.desk
    keys = [f"account:{name.strip().lower()[:100]}", f"address:{address[:64]}"]
    with site.sessions.begin() as session:
        users.prune_logins(session, now - timedelta(minutes=desk.login_window_minutes), now)
        _refused_for(site, session, keys, now)
        found = users.user_by_name(session, name.strip().lower())
        stored = found.password_hash if found is not None else _DUMMY_HASH
        user_id = found.id if found is not None else None
    # Checked outside any transaction: argon2 takes tens of milliseconds on purpose.
    try:
        ok = len(password) <= MAX_PASSWORD and _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        ok = False
    with site.sessions.begin() as session:
        row = users.user_by_id(session, user_id) if user_id is not None else None
        if not ok or row is None:
            users.note_failure(session, keys, now)  # committed: the refusal is raised after
            row = None
        else:
            signed_in = _open_session(site, session, row, password, address, now)
    if row is None:
        raise LoginRefusedError("Wrong name or password.")
    return signed_in


def _open_session(
    site: Site, session: Session, row: UserRow, password: str, address: str, now: datetime
) -> SignIn:
    users.forget_failures(session, f"account:{row.name}")
    if _HASHER.check_needs_rehash(row.password_hash):
        row.password_hash = _HASHER.hash(password)
    row.last_login_at = now
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires_at = now + timedelta(hours=site.config.settings.desk.session_hours)
    users.add_session(
        session,
        token_hash=token_hash(token),
        user_id=row.id,
        csrf=csrf,
        now=now,
        expires_at=expires_at,
        address=address,
    )
    return SignIn(token=token, csrf=csrf, user=_info(row), expires_at=expires_at)


def session_for(site: Site, token: str) -> DeskSession | None:
    """The live session a browser's token opens, or None (unknown, expired, ended)."""
    hashed = token_hash(token)
    with site.sessions() as session:
        found = users.live_session(session, hashed, utcnow())
        if found is None:
            return None
        desk_session, user = found
        return DeskSession(
            token_hash=hashed,
            csrf=desk_session.csrf,
            user=_info(user),
            expires_at=desk_session.expires_at,
        )


def log_out(site: Site, token_hash_: str) -> None:
    with site.sessions.begin() as session:
        users.delete_session(session, token_hash_)
