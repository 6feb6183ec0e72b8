"""One `babelwire run` per site: a second is told which process works on it, and the
lock goes with that process however it ends."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.jobs.site import create_site
from tests.conftest import PG_URL

runner = CliRunner()

# Holds the run lock of the site named in argv[1] until it is killed.
HOLDER = """
import sys, time
from pathlib import Path
from babelwire.jobs.run_lock import run_lock
from babelwire.newsroom import Newsroom
with Newsroom.open(Path(sys.argv[1])) as newsroom, run_lock(newsroom):
    print("held", flush=True)
    time.sleep(600)
"""


@contextmanager
def holder(site: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the site's run lock; killed (SIGKILL) at the end."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(site)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "held"
        yield process
    finally:
        process.kill()
        process.wait(timeout=60)


def test_a_second_run_is_refused_until_the_first_dies(tmp_path: Path) -> None:
    site = tmp_path / "site"
    create_site(site)
    with holder(site) as first:
        refused = runner.invoke(app, ["run", "--once", "--site", str(site)])
        assert refused.exit_code == 1, refused.output
        assert "another babelwire run is working on this site" in refused.output
        assert f"pid {first.pid}" in refused.output
        assert "Traceback" not in refused.output
    # killed, it never released the lock itself: the operating system did
    done = runner.invoke(app, ["run", "--once", "--site", str(site)])
    assert done.exit_code == 0, done.output


@pytest.mark.skipif(not PG_URL, reason="BABELWIRE_TEST_DATABASE_URL is not set")
def test_two_site_folders_on_one_postgresql_database_share_the_lock(
    tmp_path: Path, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL database is shared by site folders; SQLite lives in one")
    first, second = tmp_path / "first", tmp_path / "second"
    create_site(first, database_url=database_url)
    create_site(second, database_url=database_url, overwrite=True)
    with holder(first):
        refused = runner.invoke(app, ["run", "--once", "--site", str(second)])
        assert refused.exit_code == 1, refused.output
        assert "this site's database" in refused.output
    done = runner.invoke(app, ["run", "--once", "--site", str(second)])
    assert done.exit_code == 0, done.output
