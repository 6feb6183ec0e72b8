"""One embedded runner per site at a time.

Two `babelwire run` on one site would both poll every source and both extract
and translate every article. `run` and `run --once` hold a lock for as long as
they work: an flock on a file in the site folder and, on PostgreSQL, a session
advisory lock (another site folder may name the same database). The operating
system and the database release both when the process ends, however it ends,
so a crashed run never leaves a site locked. `serve` and the Celery workers take
no such lock: they coordinate through the database.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from babelwire.newsroom import Newsroom
from babelwire.storage.locks import connection_lock

LOCK_FILE = ".babelwire-run.lock"
_LOCK_NAME = "babelwire run"


class SiteBusy(RuntimeError):
    """Another run holds the site."""


@contextmanager
def run_lock(newsroom: Newsroom) -> Iterator[None]:
    """Hold the site's run lock for the block, or raise SiteBusy naming the holder."""
    path = newsroom.config.root / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            raise SiteBusy(
                f"another babelwire run is working on this site (pid {holder or 'unknown'}); "
                f"wait for it to finish or stop it (lock: {path})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        with _database_lock(newsroom):
            yield
    finally:
        os.close(fd)  # closing the file releases the flock


@contextmanager
def _database_lock(newsroom: Newsroom) -> Iterator[None]:
    if newsroom.db.dialect.name != "postgresql":
        yield  # SQLite lives in one folder: the file lock is enough
        return
    with connection_lock(newsroom.db, _LOCK_NAME) as got:
        if not got:
            raise SiteBusy(
                "another babelwire run is working on this site's database "
                f"({newsroom.db.url.render_as_string(hide_password=True)}), "
                "started from another site folder or machine"
            )
        yield
