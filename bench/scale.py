"""Workers at scale: N articles through the whole pipeline, embedded vs Celery workers.

Serves N generated English articles from loopback feeds and runs them through every
stage (fetch, extract, translate with Apertium into a Spanish and a Catalan edition,
publish) three ways, each into a fresh PostgreSQL database, in the same run:

- embedded: one `run_pass` in this process (the baseline);
- Celery with one worker process (`babelwire worker --concurrency 1`);
- Celery with two worker processes (`--concurrency 2`).

With `--per-core`, two more configurations follow, as a diagnostic: one and two
`babelwire worker --concurrency 1` processes, each confined to a core of its own
(its Apertium stages inherit the affinity), so that one worker uses at most one core.
Their ratio is how the runner scales with cores when every worker has one; it is not
the throughput to deploy (confined, one worker loses the second core its Apertium
pipeline would use).

For each it prints articles/s from the first fetch to the last article published;
then the speed-up from one to two worker processes, the Celery overhead against
embedded, the queue wait p50/p99 and what each stage costs per article (from the
task-run record).

    python bench/scale.py                     # 2,000 articles
    python bench/scale.py -n 300 --words 150  # a quick look
    python bench/scale.py --per-core          # and the one-core-per-worker diagnostic

Needs PostgreSQL (BABELWIRE_BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test,
used only to create and drop the databases) and Redis (BABELWIRE_BENCH_BROKER_URL, default
redis://127.0.0.1:6379/13, emptied before each Celery run).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from babelwire.demo.server import DemoServer, SampleOutlet, synthetic_outlet
from babelwire.demo.site import follow_outlets
from babelwire.jobs.run import run_pass
from babelwire.jobs.site import create_site
from babelwire.model import Stage
from babelwire.newsroom import Newsroom
from babelwire.storage.database import normalise_url
from babelwire.storage.tables import ArticleRow, TaskRunRow

PER_FEED = 200  # fetch.max_entries
EDITIONS = ["es", "ca"]
BABELWIRE = shutil.which("babelwire") or str(Path(sys.executable).parent / "babelwire")


@dataclass
class Result:
    name: str
    articles: int
    seconds: float
    stage_seconds: dict[str, float] = field(default_factory=dict)  # per article
    queue_waits: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0  # babelwire's processes and their Apertium processes
    machine_busy: float = 0.0  # share of the machine's cores busy (everything on it)

    @property
    def cores(self) -> float:
        return self.cpu_seconds / self.seconds

    @property
    def rate(self) -> float:
        return self.articles / self.seconds


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of every core since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def cpu_used(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def outlets_for(count: int, words: int) -> list[SampleOutlet]:
    feeds = -(-count // PER_FEED)
    outlets = []
    for number in range(feeds):
        size = min(PER_FEED, count - number * PER_FEED)
        outlets.append(synthetic_outlet(size, words=words, seed=number, slug=f"wire-{number}"))
    return outlets


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new PostgreSQL database for one configuration, dropped afterwards."""
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    name = f"bw_scale_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            make_url(normalise_url(admin_url))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def new_site(folder: Path, database_url: str, server: DemoServer) -> Newsroom:
    create_site(folder, title="scale", languages=EDITIONS, database_url=database_url)
    newsroom = Newsroom.open(folder)
    follow_outlets(newsroom, server, declare=False)
    return newsroom


def published(newsroom: Newsroom) -> int:
    with newsroom.sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(ArticleRow)
                .where(ArticleRow.stage.in_((Stage.PUBLISHED, Stage.FAILED)))
            )
            or 0
        )


def failed(newsroom: Newsroom) -> int:
    with newsroom.sessions() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(ArticleRow).where(ArticleRow.stage == Stage.FAILED)
            )
            or 0
        )


def stage_costs(newsroom: Newsroom, articles: int) -> dict[str, float]:
    """Seconds of stage work per article, from the task-run record."""
    with newsroom.sessions() as session:
        rows = session.execute(
            select(TaskRunRow.stage, func.sum(TaskRunRow.seconds))
            .where(TaskRunRow.outcome == "done")
            .group_by(TaskRunRow.stage)
        ).all()
    return {stage: float(total or 0.0) / articles for stage, total in rows}


