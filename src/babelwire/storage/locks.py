"""Serialising a short piece of work across processes for the rest of a transaction.

On PostgreSQL a transaction-level advisory lock: it is released at commit or
rollback, so a killed process cannot leave it held. SQLite has one writer at a
time: a write (here one that changes no row) takes the database's write lock
for the rest of the transaction, and other writers wait for it (busy_timeout).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
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
