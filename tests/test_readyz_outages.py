"""`/readyz` turns red when PostgreSQL or the broker stops, and green when it is back:
a throwaway PostgreSQL cluster and a throwaway redis-server of the test's own, on free
ports, stopped and started for real (the shared servers are never touched)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from babelwire.jobs.site import create_site
from babelwire.newsroom import Newsroom
from babelwire.web.app import create_app
from tests.serving import free_port

pytestmark = pytest.mark.slow


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _as_postgres(command: list[str]) -> list[str]:
    """initdb refuses to run as root: run the cluster as the postgres user then."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


class Cluster:
    def __init__(self, bin_dir: Path, folder: Path, port: int) -> None:
        self.pg_ctl = str(bin_dir / "pg_ctl")
        self.data = folder / "data"
        self.folder = folder
        self.port = port
        subprocess.run(
            _as_postgres(
                [str(bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"]
            ),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        subprocess.run(
            _as_postgres(
                [
                    self.pg_ctl,
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.folder / "log"),
                    "-o",
                    options,
                    "-w",
                    "start",
                ]
            ),
            check=True,
            # The server would keep a pipe open: its output goes to its log file.
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )

    def stop(self) -> None:
        subprocess.run(
            _as_postgres([self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"]),
            check=True,
            capture_output=True,
        )


@contextmanager
def throwaway_postgres() -> Iterator[tuple[Cluster, str]]:
    bin_dir = _postgres_bin()
    if bin_dir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql")
    folder = Path(tempfile.mkdtemp(prefix="babelwire-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(bin_dir, folder, free_port())
    cluster.start()
    try:
        yield cluster, f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres"
    finally:
        subprocess.run(
            _as_postgres([cluster.pg_ctl, "-D", str(cluster.data), "-m", "immediate", "stop"]),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


class Redis:
    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import socket

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


def _ready(client: TestClient) -> tuple[int, dict[str, dict[str, object]]]:
    response = client.get("/readyz")
    return response.status_code, response.json()["checks"]


def test_readyz_follows_the_database_and_the_broker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("celery")
    pytest.importorskip("psycopg")
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server binary")
    redis = Redis(free_port())
    with throwaway_postgres() as (postgres, url):
        redis.start()
        try:
            create_site(tmp_path / "site", database_url=url)
            monkeypatch.setenv("BABELWIRE_WORKERS_BROKER_URL", f"redis://127.0.0.1:{redis.port}/0")
            with Newsroom.open(tmp_path / "site") as newsroom:
                client = TestClient(create_app(newsroom), base_url="http://127.0.0.1")
                status, checks = _ready(client)
                assert status == 200, checks
                assert set(checks) == {"database", "schema", "engines", "broker"}

                postgres.stop()
                status, checks = _ready(client)
                assert status == 503
                assert checks["database"]["ok"] is False and checks["database"]["detail"]
                assert checks["broker"]["ok"] is True  # only what is down is named
                postgres.start()
                status, checks = _ready(client)
                assert status == 200, checks

                redis.stop()
                status, checks = _ready(client)
                assert status == 503
                assert checks["broker"] == {"ok": False, "detail": "the broker is not reachable"}
                assert checks["database"]["ok"] is True
                redis.start()
                status, checks = _ready(client)
                assert status == 200, checks
        finally:
            redis.stop()
