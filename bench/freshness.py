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

Baseline in the same run: one article's processing time (extract, translate and
publish of a new entry alone, from the recorded stage runs), against the wait the
backlog and the other new entries added to each new entry (seen to live, less its
own processing).

    python bench/freshness.py                    # short: 40 sources, 300 backlog, 90 s
    python bench/freshness.py --full             # 200 sources, 2,000 backlog, 10 min
    python bench/freshness.py --static           # live = after the incremental build

Push sources (a hub) join once the WebSub subscriber is in: `add_push_sources` is the
hook, `--hub N` the flag.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from babelwire.demo.server import DemoServer, SampleArticle, SampleOutlet, synthetic_outlet
from babelwire.jobs.fast_lane import FastLane
from babelwire.jobs.freshness import record_build
from babelwire.jobs.refresh import refresh_sources
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import add_source
from babelwire.newsroom import Newsroom
from babelwire.runners.local import run_forever
from babelwire.storage import sources as source_queries
from babelwire.storage.freshness import quantile
from babelwire.storage.tables import ArticleRow, SourceRow, TaskRunRow

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
    hub: int = 0


SHORT = Scale(sources=40, backlog=300, seconds=90.0)
FULL = Scale(sources=200, backlog=2000, seconds=600.0, hub=0)


@dataclass
class Outlet:
    """One source: its server, its outlet, how often it posts, its unused texts."""

    server: DemoServer
    outlet: SampleOutlet
    gap_minutes: float
    hot: bool
    texts: list[SampleArticle] = field(default_factory=list)
    published: list[tuple[str, datetime]] = field(default_factory=list)


def add_push_sources(newsroom: Newsroom, outlets: list[Outlet], count: int) -> None:
    """The hook for sources that push through a hub: subscribe `count` of the outlets.

    Needs the WebSub subscriber and a loopback hub; until they are in, push sources
    cannot be measured and `--hub` is refused."""
    if count:
        raise SystemExit("--hub: push sources need the WebSub subscriber (not in this build)")


