"""Real workers for the worker tests: a broker (a Redis database or a RabbitMQ virtual
host of the test's own), a fresh PostgreSQL schema, a site following the loopback
sample outlets, and `babelwire worker` / `babelwire scheduler` subprocesses, every one
of them killed when the test ends."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from babelwire.demo.server import DemoServer
from babelwire.newsroom import Newsroom
from babelwire.storage.tables import ArticleRow, TaskRunRow, TranslationRow
from tests.conftest import PG_URL, _postgres_schema_url

REDIS = ("127.0.0.1", 6379)
RABBITMQ = ("127.0.0.1", 5672)
BABELWIRE = shutil.which("babelwire") or str(Path(sys.executable).parent / "babelwire")


def reachable(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=2):
            return True
    except OSError:
        return False


def require_services(*addresses: tuple[str, int]) -> None:
    if not PG_URL:
        pytest.skip("workers share a PostgreSQL database: BABELWIRE_TEST_DATABASE_URL is not set")
    for address in addresses:
        if not reachable(address):
            pytest.skip(f"no broker at {address[0]}:{address[1]} (.ci/run starts it)")


@contextmanager
def redis_broker() -> Iterator[str]:
    """A Redis database of this test's own (1-15), emptied before and after."""
    import redis

    require_services(REDIS)
    number = 1 + uuid.uuid4().int % 15
    client = redis.Redis(*REDIS, db=number)
    client.flushdb()
    try:
        yield f"redis://{REDIS[0]}:{REDIS[1]}/{number}"
    finally:
        try:
            client.flushdb()
        finally:
            client.close()


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@contextmanager
def rabbitmq_broker() -> Iterator[str]:
    """A RabbitMQ virtual host of this test's own, deleted afterwards."""
    require_services(RABBITMQ)
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not installed: no virtual host for the test")
    vhost = f"bw-{uuid.uuid4().hex[:10]}"
    _rabbitmqctl("add_vhost", vhost)
    try:
        _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        yield f"amqp://guest:guest@{RABBITMQ[0]}:{RABBITMQ[1]}/{vhost}"
    finally:
        _rabbitmqctl("delete_vhost", vhost)


@contextmanager
def postgres_database() -> Iterator[str]:
    require_services()
    yield from _postgres_schema_url()


WORKER_SETTINGS = {
    "batch_articles": 5,
    "retry_backoff": 0.5,
    "retry_backoff_max": 2.0,
    "max_retries": 2,
    "soft_time_limit": 120,
    "time_limit": 150,
}


def write_workers_settings(root: Path, broker: str, **settings: Any) -> None:
    """Set the [workers] table of the site's babelwire.toml (written by init with defaults)."""
    write_settings(root, "workers", {**WORKER_SETTINGS, **settings, "broker_url": broker})


def write_settings(root: Path, table_name: str, values: dict[str, Any]) -> None:
    """Set keys of one table of the site's babelwire.toml (written by init with defaults)."""
    path = root / "babelwire.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    table = lines.index(f"[{table_name}]")
    for name, value in values.items():
        line = next(i for i in range(table, len(lines)) if lines[i].startswith(f"{name} = "))
        lines[line] = f"{name} = {json.dumps(value)}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclass
