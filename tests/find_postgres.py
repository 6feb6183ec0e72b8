"""Print the test database's URL when PostgreSQL answers there; print nothing otherwise.

`make test` runs the PostgreSQL variants of the database tests whenever the
server that CI starts (.ci/run) is up on this machine, so a local run checks
what CI checks without anyone remembering to set BABELWIRE_TEST_DATABASE_URL.
"""

from __future__ import annotations

import sys

import psycopg

URL = "postgresql://postgres@127.0.0.1:5432/test"


def answers(url: str) -> bool:
    """Whether `url` accepts a connection within a second or two (libpq's least wait)."""
    try:
        with psycopg.connect(url, connect_timeout=1):
            return True
    except (psycopg.Error, OSError):
        return False


if __name__ == "__main__":
    url = sys.argv[1] if len(sys.argv) > 1 else URL
    if answers(url):
        print(url)