def make_outlets(scale: Scale, rng: random.Random) -> tuple[list[DemoServer], list[Outlet]]:
    now = datetime.now(UTC).replace(microsecond=0)
    hosts = max(1, -(-scale.sources // SOURCES_PER_HOST))
    servers = [DemoServer([], host=f"127.0.0.{2 + n}") for n in range(hosts)]
    outlets: list[Outlet] = []
    for number in range(scale.sources):
        hot = number < scale.sources * HOT_SHARE
        gap = HOT_GAP_MINUTES if hot else rng.uniform(10, 60)
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


def make_site(root: Path, servers: list[DemoServer], outlets: list[Outlet], backlog: int) -> None:
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


def publisher(
    outlets: list[Outlet], until: float, stop: threading.Event, rng: random.Random
) -> None:
    """Post new articles at random times (exponential gaps at each source's rhythm)."""
    due = {id(o): time.monotonic() + rng.expovariate(60 / (o.gap_minutes * 60)) for o in outlets}
    while not stop.is_set() and time.monotonic() < until:
        for outlet in outlets:
            if time.monotonic() >= due[id(outlet)] and outlet.texts:
                text = outlet.texts.pop()
                now = datetime.now(UTC).replace(microsecond=0)
                slug = f"new-{len(outlet.published):03d}"
                outlet.server.add_article(
                    outlet.outlet.slug, replace(text, slug=slug, published=now)
                )
                outlet.published.append((slug, now))
                due[id(outlet)] = time.monotonic() + rng.expovariate(1 / (outlet.gap_minutes * 60))
        stop.wait(0.2)


def summary(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    p50, p95 = quantile(ordered, 0.5), quantile(ordered, 0.95)
    return f"p50 {p50:6.1f} s  p95 {p95:6.1f} s  max {ordered[-1]:6.1f} s  (n={len(ordered)})"


def processing_seconds(newsroom: Newsroom, since: datetime) -> dict[int, float]:
    """Per article carried alone, the seconds its own stage runs took."""
    found: dict[int, float] = {}
    with newsroom.sessions() as session:
        rows = session.execute(
            select(TaskRunRow.items, TaskRunRow.seconds, TaskRunRow.stage).where(
                TaskRunRow.enqueued_at >= since
            )
        ).all()
    for items, seconds, stage in rows:
        if stage != "fetch" and len(items) == 1 and seconds is not None:
            found[int(items[0])] = found.get(int(items[0]), 0.0) + float(seconds)
    return found


def run(scale: Scale, *, static: bool, seed: int) -> None:
    rng = random.Random(seed)
    servers, outlets = make_outlets(scale, rng)
    for server in servers:
        server.start()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "site"
        make_site(root, servers, outlets, scale.backlog)
        newsroom = Newsroom.open(root)
        add_push_sources(newsroom, outlets, scale.hub)
        with newsroom.sessions() as session:
            ids = source_queries.enabled_source_ids(session)
        began = time.perf_counter()
        refresh_sources(newsroom, ids)  # the backlog and every source's history: waiting
        print(
            f"setup: {len(ids)} sources on {len(servers)} hosts polled in "
            f"{time.perf_counter() - began:.1f} s"
        )
        with newsroom.sessions() as session:
            hot_ids = {
                s.id
                for s in session.scalars(select(SourceRow))
                if (s.poll_reason or "").startswith("hot")
            }
            waiting = len(list(session.scalars(select(ArticleRow.id))))
        print(f"backlog: {waiting} articles waiting; hot sources: {len(hot_ids)}")
        outdir = Path(folder) / "out"
        on_live: Callable[[list[int]], None] | None = None
        if static:

            def on_live(_ids: list[int]) -> None:
                from babelwire.publish.static import build_site_report

                started = datetime.now(UTC)
                build_site_report(newsroom, outdir, search_index=False)
                record_build(newsroom, started)

            on_live([])  # the first build is a full one, before the clock starts
        start = datetime.now(UTC)
        stop = threading.Event()
        lane = FastLane(newsroom, on_live=on_live)
        runner = threading.Thread(
            target=run_forever,
            kwargs={"newsroom": newsroom, "stop": stop, "on_report": lambda r: None, "lane": lane},
            daemon=True,
        )
        runner.start()
        until = time.monotonic() + scale.seconds
        publisher(outlets, until, stop, rng)
        grace = 30.0  # posts of the last seconds: their next poll and carry
        time.sleep(grace)
        stop.set()
        end = datetime.now(UTC)
        report(newsroom, outlets, hot_ids, start, end, static, scale, grace)
        # The runner's pass may still be on the backlog: it ends with the process, quietly.
        logging.getLogger("babelwire").disabled = True
        logging.getLogger("babelwire.run").disabled = True
    for server in servers:
        server.stop()


def report(
    newsroom: Newsroom,
    outlets: list[Outlet],
    hot_ids: set[int],
    start: datetime,
    end: datetime,
    static: bool,
    scale: Scale,
    grace: float,
) -> None:
    with newsroom.sessions() as session:
        rows = session.execute(
            select(
                ArticleRow.id,
                ArticleRow.source_id,
                ArticleRow.url,
                ArticleRow.published_at,
                ArticleRow.seen_at,
                ArticleRow.first_published_at,
                ArticleRow.built_at,
            )
        ).all()
    own = processing_seconds(newsroom, start)
    posted = sum(len(o.published) for o in outlets)
    new = [r for r in rows if "/new-" in r.url]
    live_at = {r.id: (r.built_at if static else r.first_published_at) for r in new}
    hot, other, waits = [], [], []
    for r in new:
        live = live_at[r.id]
        if live is None or r.published_at is None:
            continue
        delay = max(0.0, (live - r.published_at).total_seconds())
        (hot if r.source_id in hot_ids else other).append(delay)
        if r.id in own and r.seen_at is not None:
            seen_to_live = (r.first_published_at - r.seen_at).total_seconds()
            waits.append(max(0.0, seen_to_live - own[r.id]))
    backlog_done = sum(
        1
        for r in rows
        if "/new-" not in r.url
        and r.first_published_at is not None
        and r.first_published_at >= start
    )
    one = statistics.median(own.values()) if own else float("nan")
    hot_interval = newsroom.config.settings.fetch.hot_interval_seconds
    mode = "static incremental build" if static else "serve (live at publish)"
    print()
    print(
        f"{scale.sources} sources ({len(hot_ids)} hot), backlog {scale.backlog}, "
        f"{scale.seconds:.0f} s of posts + {grace:.0f} s, {mode}"
    )
    print(f"posted {posted}, found {len(new)}, live {sum(1 for v in live_at.values() if v)}")
    print(f"source-to-live, hot sources (interval {hot_interval} s): {summary(hot)}")
    print(f"source-to-live, other sources:                   {summary(other)}")
    print(f"one article's processing (carried alone): p50 {one:.2f} s")
    print(f"wait added by backlog and other new entries:  {summary(waits)}")
    if waits:
        print(f"  ratio p50 wait / one article: {statistics.median(waits) / one:.2f}")
    seconds = (end - start).total_seconds()
    print(f"backlog published meanwhile: {backlog_done} ({backlog_done / seconds:.2f} articles/s)")
    if hot:
        target = hot_interval + 15
        p95 = quantile(sorted(hot), 0.95) or 0.0
        print(
            f"target hot p95 < interval + 15 s = {target} s: {'met' if p95 < target else 'MISSED'}"
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
    parser.add_argument("--hub", type=int, default=0, help="push sources (needs WebSub)")
    parser.add_argument("--static", action="store_true", help="live = incremental build done")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    scale = FULL if args.full else SHORT
    scale = Scale(
        sources=args.sources or scale.sources,
        backlog=args.backlog if args.backlog is not None else scale.backlog,
        seconds=args.seconds or scale.seconds,
        hub=args.hub,
    )
    run(scale, static=args.static, seed=args.seed)


if __name__ == "__main__":
    main()
