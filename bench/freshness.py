"""Freshness under load: seconds from a source's post to a live page, with a backlog.

Serves loopback sources spread over several hosts (127.0.0.2, 127.0.0.3, ...: each
host keeps its own politeness limits). A quarter of them are hot: their history has
a post every two minutes, so they are polled every `fetch.hot_interval_seconds`; the
rest post every 10 to 60 minutes and are polled every 5 to 30. An older backlog of
articles waits to be processed when the clock starts. While the embedded runner runs
(`babelwire run`'s loop: fast lane first, backlog in slices), new posts appear at
random times, and at the end the recorded freshness timestamps give source-to-live
(the source's publication time to `first_published_at`, or to `built_at` with
--static) as p50 / p95 / max, for hot and for other sources.

A quarter of the sources (`--hub N`) push: their feeds name a loopback WebSub hub
(babelwire.demo.hub), `babelwire serve` runs in its own process with WebSub on, a pass
subscribes, and each new post is pushed to the callback, signed, as it is published.
Their source-to-live is reported on its own (the target: p95 under 10 s in serve
mode, under 30 s including a static incremental build).

With --celery, `babelwire worker` processes (2, one process each, every queue; the
`fast_lane` queue first) and `babelwire scheduler` (rounds every 5 s) run instead of
the embedded runner, on a fresh schema of the PostgreSQL database at
BABELWIRE_BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test) and a
redis-server of the bench's own on a free loopback port; `babelwire serve` sends what
is pushed to the fast lane queue. With --static, builds run one at a time beside the
runner, in a process kept for builds (jobs/live_builds.py: new entries first, each
build covering what went live while the one before it ran), as `babelwire run --build`
does.

Beside those database times, the time until the page answers over HTTP: a watcher
thread looks every 0.2 s for new entries the database says are live
(`first_published_at`), asks for each one's page at its canonical path (the Spanish
edition's, or the source language's when the translation is not shown) and asks again every
0.2 s until it answers 200; source-to-HTTP-200 is from the post to that answer, so it
includes up to 0.2 s of the watcher's own looking and the page's rendering. In serve
mode it asks `babelwire serve` (started in serve mode whether or not any source pushes);
with --static, a plain file server (`python -m http.server`, a process of its own) over
the build folder, asked once the page's file is in the folder (the watcher looks there
every 0.2 s rather than sending requests answered 404), so a 200 means the build has
renamed the page's file into place, the moment any web server in front of the folder
would serve it (before `built_at`, which is written when the whole build has finished).
The watcher runs in the bench's process: one database read every 0.2 s while entries
wait, and one request per page.

Baseline in the same run: one article's processing time (extract, translate and
publish of a new entry alone, from the recorded stage runs), against the wait added
to each polled new entry between being seen and going live, split into the backlog
stage runs it waited behind and the other new entries carried before it.

    python bench/freshness.py                    # short: 40 sources, 300 backlog, 180 s
    python bench/freshness.py --full             # 200 sources, 2,000 backlog, 10 min
    python bench/freshness.py --static           # live = after the incremental build
    python bench/freshness.py --hub 0            # polled sources only
    python bench/freshness.py --celery           # 2 Celery workers + scheduler, PostgreSQL
    python bench/freshness.py --static --builds-in-thread   # builds beside the runner (baseline)
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from babelwire.demo.hub import LoopbackHub
from babelwire.demo.server import (
    DemoServer,
    SampleArticle,
    SampleOutlet,
    render_feed,
    synthetic_outlet,
)
from babelwire.jobs.fast_lane import FastLane
from babelwire.jobs.live_builds import LiveBuild, LiveBuilds
from babelwire.jobs.refresh import refresh_sources
from babelwire.jobs.settings_file import edit_settings, settings_table
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import add_source
from babelwire.jobs.websub import maintain
from babelwire.model import SubscriptionState
from babelwire.newsroom import Newsroom
from babelwire.publish.page_writer import target_path
from babelwire.publish.paths import url_for_article
from babelwire.runners.local import run_forever
from babelwire.storage import sources as source_queries
from babelwire.storage.database import scratch_schema
from babelwire.storage.freshness import quantile
from babelwire.storage.published.listing import VISIBLE_STATUSES
from babelwire.storage.tables import (
    ArticleRow,
    SourceRow,
    TaskRunRow,
    TranslationRow,
    WebsubSubscriptionRow,
)

HOT_SHARE = 0.25
HOT_GAP_MINUTES = 2.0
WORDS = 250
HISTORY = 4  # posts each source shows before the clock starts (its rhythm)
SOURCES_PER_HOST = 10


@dataclass
class Scale:
    sources: int
    backlog: int
    seconds: float
    hub: int = 0  # how many of the sources push through the hub


SHORT = Scale(sources=40, backlog=300, seconds=180.0, hub=10)
FULL = Scale(sources=200, backlog=2000, seconds=600.0, hub=50)


@dataclass
class Outlet:
    """One source: its server, its outlet, how often it posts, its unused texts."""

    server: DemoServer
    outlet: SampleOutlet
    gap_minutes: float
    hot: bool
    texts: list[SampleArticle] = field(default_factory=list)
    published: list[tuple[str, datetime]] = field(default_factory=list)

    @property
    def pushes(self) -> bool:
        return bool(self.outlet.hub)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def websub_environment(port: int) -> None:
    """WebSub on, the callback at `babelwire serve` on 127.0.0.1:`port`. One hub carries
    every push source here, so its per-minute allowance is raised above the default;
    the hub is on loopback, on another address than the feeds, so private networks are
    allowed (a source added with --allow-private allows its own host only)."""
    os.environ["BABELWIRE_FETCH_ALLOW_PRIVATE_NETWORKS"] = "true"
    os.environ["BABELWIRE_WEBSUB_ENABLED"] = "true"
    os.environ["BABELWIRE_WEBSUB_CALLBACK_BASE_URL"] = f"http://127.0.0.1:{port}/websub/"
    os.environ["BABELWIRE_WEBSUB_PUSHES_PER_MINUTE"] = "6000"


SERVE = "from babelwire.cli.main import app; app()"  # `babelwire serve`, from this tree


def start_serve(root: Path, port: int) -> subprocess.Popen[bytes]:
    """`babelwire serve` in a process of its own, as it runs beside the runner."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    serve = subprocess.Popen(
        [sys.executable, "-c", SERVE, "serve", "--site", str(root), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return serve
        except OSError:
            time.sleep(0.2)
    serve.kill()
    raise SystemExit("babelwire serve did not start")


def add_push_sources(newsroom: Newsroom, hub: LoopbackHub, count: int) -> int:
    """Subscribe to the hub the push sources' feeds name (their first poll noted it);
    wait until the hub has verified the subscriptions at the callback. How many."""
    if not count:
        return 0
    maintain(newsroom)
    deadline = time.monotonic() + 120
    active = 0
    while time.monotonic() < deadline:
        with newsroom.sessions() as session:
            states = list(session.scalars(select(WebsubSubscriptionRow.state)))
        active = sum(1 for state in states if state == SubscriptionState.ACTIVE)
        if active >= count:
            break
        time.sleep(0.5)
    return active


def make_outlets(
    scale: Scale, rng: random.Random, hub: str = ""
) -> tuple[list[DemoServer], list[Outlet]]:
    now = datetime.now(UTC).replace(microsecond=0)
    hosts = max(1, -(-scale.sources // SOURCES_PER_HOST))
    servers = [DemoServer([], host=f"127.0.0.{2 + n}") for n in range(hosts)]
    outlets: list[Outlet] = []
    for number in range(scale.sources):
        pushes = number < scale.hub
        hot = not pushes and number < scale.hub + scale.sources * HOT_SHARE
        gap = HOT_GAP_MINUTES if hot or pushes else rng.uniform(10, 60)
        texts = synthetic_outlet(HISTORY + 40, words=WORDS, seed=1000 + number).articles
        history = [
            replace(t, slug=f"old-{n}", published=now - timedelta(minutes=gap * (n + 1)))
            for n, t in enumerate(texts[:HISTORY])
        ]
        outlet = SampleOutlet(
            slug=f"src-{number:03d}",
            name=f"Source {number:03d}",
            language="en",
            format="rss",
            section=None,
            description="",
            articles=history,
            hub=hub if pushes else "",
        )
        server = servers[number % hosts]
        server.outlets[outlet.slug] = outlet
        outlets.append(Outlet(server, outlet, gap, hot, texts=list(texts[HISTORY:])))
    backlog = synthetic_outlet(scale.backlog, words=WORDS, seed=7, slug="backlog")
    backlog.articles = [
        replace(a, published=now - timedelta(days=2, minutes=n))
        for n, a in enumerate(backlog.articles)
    ]
    servers[0].outlets[backlog.slug] = backlog
    return servers, outlets


def make_site(
    root: Path,
    servers: list[DemoServer],
    outlets: list[Outlet],
    backlog: int,
    database_url: str | None = None,
) -> None:
    if database_url:
        create_site(root, title="Freshness", languages=["en", "es"], database_url=database_url)
    else:
        create_site(root, title="Freshness", languages=["en", "es"])
    settings = root / "babelwire.toml"
    text = settings.read_text(encoding="utf-8")
    # The backlog's feed lists every article at once.
    text = text.replace("max_entries = 200", f"max_entries = {max(200, backlog)}")
    settings.write_text(text, encoding="utf-8")
    with Newsroom.open(root) as newsroom:
        for server in servers:
            for outlet in server.outlets.values():
                add_source(
                    newsroom,
                    server.feed_url(outlet.slug),
                    name=outlet.name,
                    language="en",
                    allow_private=True,
                )


def push(hub: LoopbackHub, outlet: Outlet) -> None:
    """The publisher pings its hub, which sends the new feed to the subscribers."""
    server = outlet.server
    body = render_feed(outlet.outlet, server.base)
    hub.distribute(
        body, topic=server.feed_url(outlet.outlet.slug), content_type="application/rss+xml"
    )


def publisher(
    outlets: list[Outlet],
    until: float,
    stop: threading.Event,
    rng: random.Random,
    hub: LoopbackHub | None,
) -> None:
    """Post new articles at random times (exponential gaps at each source's rhythm);
    a push source's new feed goes to the hub at once."""
    due = {id(o): time.monotonic() + rng.expovariate(1 / (o.gap_minutes * 60)) for o in outlets}
    while not stop.is_set() and time.monotonic() < until:
        for outlet in outlets:
            if time.monotonic() >= due[id(outlet)] and outlet.texts:
                text = outlet.texts.pop()
                now = datetime.now(UTC)  # the feed says it to the second
                slug = f"new-{len(outlet.published):03d}"
                outlet.server.add_article(
                    outlet.outlet.slug,
                    replace(text, slug=slug, published=now.replace(microsecond=0)),
                )
                outlet.published.append((slug, now))
                if hub is not None and outlet.pushes:
                    threading.Thread(target=push, args=(hub, outlet), daemon=True).start()
                due[id(outlet)] = time.monotonic() + rng.expovariate(1 / (outlet.gap_minutes * 60))
        stop.wait(0.2)


PAGE_EDITION = "es"  # the page asked for: the translation, else the original's edition
WATCH_SECONDS = 0.2  # how often the page watcher looks for live entries and asks again


@dataclass
class PageWatch:
    """Asks over HTTP for each new entry's page as soon as the database says it is live
    (`first_published_at`, looked for every WATCH_SECONDS), then again every WATCH_SECONDS
    until the page answers 200; `answered` keeps when that answer came. The page is the
    one in the PAGE_EDITION edition, or the source language's when the translation is
    not shown, at its canonical path. In serve mode `base` is `babelwire serve`;
    with --static a plain static file server over the build folder `files`, asked once
    the page's file is there (a look at the folder, not a request answered 404)."""

    newsroom: Newsroom
    base: str
    posted: Callable[[], set[str]]  # the new entries' URLs at the source, so far
    files: Path | None = None  # --static: the build folder the server serves
    answered: dict[int, datetime] = field(default_factory=dict)
    pages: dict[int, str] = field(default_factory=dict)  # article id -> path asked for
    found: set[str] = field(default_factory=set)  # source URLs of the entries in `pages`
    requests: int = 0
    other: dict[str, int] = field(default_factory=dict)  # answers other than 200, by kind

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(WATCH_SECONDS):
            try:
                self.look()
            except Exception as error:  # a missed look shows as a later answer
                self.other[type(error).__name__] = self.other.get(type(error).__name__, 0) + 1
            for article_id, path in list(self.pages.items()):
                if article_id in self.answered:
                    continue
                if self.files is not None and not target_path(self.files, path).exists():
                    continue
                if self.get(path):
                    self.answered[article_id] = datetime.now(UTC)

    def look(self) -> None:
        waiting = self.posted() - self.found
        if not waiting:
            return
        with self.newsroom.sessions() as session:
            rows = session.execute(
                select(ArticleRow.id, ArticleRow.url, TranslationRow.language, TranslationRow.title)
                .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
                .where(
                    ArticleRow.url.in_(sorted(waiting)),
                    ArticleRow.first_published_at.is_not(None),
                    TranslationRow.status.in_(VISIBLE_STATUSES),
                )
            ).all()
        for article_id, url, language, title in rows:
            if article_id in self.pages and language != PAGE_EDITION:
                continue
            self.pages[article_id] = url_for_article(language, article_id, title)
            self.found.add(url)

    def get(self, path: str) -> bool:
        self.requests += 1
        try:
            with urllib.request.urlopen(self.base + path, timeout=30) as answer:
                answer.read()
                return bool(answer.status == 200)
        except urllib.error.HTTPError as error:
            kind = str(error.code)
        except OSError as error:
            kind = type(error).__name__
        self.other[kind] = self.other.get(kind, 0) + 1
        return False


def posted_urls(outlets: list[Outlet]) -> Callable[[], set[str]]:
    def urls() -> set[str]:
        return {
            o.server.article_url(o.outlet.slug, slug)
            for o in outlets
            for slug, _ in list(o.published)  # the publisher's thread appends meanwhile
        }

    return urls


def start_static_server(folder: Path, port: int) -> subprocess.Popen[bytes]:
    """The build folder served as plain files (`python -m http.server`) in a process of
    its own, as a web server in front of a static build would."""
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "http.server", str(port)),
            *("--bind", "127.0.0.1", "--directory", str(folder)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if reachable(port):
            return server
        time.sleep(0.2)
    server.kill()
    raise SystemExit("the static file server did not start")


def summary(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    p50, p95 = quantile(ordered, 0.5), quantile(ordered, 0.95)
    return f"p50 {p50:6.1f} s  p95 {p95:6.1f} s  max {ordered[-1]:6.1f} s  (n={len(ordered)})"


@dataclass(frozen=True)
class StageRun:
    items: tuple[int, ...]
    stage: str
    started: datetime
    seconds: float
    worker: str = ""  # the Celery worker that ran it ("" in the embedded runner)

    @property
    def finished(self) -> datetime:
        return self.started + timedelta(seconds=self.seconds)

    def within(self, start: datetime, end: datetime) -> float:
        """The seconds of this run between `start` and `end`."""
        overlap = min(self.finished, end) - max(self.started, start)
        return max(0.0, overlap.total_seconds())


def stage_runs(newsroom: Newsroom, since: datetime) -> list[StageRun]:
    """The article stage runs recorded since `since` (the runner's and the pushes')."""
    with newsroom.sessions() as session:
        rows = session.execute(
            select(
                TaskRunRow.items,
                TaskRunRow.stage,
                TaskRunRow.started_at,
                TaskRunRow.seconds,
                TaskRunRow.worker,
            ).where(TaskRunRow.enqueued_at >= since, TaskRunRow.stage != "fetch")
        ).all()
    return [
        StageRun(tuple(int(i) for i in items), stage, started, float(seconds), worker or "")
        for items, stage, started, seconds, worker in rows
        if started is not None and seconds is not None
    ]


def processing_seconds(runs: list[StageRun]) -> dict[int, float]:
    """Per article carried alone, the seconds its own stage runs took."""
    found: dict[int, float] = {}
    for run in runs:
        if len(run.items) == 1:
            found[run.items[0]] = found.get(run.items[0], 0.0) + run.seconds
    return found


@dataclass(frozen=True)
class Mode:
    """How the newsroom runs: the embedded runner or Celery workers; serve or static."""

    static: bool = False
    celery: bool = False
    workers: int = 2  # `babelwire worker` processes, --concurrency 1 each
    batch: int = 1  # workers.batch_articles: a backlog task's articles
    poll_seconds: float = 5.0  # workers.poll_seconds: the scheduler's rounds
    builds_in_thread: bool = False  # --static: builds in the bench's process (the baseline)


DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/test"
BABELWIRE = "from babelwire.cli.main import app; app()"  # the CLI, from this tree


def babelwire(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    """A `babelwire` command of this tree in a process group of its own, logging to `log`."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-c", BABELWIRE, *args],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until(ready: Callable[[], bool], seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise SystemExit(f"{what} after {seconds:.0f} s\n{tail}")


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def private_redis(folder: Path) -> Iterator[str]:
    """A redis-server of the bench's own on a free loopback port (nothing kept on disk),
    so the bench shares no queue with anything else on the machine."""
    if shutil.which("redis-server") is None:
        raise SystemExit("--celery needs redis-server")
    port = free_port()
    log = folder / "redis.log"
    server = subprocess.Popen(
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--logfile", str(log)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: reachable(port), 20, "redis-server did not start", log)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.kill()
        server.wait(20)


def set_settings(root: Path, table: str, values: dict[str, object]) -> None:
    """Keys of one table of the site's babelwire.toml, through the checked editor the
    commands use."""
    edit_settings(root, lambda document: settings_table(document, table).update(values))


@dataclass
class Workers:
    """`babelwire worker` processes and `babelwire scheduler`, each in its own group."""

    root: Path
    logs: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, mode: Mode) -> None:
        for number in range(mode.workers):
            log = self.logs / f"worker{number}.log"
            worker = babelwire(
                [
                    *("worker", "--site", str(self.root), "--concurrency", "1"),
                    *("--queues", "fetch,extract,translate,publish", "--name", f"w{number}@%h"),
                ],
                log,
            )
            self.processes.append(worker)
            wait_until(
                lambda log=log: "ready." in log.read_text(errors="replace"),  # type: ignore[misc]
                120,
                f"worker {number} did not start",
                log,
            )
        self.processes.append(
            babelwire(["scheduler", "--site", str(self.root)], self.logs / "scheduler.log")
        )

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(30)
        self.processes.clear()


def run(scale: Scale, mode: Mode, *, seed: int) -> None:
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        database_url = broker = None
        if mode.celery:
            base = os.environ.get("BABELWIRE_BENCH_DATABASE_URL", DEFAULT_DATABASE)
            database_url = stack.enter_context(scratch_schema(base, prefix="bench"))
            broker = stack.enter_context(private_redis(folder))
        run_in(folder, scale, mode, seed=seed, database_url=database_url, broker=broker)


def run_in(
    folder: Path,
    scale: Scale,
    mode: Mode,
    *,
    seed: int,
    database_url: str | None,
    broker: str | None,
) -> None:
    rng = random.Random(seed)
    hub = LoopbackHub().start() if scale.hub else None
    servers, outlets = make_outlets(scale, rng, hub.hub_url if hub else "")
    for server in servers:
        server.start()
    serve: subprocess.Popen[bytes] | None = None
    files: subprocess.Popen[bytes] | None = None  # --static: the build folder over HTTP
    workers: Workers | None = None
    root = folder / "site"
    port = free_port()
    if hub is not None:
        websub_environment(port)
    make_site(root, servers, outlets, scale.backlog, database_url)
    if broker is not None:
        set_settings(
            root,
            "workers",
            {
                "broker_url": broker,
                "batch_articles": mode.batch,
                "poll_seconds": mode.poll_seconds,
                "concurrency": 1,
            },
        )
    newsroom = Newsroom.open(root)  # migrates the schema before any worker starts
    if hub is not None or not mode.static:
        serve = start_serve(root, port)  # pushes come to it; in serve mode, pages too
    with newsroom.sessions() as session:
        ids = source_queries.enabled_source_ids(session)
    began = time.perf_counter()
    refresh_sources(newsroom, ids)  # the backlog and every source's history: waiting
    print(
        f"setup: {len(ids)} sources on {len(servers)} hosts polled in "
        f"{time.perf_counter() - began:.1f} s"
    )
    if hub is not None:
        active = add_push_sources(newsroom, hub, scale.hub)
        print(f"push: {active} of {scale.hub} subscriptions verified by the hub")
    with newsroom.sessions() as session:
        pushing = set(session.scalars(select(WebsubSubscriptionRow.source_id)))
        hot_ids = {
            s.id
            for s in session.scalars(select(SourceRow))
            if (s.poll_reason or "").startswith("hot") and s.id not in pushing
        }
        waiting = len(list(session.scalars(select(ArticleRow.id))))
    print(f"backlog: {waiting} articles waiting; hot sources: {len(hot_ids)}")
    builds: LiveBuilds | None = None
    built: list[LiveBuild] = []
    if mode.static:
        # Live = the incremental build that wrote it has finished. Builds run one at a
        # time beside the runner, each covering what went live while the one before ran;
        # what goes live in other processes (pushes in serve's, the workers') is looked
        # for every half second.
        builds = LiveBuilds(
            newsroom,
            folder / "out",
            watch_seconds=0.5,
            on_build=built.append,
            own_process=not mode.builds_in_thread,
        )
        builds.build_now()  # the first build is a full one, before the clock starts
        files_port = free_port()
        files = start_static_server(folder / "out", files_port)
        pages_at = f"http://127.0.0.1:{files_port}"
    else:
        pages_at = f"http://127.0.0.1:{port}"
    stop = threading.Event()
    start = datetime.now(UTC)
    watch = PageWatch(
        newsroom, pages_at, posted_urls(outlets), folder / "out" if mode.static else None
    )
    watching = threading.Thread(target=watch.run, args=(stop,), daemon=True)
    watching.start()
    if mode.celery:
        workers = Workers(root, folder)
        workers.start(mode)
        print(f"celery: {mode.workers} workers and the scheduler started")
    else:
        lane = FastLane(newsroom, on_live=builds.request if builds is not None else None)
        threading.Thread(
            target=run_forever,
            kwargs={"newsroom": newsroom, "stop": stop, "on_report": lambda r: None, "lane": lane},
            daemon=True,
        ).start()
    if builds is not None:
        builds.start()
    until = time.monotonic() + scale.seconds
    publisher(outlets, until, stop, rng, hub)
    grace = 30.0  # posts of the last seconds: their next poll and carry
    time.sleep(grace)
    stop.set()
    end = datetime.now(UTC)
    watching.join(60)
    report(newsroom, outlets, hot_ids, start, end, mode, scale, grace, watch)
    if builds is not None:
        done = list(built[1:])  # after the first, full one
        for name, kind in (
            ("new entries'", [b for b in done if b.fresh]),
            ("complete", [b for b in done if not b.fresh]),
        ):
            rewritten = sorted(float(b.report.articles_changed) for b in kind)
            slices = sorted(float(b.slices) for b in kind)
            print(
                f"{name} incremental builds: {len(kind)}, seconds of work "
                f"{summary(sorted(b.report.seconds for b in kind))}; articles each p50 "
                f"{quantile(rewritten, 0.5) or 0:.0f}; slices each p50 "
                f"{quantile(slices, 0.5) or 0:.0f}, max {max(slices, default=0):.0f}"
            )
            phases: dict[str, float] = {}
            for b in kind:
                for phase, seconds in b.report.phases.items():
                    phases[phase] = phases.get(phase, 0.0) + seconds
            print(
                "  seconds in all by kind of page: "
                + ", ".join(f"{p} {t:.1f}" for p, t in sorted(phases.items()))
            )
        print(f"  (the fast lane asked {builds.requests} times)")
    # The runner's pass may still be on the backlog: it ends with the process, quietly.
    logging.getLogger("babelwire").disabled = True
    logging.getLogger("babelwire.run").disabled = True
    if builds is not None:
        builds.stop()  # no build writes into the folder while it is removed
    if workers is not None:
        workers.stop()
    for process in (serve, files):
        if process is not None:
            process.terminate()
            process.wait(30)
    newsroom.close()  # its connections go before the schema is dropped
    for server in servers:
        server.stop()
    if hub is not None:
        hub.stop()


def report(
    newsroom: Newsroom,
    outlets: list[Outlet],
    hot_ids: set[int],
    start: datetime,
    end: datetime,
    mode: Mode,
    scale: Scale,
    grace: float,
    watch: PageWatch,
) -> None:
    static = mode.static
    with newsroom.sessions() as session:
        rows = session.execute(
            select(
                ArticleRow.id,
                ArticleRow.source_id,
                ArticleRow.url,
                ArticleRow.seen_at,
                ArticleRow.first_published_at,
                ArticleRow.built_at,
            )
        ).all()
    posted_at = {
        o.server.article_url(o.outlet.slug, slug): moment
        for o in outlets
        for slug, moment in o.published
    }
    pushing = {
        o.server.article_url(o.outlet.slug, slug)
        for o in outlets
        if o.pushes
        for slug, _ in o.published
    }
    runs = stage_runs(newsroom, start)
    own = processing_seconds(runs)
    new = [r for r in rows if r.url in posted_at]
    new_ids = {r.id for r in new}
    polled_ids = {r.id for r in new if r.url not in pushing}  # the runner carries these
    live_at = {r.id: (r.built_at if static else r.first_published_at) for r in new}
    pushed: list[float] = []
    hot: list[float] = []
    other: list[float] = []
    waits: list[float] = []
    behind_backlog: list[float] = []
    behind_backlog_here: list[float] = []  # on the worker(s) that carried the entry
    behind_new: list[float] = []
    push_seen: list[float] = []  # posted to stored by the callback
    push_work: list[float] = []  # stored to live
    # Source to the page's first HTTP 200, apart from the database's times.
    http_pushed: list[float] = []
    http_hot: list[float] = []
    http_other: list[float] = []
    http_after_live: list[float] = []  # the database's live time (as above) to HTTP 200
    http_after_published: list[float] = []  # first_published_at to HTTP 200
    for r in new:
        answered = watch.answered.get(r.id)
        if answered is not None:
            group = (
                http_pushed
                if r.url in pushing
                else http_hot
                if r.source_id in hot_ids
                else http_other
            )
            group.append(max(0.0, (answered - posted_at[r.url]).total_seconds()))
            if live_at[r.id] is not None:
                http_after_live.append((answered - live_at[r.id]).total_seconds())
            if r.first_published_at is not None:
                http_after_published.append((answered - r.first_published_at).total_seconds())
        live = live_at[r.id]
        if live is None:
            continue
        delay = max(0.0, (live - posted_at[r.url]).total_seconds())
        if r.url in pushing:
            pushed.append(delay)
            if r.seen_at is not None:
                push_seen.append((r.seen_at - posted_at[r.url]).total_seconds())
                push_work.append((live - r.seen_at).total_seconds())
            continue
        (hot if r.source_id in hot_ids else other).append(delay)
        if r.id in own and r.seen_at is not None and r.first_published_at is not None:
            seen, done = r.seen_at, r.first_published_at
            waits.append(max(0.0, (done - seen).total_seconds() - own[r.id]))
            mine = [x for x in runs if r.id not in x.items]
            behind_backlog.append(
                sum(x.within(seen, done) for x in mine if not new_ids & set(x.items))
            )
            carriers = {x.worker for x in runs if r.id in x.items}
            behind_backlog_here.append(
                sum(
                    x.within(seen, done)
                    for x in mine
                    if not new_ids & set(x.items) and x.worker in carriers
                )
            )
            behind_new.append(sum(x.within(seen, done) for x in mine if polled_ids & set(x.items)))
    backlog_done = sum(
        1
        for r in rows
        if r.id not in new_ids
        and r.first_published_at is not None
        and r.first_published_at >= start
    )
    one = statistics.median(own[i] for i in own if i in new_ids) if own else float("nan")
    # A backlog article's own processing: its stage runs, carried alone or in a batch
    # (a batch's run shared out evenly).
    backlog_own: dict[int, float] = {}
    for x in runs:
        if x.items and not new_ids & set(x.items):
            for i in x.items:
                backlog_own[i] = backlog_own.get(i, 0.0) + x.seconds / len(x.items)
    hot_interval = newsroom.config.settings.fetch.hot_interval_seconds
    live = "static incremental build" if static else "serve (live at publish)"
    runner = (
        f"Celery: {mode.workers} workers x 1 process, batch {mode.batch}, "
        f"scheduler every {mode.poll_seconds:g} s"
        if mode.celery
        else "embedded runner"
    )
    print()
    print(
        f"{scale.sources} sources ({scale.hub} push, {len(hot_ids)} hot polled), "
        f"backlog {scale.backlog}, {scale.seconds:.0f} s of posts + {grace:.0f} s, {live}; "
        f"{runner}"
    )
    print(
        f"posted {len(posted_at)}, found {len(new)}, live {sum(1 for v in live_at.values() if v)}"
    )
    print(f"source-to-live, pushed (hub):                      {summary(pushed)}")
    print(f"  posted to stored by the callback:                {summary(push_seen)}")
    print(f"  stored to live:                                  {summary(push_work)}")
    print(f"source-to-live, hot polled (interval {hot_interval} s):     {summary(hot)}")
    print(f"source-to-live, other polled:                      {summary(other)}")
    server = "the static build folder over HTTP" if static else "babelwire serve"
    when = "live and its file is there" if static else "live"
    print(
        f"source to HTTP 200 of the page ({server}; asked for once {when}, looked for "
        f"every {WATCH_SECONDS:g} s):"
    )
    published = sum(1 for r in new if r.first_published_at is not None)
    edition = f"/{PAGE_EDITION}/"
    print(
        f"  pages answered 200: {len(watch.answered)} of {published} live; "
        f"{watch.requests} requests, other answers {watch.other or 'none'}; pages of the "
        f"{PAGE_EDITION} edition: {sum(1 for p in watch.pages.values() if p.startswith(edition))}"
    )
    print(f"  pushed (hub):                                    {summary(http_pushed)}")
    print(f"  hot polled:                                      {summary(http_hot)}")
    print(f"  other polled:                                    {summary(http_other)}")
    print(f"  first_published_at to HTTP 200:                  {summary(http_after_published)}")
    if static:
        print(f"  built_at to HTTP 200:                            {summary(http_after_live)}")
    print(f"one article's processing (carried alone): p50 {one:.2f} s")
    print(f"polled entries, seen to live less own processing: {summary(waits)}")
    print(f"  of which backlog stage runs:                    {summary(behind_backlog)}")
    print(f"  of which other polled new entries' stage runs:  {summary(behind_new)}")
    if mode.celery:
        print("  (Celery: runs on either worker; the other worker's overlap, they do not add)")
        print(f"  of which backlog runs on the entry's worker:    {summary(behind_backlog_here)}")
    print(f"one backlog article's processing (stage runs):   {summary(list(backlog_own.values()))}")
    # The backlog's delay of a new entry: the backlog runs on the worker(s) that carried
    # it (with the embedded runner, all of them), against one article's processing.
    delayed = sorted(behind_backlog_here if mode.celery else behind_backlog)
    backlog_one = statistics.median(backlog_own.values()) if backlog_own else float("nan")
    if delayed:
        p95 = quantile(delayed, 0.95) or 0.0
        print(
            f"  backlog delay p95 {p95:.2f} s: {p95 / one:.2f} x a new entry's own carry, "
            f"{p95 / backlog_one:.2f} x a backlog article's processing (p50 {backlog_one:.2f} s)"
        )
    seconds = (end - start).total_seconds()
    print(f"backlog published meanwhile: {backlog_done} ({backlog_done / seconds:.2f} articles/s)")
    moved: dict[str, int] = {}
    for x in runs:
        if not new_ids & set(x.items):
            moved[x.stage] = moved.get(x.stage, 0) + len(x.items)
    print(f"backlog articles through each stage meanwhile: {moved or 'none'}")
    targets = [("hot polled", hot, hot_interval + 15)]
    targets.append(("pushed", pushed, 30 if static else 10))
    targets.append(("hot polled, HTTP 200,", http_hot, hot_interval + 15))
    targets.append(("pushed, HTTP 200,", http_pushed, 30 if static else 10))
    for name, values, target in targets:
        if values:
            p95 = quantile(sorted(values), 0.95) or 0.0
            verdict = "met" if p95 < target else "MISSED"
            print(f"target {name} p95 < {target} s: {p95:.1f} s, {verdict}")
    if delayed:
        p95 = quantile(delayed, 0.95) or 0.0
        for name, limit in (("a backlog article's", backlog_one), ("a new entry's own", one)):
            verdict = "met" if p95 <= limit else "MISSED"
            print(
                f"target backlog delay p95 <= {name} processing ({limit:.2f} s): "
                f"{p95:.2f} s, {verdict}"
            )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="200 sources, 2,000 backlog, 10 min")
    parser.add_argument("--sources", type=int)
    parser.add_argument("--backlog", type=int)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--hub", type=int, help="push sources (default: a quarter)")
    parser.add_argument("--static", action="store_true", help="live = incremental build done")
    parser.add_argument("--celery", action="store_true", help="2 Celery workers + scheduler")
    parser.add_argument("--workers", type=int, default=2, help="--celery: worker processes")
    parser.add_argument("--batch", type=int, default=1, help="--celery: workers.batch_articles")
    parser.add_argument(
        "--builds-in-thread",
        action="store_true",
        help="--static: builds in a thread of the bench's process, not their own (baseline)",
    )
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    scale = FULL if args.full else SHORT
    scale = Scale(
        sources=args.sources or scale.sources,
        backlog=args.backlog if args.backlog is not None else scale.backlog,
        seconds=args.seconds or scale.seconds,
        hub=args.hub if args.hub is not None else (args.sources or scale.sources) // 4,
    )
    mode = Mode(
        static=args.static,
        celery=args.celery,
        workers=args.workers,
        batch=args.batch,
        builds_in_thread=args.builds_in_thread,
    )
    run(scale, mode, seed=args.seed)


if __name__ == "__main__":
    main()
