"""Serialising work across processes: a short piece for the rest of a transaction, or a
whole process's work for as long as it holds a connection.

On PostgreSQL a transaction-level advisory lock: it is released at commit or
rollback, so a killed process cannot leave it held. SQLite has one writer at a
time: a write (here one that changes no row) takes the database's write lock
for the rest of the transaction, and other writers wait for it (busy_timeout).

`connection_lock` is PostgreSQL's session advisory lock, held on a connection of
its own: the database releases it when that connection ends, however the
process ends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def serialise(session: Session, name: str) -> None:
    """Hold the lock `name` until the session's transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})
    else:
        session.execute(text("UPDATE stories SET seq = seq WHERE id = -1"))


@contextmanager
def connection_lock(engine: Engine, name: str) -> Iterator[bool]:
    """Try to hold the PostgreSQL lock `name` for the block; yields whether it was got.

    Keyed by database and schema: sites in other schemas of one server run freely.
    """
    with engine.connect() as connection:
        where = connection.execute(text("SELECT current_database(), current_schema()")).one()
        key = lock_key(f"{name} {where[0]} {where[1]}")
        held = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
        got = bool(held.scalar())
        connection.commit()
        if not got:
            yield False
            return
        try:
            yield True
        finally:
            with suppress(Exception):  # a lost connection has released it already
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()
