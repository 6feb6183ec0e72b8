"""Shared fixtures: real databases (SQLite always, PostgreSQL when configured), the
loopback sample-news server, and a site following its sources."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from babelwire.demo.server import DemoServer, load_samples
from babelwire.demo.site import follow_outlets
from babelwire.jobs.site import create_site
from babelwire.newsroom import Newsroom
from babelwire.storage.database import scratch_schema

PG_URL = os.environ.get("BABELWIRE_TEST_DATABASE_URL", "")
# Every test server listens on loopback, which the SSRF guard refuses by default:
# the suite allows private networks and drops the one-second politeness delay
# per host (one host serves everything). Subprocesses inherit both. Tests of
# the guard and of the delay set their own values.
os.environ.setdefault("BABELWIRE_FETCH_ALLOW_PRIVATE_NETWORKS", "true")
os.environ.setdefault("BABELWIRE_FETCH_HOST_DELAY", "0")
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _postgres_schema_url() -> Iterator[str]:
    """A fresh schema on the test server, so tests never see each other's rows."""
    with scratch_schema(PG_URL) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test using it runs on SQLite and, when BABELWIRE_TEST_DATABASE_URL is set,
    on PostgreSQL (those runs carry the `postgresql` mark)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip("BABELWIRE_TEST_DATABASE_URL is not set")
    yield from _postgres_schema_url()


@pytest.fixture
def demo_server() -> Iterator[DemoServer]:
    with DemoServer(load_samples()) as server:
        yield server


def make_site(
    root: Path,
    server: DemoServer,
    database_url: str | None = None,
    languages: tuple[str, ...] = ("en", "es"),
) -> Newsroom:
    """A site in `root` with editions en and es, following every outlet of `server`."""
    create_site(
        root,
        title="Test Wire",
        languages=languages,
        database_url=database_url or "sqlite:///babelwire.sqlite3",
    )
    newsroom = Newsroom.open(root)
    follow_outlets(newsroom, server)
    return newsroom


@pytest.fixture
def newsroom(tmp_path: Path, demo_server: DemoServer) -> Iterator[Newsroom]:
    room = make_site(tmp_path / "site", demo_server)
    try:
        yield room
    finally:
        room.close()