class Cluster:
    """The worker and scheduler processes of one test (each in its own process group)."""

    root: Path
    logs: Path
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start_worker(
        self,
        name: str,
        queues: str = "fetch,extract,translate,publish",
        concurrency: int = 1,
        env: dict[str, str] | None = None,
        options: tuple[str, ...] = (),
    ) -> subprocess.Popen[bytes]:
        log = self.logs / f"{name}.log"
        process = subprocess.Popen(
            [
                BABELWIRE,
                "worker",
                "--site",
                str(self.root),
                "--queues",
                queues,
                "--concurrency",
                str(concurrency),
                "--name",
                f"{name}@%h",
                "--loglevel",
                "info",
                *options,
            ],
            env={**self.env, **(env or {})},
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        wait_for(
            lambda: "ready." in log.read_text(errors="replace"),
            60,
            f"worker {name} did not start: {log}",
            process=process,
            log=log,
        )
        return process

    def start_process(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """Another babelwire command (e.g. the scheduler) running beside the workers."""
        log = self.logs / f"{name}.log"
        process = subprocess.Popen(
            [BABELWIRE, *args, "--site", str(self.root)],
            env=self.env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def kill(self, name: str) -> None:
        """SIGKILL the worker's whole process group: parent and pool processes at once."""
        process = self.processes.pop(name)
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self, name: str) -> None:
        """A warm shutdown (SIGTERM): running tasks finish first."""
        process = self.processes.pop(name)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)

    def babelwire(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [BABELWIRE, *args, "--site", str(self.root)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    def close(self) -> None:
        for name in list(self.processes):
            self.kill(name)


@contextmanager
def cluster(root: Path, logs: Path) -> Iterator[Cluster]:
    logs.mkdir(parents=True, exist_ok=True)
    # What these tests check is delivery, not the quality gate: every article is shown
    # whatever its score (the gate's own tests hold and release translations).
    env = {"BABELWIRE_TRANSLATION_QUALITY_THRESHOLD": "0", **os.environ}
    running = Cluster(root=root, logs=logs, env=env)
    try:
        yield running
    finally:
        running.close()


def wait_for(
    condition: Callable[[], bool],
    seconds: float,
    message: str | Callable[[], str],
    *,
    process: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            text = log.read_text(errors="replace")[-3000:] if log else ""
            raise AssertionError(f"{_say(message)} (exited {process.returncode})\n{text}")
        time.sleep(0.2)
    text = log.read_text(errors="replace")[-3000:] if log else ""
    raise AssertionError(f"{_say(message)} (after {seconds:.0f} s)\n{text}")


def _say(message: str | Callable[[], str]) -> str:
    return message if isinstance(message, str) else message()


def stages(newsroom: Newsroom) -> dict[str, int]:
    with newsroom.sessions() as session:
        return dict(
            session.execute(select(ArticleRow.stage, func.count()).group_by(ArticleRow.stage)).all()
        )


def open_tasks(newsroom: Newsroom) -> int:
    with newsroom.sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(TaskRunRow)
                .where(TaskRunRow.outcome.in_(("queued", "running", "retry")))
            )
            or 0
        )


def settled(newsroom: Newsroom, expected: dict[str, int]) -> Callable[[], bool]:
    """True once the articles are at the expected stages and no task is open."""
    return lambda: stages(newsroom) == expected and open_tasks(newsroom) == 0


def articles_by_url(newsroom: Newsroom) -> dict[str, dict[str, Any]]:
    """What the site holds: per article URL its title, stage, section and each edition."""
    with newsroom.sessions() as session:
        articles = session.scalars(select(ArticleRow).order_by(ArticleRow.url)).all()
        counts = dict(
            session.execute(
                select(TranslationRow.article_id, func.count()).group_by(TranslationRow.article_id)
            ).all()
        )
        return {
            a.url: {
                "title": a.title,
                "stage": a.stage,
                "section": a.section,
                "rows": counts.get(a.id, 0),
                "editions": {t.language: (t.status, t.title) for t in a.translations},
            }
            for a in articles
        }


def follow(newsroom: Newsroom, server: DemoServer) -> None:
    from babelwire.demo.site import follow_outlets

    follow_outlets(newsroom, server)


@contextmanager
def private_redis(tmp: Path) -> Iterator[PrivateRedis]:
    """A redis-server of this test's own on a free loopback port, so that restarting it
    (it keeps nothing on disk: a restart loses every queued message) touches no other
    user of the machine's Redis."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    require_services()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = PrivateRedis(port=port, log=tmp / "redis.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class PrivateRedis:
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                str(self.log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(lambda: reachable(("127.0.0.1", self.port)), 20, "redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=20)
        self.process = None

    def restart(self) -> None:
        """Killed and started again: empty, as a restarted Redis without persistence is."""
        self.stop()
        self.start()


def running_tasks(newsroom: Newsroom, stage: str) -> int:
    with newsroom.sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(TaskRunRow)
                .where(TaskRunRow.stage == stage, TaskRunRow.outcome == "running")
            )
            or 0
        )


def assert_every_article_once(newsroom: Newsroom, count: int) -> None:
    """`count` articles, each published once with one translation row per edition."""
    from babelwire.storage.tables import EntryRow

    assert stages(newsroom) == {"published": count}
    with newsroom.sessions() as session:
        assert session.scalar(select(func.count()).select_from(EntryRow)) == count
        per_article = session.execute(
            select(TranslationRow.article_id, func.count()).group_by(TranslationRow.article_id)
        ).all()
        assert len(per_article) == count
        assert {n for _id, n in per_article} == {len(newsroom.config.languages)}
        statuses = session.scalars(
            select(TranslationRow.status).where(TranslationRow.language == "en")
        ).all()
        assert set(statuses) == {"translated"}
