"""Claims: at most one worker works on an article (or a source) at a stage at a time.

On PostgreSQL a claim is a session advisory lock keyed by stage and id, taken with
`pg_try_advisory_lock` on a connection of its own and held while the stage runs.
A worker that dies loses its connection and with it its claims, so nothing stays
claimed by the dead. Ids another worker holds are left out: that worker is on them,
and if it dies its task is delivered again. SQLite has one writer anyway and is
used with a single worker process, so there every id is claimed at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import text

from babelwire.model import Step
from babelwire.newsroom import Newsroom

# The first half of the two-part advisory lock key: one number per step.
STEP_KEYS: dict[str, int] = {
    Step.FETCH: 7301,
    Step.EXTRACT: 7302,
    Step.TRANSLATE: 7303,
    Step.PUBLISH: 7304,
}


@contextmanager
def claimed(newsroom: Newsroom, stage: str, ids: Sequence[int]) -> Iterator[list[int]]:
    """The ids of `ids` this process could claim for `stage`, held until the block ends."""
    if newsroom.db.dialect.name != "postgresql" or not ids:
        yield list(ids)
        return
    key = STEP_KEYS[stage]
    connection = newsroom.db.connect()
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
