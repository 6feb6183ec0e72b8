"""Opening the database and bringing its schema up to date with Alembic."""

from __future__ import annotations

import errno
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.orm import Session, sessionmaker

from babelwire.config import ConfigError
from babelwire.extras import require

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration this version ships (tests/test_storage.py checks it against
# Alembic's own reading of migrations/). A database already there is opened without
# loading Alembic, which costs a command such as `source list` a sixth of a second.
HEAD_REVISIONS = frozenset({"0022"})
# What SQLite and PostgreSQL say when the disk (or the database's size limit) is full.
_DISK_FULL = ("database or disk is full", "no space left on device", "could not extend file")
# What SQLite says when the database, not the statement, failed.
_SQLITE_OUTAGES = (
    *_DISK_FULL,
    "database is locked",
    "database table is locked",
    "disk i/o error",
    "unable to open database file",
    "readonly database",
)


class DatabaseUnavailable(ConfigError):
    """The database named by database.url cannot be opened (wrong URL, server down)."""


def shown_url(url: str) -> str:
    """`url` with any password hidden, for messages."""
    return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)


def is_disk_full(exc: BaseException) -> bool:
    """Whether `exc` is a write refused because the disk (or SQLite's page limit) is full."""
    if isinstance(exc, OSError):
        return exc.errno == errno.ENOSPC
    if isinstance(exc, OperationalError):
        message = str(exc.orig or exc).lower()
        return any(words in message for words in _DISK_FULL)
    return False


def is_database_failure(exc: BaseException) -> bool:
    """Whether `exc` says the database itself failed (its connection ended or was
    refused, the server went away, the disk is full, a lock wait ran out) rather
    than refusing what was written. Such work is tried again later, whole: it is
    not recorded as the failure of the source or article it was for, which would
    count an attempt against them (and, repeated, quarantine them) for an outage."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    if type(exc.orig).__module__.split(".")[0] == "sqlite3":
        # SQLite says OperationalError for a missing table or a bad statement too.
        message = str(exc.orig).lower()
        return any(words in message for words in _SQLITE_OUTAGES)
    return True  # psycopg: the connection, the server, a lock or statement timeout


def normalise_url(url: str) -> str:
    """Accept libpq-style PostgreSQL URLs and use the psycopg 3 driver for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the site read while a run writes; NORMAL is durable across
    # process crashes (only an OS crash can lose the last commits).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(
    url: str, *, pool_size: int = 5, max_overflow: int = 10, pool_recycle: int = 1800
) -> Engine:
    """An engine for `url`. On PostgreSQL every process keeps its own small pool; each
    connection is checked before use (pre-ping), so a restarted server or a connection
    ended by the server costs one reconnect, not an error."""
    if normalise_url(url).startswith("postgresql+psycopg"):
        require("psycopg", "postgres", f"database.url {shown_url(url)!r}")
    url = normalise_url(url)
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_recycle=pool_recycle if pool_recycle > 0 else -1,
        )
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError, TypeError) as exc:
        raise DatabaseUnavailable(
            f"database.url {shown_url(url)!r} is not a database URL babelwire can use "
            f"({_first_line(exc)}); e.g. sqlite:///babelwire.sqlite3 or "
            "postgresql://user@host/db"
        ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Apply every migration up to `revision` (idempotent: safe on an up-to-date database)."""
    check_connection(engine)
    if revision == "heads" and _recorded_revisions(engine) == HEAD_REVISIONS:
        return
    from alembic import command

    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def check_connection(engine: Engine) -> None:
    """Open one connection, or raise DatabaseUnavailable saying why."""
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        if is_disk_full(exc):
            raise
        raise DatabaseUnavailable(
            f"cannot open the database {shown_url(str(engine.url))}: {_first_line(exc)}"
        ) from exc


def schema_is_current(engine: Engine) -> bool:
    """Whether the database is at the migrations this version of babelwire ships."""
    return _recorded_revisions(engine) == HEAD_REVISIONS


def current_heads(engine: Engine) -> set[str]:
    """The migrations the database is at (one per branch of the history)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def known_heads() -> set[str]:
    """The newest migrations this version of babelwire ships."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(_alembic_config()).get_heads())


def _alembic_config() -> Any:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _recorded_revisions(engine: Engine) -> frozenset[str]:
    """The revisions Alembic recorded in the database; empty for a new database."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version"))
            return frozenset(str(row[0]) for row in rows)
    except DBAPIError:  # no alembic_version table yet: a database to create
        return frozenset()


@contextmanager
def scratch_schema(url: str, prefix: str = "bw") -> Iterator[str]:
    """A PostgreSQL URL whose tables land in a new schema, dropped afterwards.

    For tests and benchmarks that share one server without seeing each other's rows.
    """
    base = normalise_url(url)
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
