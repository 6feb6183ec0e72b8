"""Advisory locks: serialising a short piece of work across processes for the rest of
a transaction, claiming ids for as long as a piece of work runs, and holding a whole
process's work for as long as it keeps a connection.

`serialise`: on PostgreSQL a transaction-level advisory lock: it is released at
commit or rollback, so a killed process cannot leave it held. SQLite has one
writer at a time: a write (here one that changes no row) takes the database's
write lock for the rest of the transaction, and other writers wait for it
(busy_timeout).

`claim`: on PostgreSQL session advisory locks keyed by (key, id), taken with
`pg_try_advisory_lock` on a connection of their own and held until the block
ends. A process that dies loses its connection and with it its claims, so
nothing stays claimed by the dead. SQLite has one writer anyway and is used with
a single worker process, so there every id is claimed at once.

`connection_lock` is PostgreSQL's session advisory lock, held on a connection of
its own: the database releases it when that connection ends, however the
process ends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

__all__ = ["claim", "lock_key", "serialise"]


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
def claim(db: Engine, key: int, ids: Sequence[int]) -> Iterator[list[int]]:
    """The ids of `ids` no other process holds under `key`, held until the block ends."""
    if db.dialect.name != "postgresql" or not ids:
        yield list(ids)
        return
    connection = db.connect()
    clean = False
    try:
        rows = connection.execute(
            text(
                "SELECT id, pg_try_advisory_lock(:key, id) "
                "FROM unnest(CAST(:ids AS integer[])) AS id"
            ),
            {"key": key, "ids": list(ids)},
        ).all()
        connection.commit()  # session locks outlive the transaction; end it, keep the locks
        mine = [int(row[0]) for row in rows if row[1]]
        yield mine
        connection.execute(text("SELECT pg_advisory_unlock_all()"))
        connection.commit()
        clean = True
    finally:
        if not clean:
            # The locks may still be held on this connection: never give it back to the pool.
            connection.invalidate()
        connection.close()


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