def run_embedded(count: int, server: DemoServer, admin_url: str, folder: Path) -> Result:
    with fresh_database(admin_url) as url, new_site(folder, url, server) as newsroom:
        cpu = cpu_used(resource.RUSAGE_SELF)
        started = time.perf_counter()
        report = run_pass(newsroom)
        seconds = time.perf_counter() - started
        cpu = cpu_used(resource.RUSAGE_SELF) - cpu
        children = cpu_used(resource.RUSAGE_CHILDREN)
        newsroom.close()  # the Apertium processes end and are counted
        cpu += cpu_used(resource.RUSAGE_CHILDREN) - children
        done = published(newsroom)
        if done != count or failed(newsroom) or not report.ok:
            raise SystemExit(f"embedded: {done} of {count} articles done; {report.sources}")
        return Result("embedded", count, seconds, stage_costs(newsroom, count), cpu_seconds=cpu)


def run_celery(
    count: int,
    processes: int,
    server: DemoServer,
    admin_url: str,
    broker: str,
    folder: Path,
    per_core: bool = False,
) -> Result:
    import redis

    redis.Redis.from_url(broker).flushdb()
    env = {**os.environ, "BABELWIRE_WORKERS_BROKER_URL": broker}
    os.environ["BABELWIRE_WORKERS_BROKER_URL"] = broker
    with fresh_database(admin_url) as url, new_site(folder, url, server) as newsroom:
        log = folder / "worker.log"
        children = cpu_used(resource.RUSAGE_CHILDREN)
        workers = start_workers(folder, processes, per_core, env, log)
        try:
            time.sleep(2.0)
            _wait_ready(folder, len(workers))
            from babelwire.runners.celery.app import configure
            from babelwire.runners.celery.scheduler import schedule_round

            configure(newsroom.config)
            started = time.perf_counter()
            schedule_round(newsroom)
            deadline = started + 3600
            while published(newsroom) < count:
                if any(w.poll() is not None for w in workers) or time.perf_counter() > deadline:
                    raise SystemExit(f"the worker stopped: {log.read_text()[-2000:]}")
                time.sleep(0.1)
            seconds = time.perf_counter() - started
            if failed(newsroom):
                raise SystemExit(f"{failed(newsroom)} articles failed: {log.read_text()[-2000:]}")
        finally:
            stop_workers(workers)
        # The worker's whole tree, start-up and shut-down included (a little over).
        cpu = cpu_used(resource.RUSAGE_CHILDREN) - children
        with newsroom.sessions() as session:
            waits = [
                float(w)
                for w in session.scalars(
                    select(TaskRunRow.queue_seconds).where(TaskRunRow.queue_seconds.is_not(None))
                )
            ]
        name = f"celery, {processes} worker process{'es' if processes > 1 else ''}"
        if per_core:
            name += ", a core each"
        return Result(name, count, seconds, stage_costs(newsroom, count), waits, cpu)


