"""Whether anything was committed to the database since the last look.

The page cache asks before every request and forgets every page when the answer
changes, so a new article, an update or a takedown (committed by the pipeline or
the `takedown` command in another process) is visible on the next request.

SQLite: `PRAGMA data_version` on a connection kept for this purpose changes
whenever another connection commits. PostgreSQL: the current snapshot
(`xmin:xmax:in-progress`) changes whenever a write transaction starts or ends.
Either costs one tiny statement. Other databases give no cheap answer: every
look then counts as a change, which turns the cache off.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from sqlalchemy import Engine

_STATEMENTS = {
    "sqlite": "PRAGMA data_version",
    "postgresql": "SELECT pg_current_snapshot()::text",
}


class DataVersion:
    """Call it for a value that differs whenever the database has changed."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._statement = _STATEMENTS.get(engine.dialect.name)
        self._connection: Any = None
        self._lock = threading.Lock()
        self._changes = 0

    @property
    def supported(self) -> bool:
        return self._statement is not None

    def __call__(self) -> object:
        if self._statement is None:
            self._changes += 1
            return self._changes
        with self._lock:
            try:
                if self._connection is None:
                    self._connection = self._engine.raw_connection()
                cursor = self._connection.cursor()
                try:
                    cursor.execute(self._statement)
                    value = cursor.fetchone()[0]
                finally:
                    cursor.close()
                # No transaction stays open (PostgreSQL would keep its snapshot).
                self._connection.rollback()
                return value
            except Exception:
                # A lost connection: open a new one next time, and count this as a change.
                self.close()
                self._changes += 1
                return ("unknown", self._changes)

    def close(self) -> None:
        if self._connection is not None:
            # Closing a broken connection may fail too.
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None
