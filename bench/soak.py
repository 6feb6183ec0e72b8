"""Soak: `babelwire run` for a long time against many sources, some of them hostile.

A separate process serves `--sources` feeds on 30 loopback hosts (127.0.0.10 to
127.0.0.39, a listener each). Nine in ten are good English feeds that get a new
entry every few seconds, each linking to an article page of its own; one in
ten is hostile, each with one behaviour from the list below (bodies that once
crashed the parsers, redirects to other schemes and bad hosts, bombs, drips,
lies, markup in titles). The site has English and Spanish editions (Apertium),
polls every source every one or two minutes (intervals accelerated from the
defaults of 5 min to 24 h) and is served by `babelwire serve`, which a client
thread keeps under steady load the whole time.

What it checks, and prints:
- `babelwire run` never exits;
- every good entry is published exactly once, with a Spanish translation;
- every hostile source has its failure recorded (on the source, its articles or its
  fetch log); a feed whose title is Rich markup is no failure: its title is kept as text;
- no page of the served site answers 500;
- memory of each process flat: resident size growth after warm-up under 10%;
- no file descriptors leaked.

    python bench/soak.py                      # 300 sources, 30 minutes
    python bench/soak.py --minutes 3 -n 60    # a quick look
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import multiprocessing
import os
import platform
import random
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
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy import create_engine, func, select

from babelwire.jobs.site import create_site
from babelwire.model import Stage, TranslationStatus
from babelwire.pipeline.discover.urls import canonical_url
from babelwire.storage.tables import ArticleRow, FetchLogRow, SourceRow, TranslationRow

HOSTS = 30
BABELWIRE = str(Path(sys.executable).parent / "babelwire")

VOCABULARY = (
    "harbour council river bridge market school hospital station museum festival "
    "farmers fishermen teachers nurses students engineers mayor minister court police "
    "budget election storm drought harvest flood tunnel railway airport ferry stadium "
    "library theatre orchestra exhibition archive factory workshop vineyard forest valley "
    "mountain island coast village town city region province country neighbour visitor "
    "opened closed announced approved rejected delayed repaired built planted measured "
    "counted visited reported warned welcomed celebrated discussed published collected "
    "new old small large early late public private local national annual quiet busy "
    "yesterday today morning evening week month year summer winter spring autumn"
)
WORDS = VOCABULARY.split()

# Each hostile behaviour: a name and how the source's feed URL answers. Those
# marked "article" serve a well-formed feed whose items misbehave instead.
HOSTILE = (
    "bad-entity",
    "huge-entity",
    "stray-close",
    "broken-textinput",
    "bad-encoding",
    "json-huge-id",
    "sitemap-colon",
    "redirect-schemes",  # article
    "markup-status",
    "markup-title",
    "huge-title",
    "gzip-bomb",
    "drip",
    "redirect-loop",
    "retry-after",
    "title-only-gone",  # article
    "garbage",
    "reset",
    "half-headers",
)
ARTICLE_LEVEL = {"redirect-schemes", "title-only-gone"}
MARKUP_TITLE = "Evil [/] [bold]markup[/bold]"
BAD_TARGETS = (
    "data:text/html,<h1>x</h1>",
    "javascript:alert(1)",
    "mailto:someone@example.org",
    "http:foo",
    "http://xn--/",
    "http://127.0.0.1:99999/",
)


@dataclass
class FeedSpec:
    index: int
    host: str
    hostile: str = ""  # "" for a good feed
    entries: list[tuple[int, float]] = field(default_factory=list)  # (entry number, time)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 16))]
    return " ".join(words).capitalize() + "."


def _article_html(feed: int, entry: int) -> bytes:
    rng = random.Random(feed * 100_003 + entry)
    paragraphs = "".join(
        f"<p>{' '.join(_sentence(rng) for _ in range(4))}</p>" for _ in range(rng.randint(3, 5))
    )
    title = f"Report {feed}-{entry}: " + " ".join(rng.choice(WORDS) for _ in range(5))
    return (
        f'<!doctype html><html lang="en"><head><title>{title}</title></head><body>'
        f"<article><h1>{title}</h1>{paragraphs}</article></body></html>"
    ).encode()


def _rss(base: str, spec: FeedSpec, title: str = "") -> bytes:
    items = []
    for number, at in spec.entries:
        stamp = format_datetime(datetime.fromtimestamp(at, UTC), usegmt=True)
        rng = random.Random(spec.index * 100_003 + number)
        headline = f"Report {spec.index}-{number}: " + " ".join(rng.choice(WORDS) for _ in range(5))
        items.append(
            f"<item><title>{headline}</title><link>{base}/a/{spec.index}/{number}</link>"
            f"<guid>{base}/a/{spec.index}/{number}</guid><pubDate>{stamp}</pubDate></item>"
        )
    channel_title = title or f"Outlet {spec.index}"
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{channel_title}</title><link>{base}/</link>"
        f"<description>Soak outlet</description>{''.join(items)}</channel></rss>"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    server: _HostServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)

    def do_GET(self) -> None:
        world = self.server.world
        parts = self.path.strip("/").split("/")
        base = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
        if self.path == "/robots.txt":
            self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        elif parts[0] == "feed" and len(parts) == 2 and parts[1].isdigit():
            spec = world.feeds.get(int(parts[1]))
            if spec is None:
                self._send(404, b"no such feed", "text/plain")
            elif spec.hostile:
                self._hostile(spec, base)
            else:
                with world.lock:
                    body = _rss(base, spec)
                self._send(200, body, "application/rss+xml")
        elif parts[0] == "a" and len(parts) == 3:
            feed, entry = int(parts[1]), int(parts[2])
            spec = world.feeds.get(feed)
            if spec is not None and spec.hostile == "redirect-schemes":
                target = BAD_TARGETS[entry % len(BAD_TARGETS)]
                self._send(302, b"", "text/plain", Location=target)
            elif spec is not None and spec.hostile == "title-only-gone":
                self._send(410, b"gone", "text/plain")
            else:
                self._send(200, _article_html(feed, entry), "text/html; charset=utf-8")
        elif parts[0] == "loop":
            self._send(302, b"", "text/plain", Location=f"/loop/{random.randint(0, 10**9)}")
        else:
            self._send(404, b"not here", "text/plain")

    def _hostile(self, spec: FeedSpec, base: str) -> None:
        kind = spec.hostile
        xml = "application/xml"
        bodies = {
            "bad-entity": b"<>&#x110000;",
            "huge-entity": b"<>&#9999999999;",
            "stray-close": b"</width>",
            "broken-textinput": b"<item<textInput<description>",
            "bad-encoding": b'<?encoding="\xbf"?>',
            "sitemap-colon": b"<:ss/>",
            "garbage": random.Random(spec.index).randbytes(4096),
        }
        if kind in bodies:
            self._send(200, bodies[kind], xml)
        elif kind == "json-huge-id":
            # An id of 5,000 digits: more than Python converts to an int by default.
            body = (
                '{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": '
                f'[{{"id": {"9" * 5000}, "url": "{base}/a/{spec.index}/1"}}]}}'
            )
            self._send(200, body.encode(), "application/feed+json")
        elif kind in ARTICLE_LEVEL:
            with self.server.world.lock:
                body = _rss(base, spec)
            self._send(200, body, "application/rss+xml")
        elif kind == "markup-status":
            self.send_response(500, "[/] [bold]boom")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif kind == "markup-title":
            self._send(200, _rss(base, spec, title=MARKUP_TITLE), xml)
        elif kind == "huge-title":
            self._send(200, _rss(base, spec, title="T" * (5 * 1024 * 1024)), xml)
        elif kind == "gzip-bomb":
            body = gzip.compress(b"<rss>" + b" " * (64 * 1024 * 1024), compresslevel=9)
            self._send(200, body, xml, Content_Encoding="gzip")
        elif kind == "drip":
            self.send_response(200)
            self.send_header("Content-Type", xml)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            for _ in range(40):
                try:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(1)
        elif kind == "redirect-loop":
            self._send(302, b"", "text/plain", Location="/loop/0")
        elif kind == "retry-after":
            self._send(429, b"slow down", "text/plain", Retry_After="120")
        elif kind == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            self.connection.close()
        elif kind == "half-headers":
            try:
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/x")
                self.wfile.flush()
            except OSError:
                return
            time.sleep(30)


class _HostServer(ThreadingHTTPServer):
    daemon_threads = True
    world: _World


@dataclass
class _World:
    feeds: dict[int, FeedSpec]
    lock: threading.Lock = field(default_factory=threading.Lock)


def _serve(conn: Connection, feeds: list[FeedSpec], entry_seconds: float, seed: int) -> None:
    world = _World({f.index: f for f in feeds})
    servers = []
    for host in sorted({f.host for f in feeds}):
        server = _HostServer((host, 0), _Handler)
        server.world = world
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    conn.send({s.server_address[0]: s.server_address[1] for s in servers})
    rng = random.Random(seed)
    growing = [f for f in feeds if not f.hostile or f.hostile in ARTICLE_LEVEL]
    next_number = {f.index: len(f.entries) + 1 for f in feeds}
    adding = True
    while True:
        if conn.poll(entry_seconds):
            message = conn.recv()
            if message == "stop-adding":
                adding = False
                conn.send("stopped")
            elif message == "entries":
                with world.lock:
                    conn.send({f.index: [n for n, _ in f.entries] for f in feeds})
            elif message == "exit":
                return
            continue
        if adding and growing:
            spec = rng.choice(growing)
            with world.lock:
                spec.entries.append((next_number[spec.index], time.time()))
                next_number[spec.index] += 1


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


@dataclass
class Samples:
    times: list[float] = field(default_factory=list)
    rss: dict[str, list[int]] = field(default_factory=lambda: {"run": [], "serve": []})
    fds: dict[str, list[int]] = field(default_factory=lambda: {"run": [], "serve": []})


class _Load(threading.Thread):
    """A steady stream of requests to the served site: fronts, feeds, searches, articles."""

    def __init__(self, base: str, rate: float) -> None:
        super().__init__(daemon=True)
        self.base, self.rate = base, rate
        self.statuses: Counter[int] = Counter()
        self.errors: Counter[str] = Counter()
        self.stop = threading.Event()
        self.articles: list[str] = []

    def run(self) -> None:
        paths = ["/en/", "/es/", "/en/feed.xml", "/es/feed.json", "/en/search?q=harbour"]
        tick = 0
        while not self.stop.wait(1 / self.rate):
            tick += 1
            if tick % 50 == 0:
                self._collect_articles()
            pool = paths + self.articles[-40:]
            self._get(pool[tick % len(pool)])

    def _get(self, path: str) -> str:
        try:
            with urllib.request.urlopen(self.base + path, timeout=30) as response:
                self.statuses[response.status] += 1
                return response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            self.statuses[exc.code] += 1
        except OSError as exc:
            self.errors[type(exc).__name__] += 1
        return ""

    def _collect_articles(self) -> None:
        page = self._get("/en/")
        for chunk in page.split('href="')[1:]:
            link = chunk.split('"', 1)[0]
            if link.startswith("/en/") and link.count("/") >= 4 and link not in self.articles:
                self.articles.append(link)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _growth(values: list[int], warm: int) -> float:
    """Growth of the last fifth over the samples just after warm-up, as a fraction."""
    after = values[warm:]
    if len(after) < 4:
        return 0.0
    fifth = max(2, len(after) // 5)
    start = statistics.median(after[:fifth])
    end = statistics.median(after[-fifth:])
    return (end - start) / start if start else 0.0


def soak(sources: int, minutes: float, entry_seconds: float, hostile_share: float) -> int:
    rng = random.Random(11)
    hosts = [f"127.0.0.{10 + i}" for i in range(HOSTS)]
    hostile_count = round(sources * hostile_share)
    hostile_indexes = set(rng.sample(range(sources), hostile_count))
    feeds: list[FeedSpec] = []
    rotation = 0
    now = time.time()
    for index in range(sources):
        spec = FeedSpec(index, hosts[index % HOSTS])
        if index in hostile_indexes:
            spec.hostile = HOSTILE[rotation % len(HOSTILE)]
            rotation += 1
        if not spec.hostile or spec.hostile in ARTICLE_LEVEL:
            spec.entries = [(1, now - 3600), (2, now - 600)]
        feeds.append(spec)

    conn, child = multiprocessing.Pipe()
    server = multiprocessing.Process(
        target=_serve, args=(child, feeds, entry_seconds, 5), daemon=True
    )
    server.start()
    ports: dict[str, int] = conn.recv()

    root = Path(tempfile.mkdtemp(prefix="babelwire-soak-"))
    port = _free_port()
    create_site(
        root, title="Soak Wire", base_url=f"http://127.0.0.1:{port}", languages=("en", "es")
    )
    env = dict(
        os.environ,
        BABELWIRE_SITE=str(root),
        BABELWIRE_FETCH_INTERVAL_MINUTES="1",
        BABELWIRE_FETCH_MIN_INTERVAL_MINUTES="1",
        BABELWIRE_FETCH_MAX_INTERVAL_MINUTES="2",
        BABELWIRE_FETCH_READ_TIMEOUT="10",
        BABELWIRE_FETCH_TOTAL_TIMEOUT="20",
        BABELWIRE_FETCH_HOST_DELAY="0.2",
    )
    # Every outlet is on loopback: each source is allowed its own host, and only it.
    commands = []
    for spec in feeds:
        url = f"http://{spec.host}:{ports[spec.host]}/feed/{spec.index}"
        kind = "sitemap" if spec.hostile == "sitemap-colon" else "feed"
        commands.append((url, kind, spec))
    _add_sources(root, env, commands)

    log = (root / "run.log").open("w")
    run = subprocess.Popen([BABELWIRE, "run"], env=env, stdout=log, stderr=subprocess.STDOUT)
    serve = subprocess.Popen(
        [BABELWIRE, "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    _wait_for(lambda: _answers(base), 60)
    load = _Load(base, rate=20)
    load.start()

    samples = Samples()
    started = time.monotonic()
    end = started + minutes * 60
    run_exit: int | None = None
    while time.monotonic() < end:
        time.sleep(min(15.0, max(0.1, end - time.monotonic())))
        samples.times.append(time.monotonic() - started)
        for name, proc in (("run", run), ("serve", serve)):
            samples.rss[name].append(_rss_kb(proc.pid))
            samples.fds[name].append(_fds(proc.pid))
        if run.poll() is not None:
            run_exit = run.returncode
            break
        elapsed = (time.monotonic() - started) / 60
        print(
            f"  {elapsed:5.1f} min: run {samples.rss['run'][-1] / 1024:.0f} MiB "
            f"{samples.fds['run'][-1]} fds, serve {samples.rss['serve'][-1] / 1024:.0f} MiB "
            f"{samples.fds['serve'][-1]} fds, {_published(root)} published, "
            f"site {dict(load.statuses)}",
            flush=True,
        )

    conn.send("stop-adding")
    conn.recv()
    conn.send("entries")
    entries: dict[int, list[int]] = conn.recv()
    # Let the run catch up with the last entries (sources are polled within 2 min).
    good_urls = {
        canonical_url(f"http://{s.host}:{ports[s.host]}/a/{s.index}/{n}")
        for s in feeds
        if not s.hostile
        for n in entries[s.index]
    }
    catch_up = time.monotonic() + 600
    while run_exit is None and time.monotonic() < catch_up:
        if _published_among(root, good_urls) >= len(good_urls):
            break
        if run.poll() is not None:
            run_exit = run.returncode
            break
        time.sleep(10)
    still_running = run.poll() is None
    load.stop.set()
    load.join(timeout=35)
    for proc in (run, serve):
        proc.send_signal(signal.SIGINT)
    for proc in (run, serve):
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    conn.send("exit")
    server.join(timeout=10)
    log.close()

    return _report(
        root,
        feeds,
        ports,
        good_urls,
        samples,
        load,
        still_running=still_running,
        minutes=minutes,
    )


def _add_sources(
    root: Path, env: dict[str, str], commands: list[tuple[str, str, FeedSpec]]
) -> None:
    from babelwire.jobs.sources import add_source
    from babelwire.newsroom import Newsroom

    with Newsroom.open(root) as newsroom:
        for url, kind, spec in commands:
            add_source(
                newsroom,
                url,
                name=f"Outlet {spec.index}" + (f" ({spec.hostile})" if spec.hostile else ""),
                language="en",
                kind=kind,
                allow_private=True,
            )


def _answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/en/", timeout=5):
            return True
    except OSError:
        return False


def _wait_for(check: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise SystemExit("the site did not answer")


def _engine(root: Path):  # type: ignore[no-untyped-def]
    return create_engine(f"sqlite:///{root / 'babelwire.sqlite3'}")


def _published(root: Path) -> int:
    engine = _engine(root)
    try:
        with engine.connect() as db:
            return int(
                db.scalar(
                    select(func.count())
                    .select_from(ArticleRow)
                    .where(ArticleRow.stage == Stage.PUBLISHED)
                )
                or 0
            )
    finally:
        engine.dispose()


def _published_among(root: Path, urls: set[str]) -> int:
    engine = _engine(root)
    try:
        with engine.connect() as db:
            rows = db.execute(
                select(ArticleRow.canonical_url).where(ArticleRow.stage == Stage.PUBLISHED)
            ).all()
    finally:
        engine.dispose()
    return sum(1 for (url,) in rows if url in urls)


def _report(
    root: Path,
    feeds: list[FeedSpec],
    ports: dict[str, int],
    good_urls: set[str],
    samples: Samples,
    load: _Load,
    *,
    still_running: bool,
    minutes: float,
) -> int:
    engine = _engine(root)
    with engine.connect() as db:
        articles = db.execute(
            select(
                ArticleRow.id,
                ArticleRow.canonical_url,
                ArticleRow.stage,
                ArticleRow.source_id,
                ArticleRow.error,
            )
        ).all()
        spanish = set(
            db.scalars(
                select(TranslationRow.article_id).where(
                    TranslationRow.language == "es",
                    TranslationRow.status == TranslationStatus.TRANSLATED,
                )
            ).all()
        )
        sources = db.execute(
            select(
                SourceRow.url, SourceRow.last_error, SourceRow.consecutive_failures, SourceRow.id
            )
        ).all()
        titles = dict(db.execute(select(SourceRow.id, SourceRow.feed_title)).all())
        noted = set(
            db.scalars(select(FetchLogRow.source_id).where(FetchLogRow.error.is_not(None))).all()
        )
    engine.dispose()

    per_url = Counter(url for _, url, _, _, _ in articles)
    published = {url for _, url, stage, _, _ in articles if stage == Stage.PUBLISHED}
    translated = {url for aid, url, _, _, _ in articles if aid in spanish}
    missing = sorted(good_urls - published)
    untranslated = sorted((good_urls & published) - translated)
    doubled = sorted(u for u in good_urls if per_url[u] > 1)
    article_errors: Counter[int] = Counter(src for _, _, _, src, err in articles if err)
    by_url = {url: (err, failures, sid) for url, err, failures, sid in sources}
    unrecorded = []
    for spec in feeds:
        if not spec.hostile:
            continue
        url = f"http://{spec.host}:{ports[spec.host]}/feed/{spec.index}"
        error, failures, source_id = by_url[url]
        if spec.hostile == "markup-title":
            # Not a failure: a valid feed whose title must be kept as the text it is.
            if titles.get(source_id) != MARKUP_TITLE:
                unrecorded.append(spec.hostile)
        elif not (error or failures or article_errors[source_id] or source_id in noted):
            unrecorded.append(spec.hostile)

    warm = min(max(1, len(samples.times) // 5), max(0, len(samples.times) - 1))
    growth = {name: _growth(values, warm) for name, values in samples.rss.items()}
    fd_end = {name: values[-1] if values else 0 for name, values in samples.fds.items()}
    fd_warm = {
        name: max(values[: warm + 1]) if values else 0 for name, values in samples.fds.items()
    }
    fd_peak = {name: max(values) if values else 0 for name, values in samples.fds.items()}
    server_errors = sum(n for status, n in load.statuses.items() if status >= 500)

    print()
    print(
        f"soak: {len(feeds)} sources ({sum(1 for f in feeds if f.hostile)} hostile), "
        f"{minutes:g} min, {platform.machine()}, {os.cpu_count()} cores, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"  run still running at the end:   {still_running}")
    print(f"  good entries:                   {len(good_urls)}")
    print(
        f"  published once, translated:     {len(good_urls) - len(missing)} "
        f"(missing {len(missing)}, doubled {len(doubled)}, untranslated {len(untranslated)})"
    )
    print(
        f"  hostile sources recorded:       "
        f"{sum(1 for f in feeds if f.hostile) - len(unrecorded)} of "
        f"{sum(1 for f in feeds if f.hostile)} {sorted(set(unrecorded)) or ''}"
    )
    print(
        f"  site requests:                  {sum(load.statuses.values())} "
        f"{dict(sorted(load.statuses.items()))}, client errors {dict(load.errors)}"
    )
    for name in ("run", "serve"):
        values = samples.rss[name]
        if not values:
            continue
        print(
            f"  {name:5} RSS after warm-up -> end:  {values[warm] / 1024:.0f} -> "
            f"{values[-1] / 1024:.0f} MiB (growth {growth[name]:+.1%}); fds warm-up max "
            f"{fd_warm[name]}, peak {fd_peak[name]}, end {fd_end[name]}"
        )
    if missing[:5]:
        print("  first missing:", *missing[:5])
    ok = (
        still_running
        and not missing
        and not doubled
        and not untranslated
        and not unrecorded
        and server_errors == 0
        and all(g < 0.10 for g in growth.values())
        and all(fd_end[n] <= fd_warm[n] + 8 for n in fd_end)
    )
    print(f"  verdict: {'pass' if ok else 'FAIL'} (site folder {root})")
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-n", "--sources", type=int, default=300)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument(
        "--entry-seconds",
        type=float,
        default=3.0,
        help="seconds between two new entries (on a random good feed)",
    )
    parser.add_argument("--hostile-share", type=float, default=0.1)
    args = parser.parse_args()
    raise SystemExit(soak(args.sources, args.minutes, args.entry_seconds, args.hostile_share))


if __name__ == "__main__":
    main()
