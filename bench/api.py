"""The JSON API at scale: requests/s and latency of a real `babelwire serve` under load,
and the NDJSON export's rate and the server's memory while it streams.

Creates a site of N articles (default 100,000; bench/site.py's bulk fixture: two
editions, every article translated into English) and starts `babelwire serve` on
127.0.0.1 with the API's rate limits off (a load generator is one address). The load
generator runs on the same machine (wrk when installed, else bench/site.py's asyncio
client), and each row is the median of several runs beside the stylesheet route of
the same server (no database, no template) as the baseline. Rows:

- article list: the first page of an edition (20 articles), and pages deep in it
  (2,000 cursors taken by walking the list);
- one article: 2,000 random ids, the full record with its translations;
- one article revalidated: the same with If-None-Match, answered 304.

Each is measured with the page cache on, as it is by default (an API answer is
replayed for `api.cache_seconds`, 60 s, while the database is unchanged; every URL
is asked for once before the runs), and off (every answer made afresh). Then the
export: the whole site streamed as NDJSON with a viewer token, articles/s and the
server's resident memory before, during and after.

    python bench/api.py                    # 100,000 articles
    python bench/api.py -n 10000 --seconds 5
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from babelwire.jobs.audit import command_actor
from babelwire.jobs.site import create_site
from babelwire.jobs.tokens import create_token
from babelwire.newsroom import Newsroom

TARGET_RPS = 1000.0
TARGET_P99_MS = 50.0
TARGET_EXPORT = 2000.0


def _bench_site_module() -> Any:
    """bench/site.py (its name is also the standard library's `site`: loaded by path)."""
    spec = importlib.util.spec_from_file_location("bench_site", Path(__file__).with_name("site.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench_site = _bench_site_module()


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _start(root: Path, cache_seconds: int, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = bench_site._free_port()
    env = {
        **os.environ,
        "BABELWIRE_SITE_PAGE_CACHE_SECONDS": str(cache_seconds),
        "BABELWIRE_API_ADDRESS_REQUESTS_PER_MINUTE": "0",
        "BABELWIRE_API_TOKEN_REQUESTS_PER_MINUTE": "0",
    }
    command = [sys.executable, "-m", "babelwire.cli.main", "serve", "--site", str(root)]
    command += ["--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(base + "/style.css", timeout=1)
            return server, base
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.3)


def _cursors(base: str, count: int) -> list[str]:
    """`count` list pages spread over the edition: every cursor of a walk with big
    pages, then sampled."""
    found: list[str] = []
    cursor: str | None = None
    with httpx.Client(base_url=base, timeout=60) as client:
        while True:
            params = {"edition": "en", "limit": "100"}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/api/v1/articles", params=params).json()
            cursor = page["next_cursor"]
            if cursor is None:
                break
            found.append(cursor)
    rng = random.Random(5)
    chosen = rng.sample(found, min(count, len(found)))
    return [f"/api/v1/articles?edition=en&cursor={c}" for c in chosen]


def _etagged(base: str, paths: list[str]) -> list[tuple[str, str]]:
    with httpx.Client(base_url=base, timeout=60) as client:
        return [(p, client.get(p).headers["etag"]) for p in paths]


def _load_conditional(
    base: str, pairs: list[tuple[str, str]], seconds: int, connections: int
) -> dict[str, float]:
    """The asyncio client's load, each request carrying its path's ETag (304 answers)."""
    import asyncio
    import re

    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors: list[int] = []

    async def client(until: float) -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        i = random.randrange(len(pairs))
        while time.perf_counter() < until:
            path, etag = pairs[i % len(pairs)]
            i += 1
            started = time.perf_counter()
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {host}\r\nIf-None-Match: {etag}\r\n\r\n".encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            length = re.search(rb"content-length: (\d+)", head, re.I)
            if length:
                await reader.readexactly(int(length.group(1)))
            latencies.append((time.perf_counter() - started) * 1000)
            if not head.startswith(b"HTTP/1.1 304"):
                errors.append(1)
        writer.close()

    async def run() -> None:
        until = time.perf_counter() + seconds
        await asyncio.gather(*(client(until) for _ in range(connections)))

    started = time.perf_counter()
    asyncio.run(run())
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[int(len(latencies) * 0.99)],
        "errors": float(len(errors)),
    }


def _measure(
    name: str,
    base: str,
    paths: list[str],
    args: argparse.Namespace,
    baseline: float | None,
    warm: bool = False,
    conditional: list[tuple[str, str]] | None = None,
) -> float:
    if conditional is not None:
        paths = [path for path, _ in conditional]

    def one(seconds: int) -> dict[str, float]:
        if conditional is not None:
            return _load_conditional(base, conditional, seconds, args.connections)
        result: dict[str, float] = bench_site.load(base, paths, seconds, args.connections)
        return result

    one(1)  # warm up
    if warm:
        # Every URL asked for once: the API's answers are kept api.cache_seconds (60 s),
        # longer than the runs that follow.
        with httpx.Client(base_url=base, timeout=60) as client:
            for path in paths:
                client.get(path)
    runs = [one(args.seconds) for _ in range(args.rounds)]
    rps = statistics.median(r["rps"] for r in runs)
    p50 = statistics.median(r["p50"] for r in runs)
    p99 = statistics.median(r["p99"] for r in runs)
    errors = sum(r["errors"] for r in runs)
    ratio = f"{rps / baseline:.2f}x baseline" if baseline else "baseline"
    meets = ""
    if baseline:
        meets = "  meets target" if rps >= TARGET_RPS and p99 < TARGET_P99_MS else "  below target"
    print(
        f"  {name:42} {rps:8.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  ({ratio})"
        f"{meets}{f'  errors: {errors:.0f}' if errors else ''}"
    )
    return rps


def serve_rows(root: Path, newsroom: Newsroom, args: argparse.Namespace, cache: int) -> None:
    server, base = _start(root, cache, args.serve_workers)
    try:
        rng = random.Random(7)
        ids = [rng.randrange(1, args.articles + 1) for _ in range(2000)]
        articles = [f"/api/v1/articles/{i}" for i in ids]
        deep = _cursors(base, 2000)
        tool = "wrk" if bench_site.shutil.which("wrk") else "asyncio client"
        kind = (
            "steady state: replays and a fresh answer per URL every 10 s"
            if cache
            else ("every answer made afresh")
        )
        print(
            f"\nAPI, page cache {cache} s ({kind}): {args.serve_workers} uvicorn "
            f"process(es), {tool} on the same machine, {args.connections} connections, "
            f"{args.seconds} s each (median of {args.rounds})"
        )
        baseline = _measure("stylesheet (baseline)", base, ["/style.css"], args, None)
        rows = {
            "article list, first page (/articles?edition=en)": ["/api/v1/articles?edition=en"],
            "article list, 2,000 deep pages (cursors)": deep,
            "one article (2,000 random ids)": articles,
        }
        for name, paths in rows.items():
            _measure(name, base, paths, args, baseline, warm=bool(cache))
        _measure(
            "one article revalidated (If-None-Match: 304)",
            base,
            articles,
            args,
            baseline,
            warm=bool(cache),
            conditional=_etagged(base, articles),
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def export_row(root: Path, newsroom: Newsroom, args: argparse.Namespace) -> None:
    _, token = create_token(newsroom, "bench-export", "viewer", actor=command_actor())
    server, base = _start(root, 0, 1)
    try:
        # One small request first, so that "before" is a warmed-up server.
        httpx.get(base + "/api/v1/articles/1", timeout=60)
        before = _rss_kib(server.pid)
        peak = before
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.wait(0.2):
                peak = max(peak, _rss_kib(server.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        lines = 0
        size = 0
        started = time.perf_counter()
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.stream("GET", base + "/api/v1/export", headers=headers, timeout=600) as answer:
            answer.raise_for_status()
            for chunk in answer.iter_lines():
                if chunk:
                    lines += 1
                    size += len(chunk)
        seconds = time.perf_counter() - started
        stop.set()
        sampler.join()
        after = _rss_kib(server.pid)
        rate = lines / seconds
        verdict = "meets target" if rate >= TARGET_EXPORT else "below target"
        print(
            f"\nexport (GET /api/v1/export, NDJSON, one process): {lines:,} articles, "
            f"{size / 1e6:,.0f} MB in {seconds:.1f} s = {rate:,.0f} articles/s ({verdict})"
        )
        print(
            f"  server resident memory: {before / 1024:.0f} MiB before, "
            f"peak {peak / 1024:.0f} MiB while streaming, {after / 1024:.0f} MiB after"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--articles", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=5, help="per run (under the cache's 10 s)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--serve-workers", type=int, default=1)
    parser.add_argument("--no-cache-off", action="store_true", help="skip the cache-off rows")
    args = parser.parse_args()
    print(
        f"babelwire API benchmark: {platform.node()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d}"
    )
    with tempfile.TemporaryDirectory(prefix="bw-api-bench-") as tmp:
        root = Path(tmp) / "site"
        create_site(root, title="Bench Wire", base_url="https://bench.example")
        newsroom = Newsroom.open(root)
        try:
            started = time.perf_counter()
            bench_site.populate(newsroom, args.articles)
            print(f"inserted {args.articles:,} articles in {time.perf_counter() - started:.1f} s")
            serve_rows(root, newsroom, args, cache=10)  # site.page_cache_seconds, the default
            if not args.no_cache_off:
                serve_rows(root, newsroom, args, cache=0)
            export_row(root, newsroom, args)
        finally:
            newsroom.close()


if __name__ == "__main__":
    main()