def start_workers(
    folder: Path, processes: int, per_core: bool, env: dict[str, str], log: Path
) -> list[subprocess.Popen[bytes]]:
    """One worker with `processes` pool processes, or (per core) that many workers of one
    process, the n-th confined to core n with everything it starts."""

    def command(concurrency: int, name: str) -> list[str]:
        return [
            BABELWIRE,
            "worker",
            "--site",
            str(folder),
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "warning",
            "--name",
            f"{name}@%h",
        ]

    cores = sorted(os.sched_getaffinity(0))
    if per_core and processes > len(cores):
        raise SystemExit(f"--per-core: {processes} workers, {len(cores)} cores")
    plan = (  # (pool processes, name, the cores it may use)
        [(1, f"scale-core{core}", {core}) for core in cores[:processes]]
        if per_core
        else [(processes, f"scale-{processes}", set(cores))]
    )
    with log.open("ab") as output:  # each worker holds its own copy
        return [
            subprocess.Popen(
                command(concurrency, name),
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=lambda cpus=cpus: os.sched_setaffinity(0, cpus),  # type: ignore[misc]
            )
            for concurrency, name, cpus in plan
        ]


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def _wait_ready(folder: Path, workers: int) -> None:
    """Every worker answers (its pool processes have opened their newsrooms)."""
    from babelwire.config import Config
    from babelwire.runners.celery.app import app, configure

    configure(Config.load(folder))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0)
        if len(replies) >= workers:
            return
    raise SystemExit("the worker did not answer")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--articles", type=int, default=2000)
    parser.add_argument("-w", "--words", type=int, default=300)
    parser.add_argument("--batch", type=int, default=None, help="workers.batch_articles")
    parser.add_argument(
        "--per-core",
        action="store_true",
        help="also run one and two workers confined to a core each (a diagnostic)",
    )
    args = parser.parse_args()
    admin_url = os.environ.get(
        "BABELWIRE_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    broker = os.environ.get("BABELWIRE_BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")
    # One loopback host serves every feed and page: no politeness delay, private allowed.
    os.environ.setdefault("BABELWIRE_FETCH_HOST_DELAY", "0")
    os.environ.setdefault("BABELWIRE_FETCH_ALLOW_PRIVATE_NETWORKS", "true")
    os.environ.setdefault("BABELWIRE_FETCH_MAX_ENTRIES", str(PER_FEED))
    os.environ.setdefault("BABELWIRE_DATABASE_POOL_SIZE", "2")
    if args.batch:
        os.environ["BABELWIRE_WORKERS_BATCH_ARTICLES"] = str(args.batch)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{args.articles} articles x ~{args.words} words, en -> {' and '.join(EDITIONS)}, "
        f"batch {os.environ.get('BABELWIRE_WORKERS_BATCH_ARTICLES', 'default')}"
    )
    outlets = outlets_for(args.articles, args.words)
    results: list[Result] = []
    with DemoServer(outlets) as server:
        runs: list[Callable[[Path], Result]] = [
            lambda d: run_embedded(args.articles, server, admin_url, d),
            lambda d: run_celery(args.articles, 1, server, admin_url, broker, d),
            lambda d: run_celery(args.articles, 2, server, admin_url, broker, d),
        ]
        if args.per_core:
            runs += [
                lambda d: run_celery(args.articles, 1, server, admin_url, broker, d, True),
                lambda d: run_celery(args.articles, 2, server, admin_url, broker, d, True),
            ]
        for make in runs:
            with tempfile.TemporaryDirectory(prefix="babelwire-scale-") as folder:
                busy, total = machine_ticks()
                result = make(Path(folder))
                busy_after, total_after = machine_ticks()
                result.machine_busy = (busy_after - busy) / max(1, total_after - total)
            results.append(result)
            costs = ", ".join(
                f"{k} {v * 1000:.1f} ms" for k, v in sorted(result.stage_seconds.items())
            )
            waits = (
                f"; queue wait p50 {percentile(result.queue_waits, 0.5):.2f} s, "
                f"p99 {percentile(result.queue_waits, 0.99):.2f} s"
                if result.queue_waits
                else ""
            )
            print(
                f"{result.name:<40} {result.rate:7.2f} articles/s ({result.seconds:6.1f} s); "
                f"per article: {costs}{waits}; {result.cores:.2f} cores busy; "
                f"machine {result.machine_busy:.0%} busy; "
                f"load average {os.getloadavg()[0]:.2f}"
            )
    embedded, one, two = results[:3]
    print(f"Celery 1 process / embedded: {one.rate / embedded.rate:.2f} (target >= 0.85)")
    print(f"Celery 2 processes / 1:      {two.rate / one.rate:.2f} (target >= 1.70)")
    print(
        f"median queue wait, 1 / 2 processes: "
        f"{statistics.median(one.queue_waits):.2f} / {statistics.median(two.queue_waits):.2f} s"
    )
    print(
        f"one worker process keeps {one.cores:.2f} of {os.cpu_count()} cores busy: two can be at "
        f"most {(os.cpu_count() or 1) / one.cores:.2f}x one on this machine"
    )
    if args.per_core:
        one_core, two_cores = results[3:]
        print(
            f"a core each, 2 processes / 1:  {two_cores.rate / one_core.rate:.2f} "
            f"(the runner's scaling with cores; diagnostic)"
        )


if __name__ == "__main__":
    main()
