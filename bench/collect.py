"""Collection at scale: 1,000 feeds on 50 simulated hosts, polite limits on, one full cycle.

Each simulated host is its own loopback address (127.0.0.10 to 127.0.0.59) with
its own listener and a fixed answer latency between 20 and 200 ms; 20 feeds
live on each. A first (cold) cycle reads every feed; then 10% of the feeds
get a new item and a new ETag, and the measured cycle polls all 1,000 again:
the unchanged 900 must come back as 304 and never be parsed.

The site's politeness settings are the defaults (2 connections and 1 s
between requests per host, 50 in flight overall), so a cycle cannot be
shorter than the per-host floor: (feeds per host - 1) x delay. The ratio of
the cycle to that floor is printed next to the time, with requests per host
per second (which must not exceed 1 / delay) and the most connections one
host saw at once (which must not exceed 2), both counted by the server.

    python bench/collect.py              # 1,000 feeds, 50 hosts, 3 rounds
    python bench/collect.py -n 200 -r 1  # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import multiprocessing
import os
import platform
import random
import resource
import statistics
import tempfile
import threading
import time
import typing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from multiprocessing.connection import Connection
from pathlib import Path

from babelwire.jobs.refresh import refresh_round
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import add_source
from babelwire.newsroom import Newsroom

ITEMS = 10  # items per feed


@dataclass
class FeedState:
    version: int = 0


@dataclass
class HostLog:
    """What one simulated host saw, counted on the server side."""

    starts: list[float] = field(default_factory=list)
    in_flight: int = 0
    peak_in_flight: int = 0
    not_modified: int = 0
    full: int = 0


class SimulatedHosts:
    """`hosts` loopback addresses, each with its latency and its feeds.

    The server runs in its own process, so its clock and its event loop are
    not slowed by the client's work: what it counts is what a host would see.
    """

    def __init__(self, hosts: int, feeds: int, seed: int = 7) -> None:
        self.hosts, self.feed_count, self.seed = hosts, feeds, seed
        self._conn, child = multiprocessing.Pipe()
        self._process = multiprocessing.Process(
            target=_serve_hosts, args=(child, hosts, feeds, seed), daemon=True
        )
        self.ports: dict[str, int] = {}
        self.paths: list[tuple[str, str]] = []

    def urls(self) -> list[str]:
        return [f"http://{a}:{self.ports[a]}{path}" for a, path in self.paths]

    def _ask(self, *command: object) -> typing.Any:
        self._conn.send(command)
        return self._conn.recv()

    def change(self, fraction: float, seed: int) -> int:
        return int(self._ask("change", fraction, seed))

    def reset_logs(self) -> None:
        self._ask("reset")

    def logs(self) -> dict[str, HostLog]:
        return typing.cast(dict[str, HostLog], self._ask("logs"))

    def __enter__(self) -> SimulatedHosts:
        self._process.start()
        self.ports, self.paths = self._conn.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        self._ask("stop")
        self._process.join(5)


def _serve_hosts(conn: Connection, hosts: int, feeds: int, seed: int) -> None:
    server = _HostsServer(hosts, feeds, seed)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    server.ready.wait(30)
    conn.send((server.ports, list(server.feeds)))
    while True:
        command = conn.recv()
        if command[0] == "change":
            conn.send(server.change(command[1], random.Random(command[2])))
        elif command[0] == "reset":
            server.logs = {a: HostLog() for a in server.addresses}
            conn.send(None)
        elif command[0] == "logs":
            conn.send(server.logs)
        else:
            conn.send(None)
            return


class _HostsServer:
    def __init__(self, hosts: int, feeds: int, seed: int) -> None:
        rng = random.Random(seed)
        self.addresses = [f"127.0.0.{10 + n}" for n in range(hosts)]
        self.latency = {a: rng.uniform(0.020, 0.200) for a in self.addresses}
        self.feeds: dict[tuple[str, str], FeedState] = {}
        for n in range(feeds):
            self.feeds[(self.addresses[n % hosts], f"/feed/{n}.xml")] = FeedState()
        self.logs = {a: HostLog() for a in self.addresses}
        self.ports: dict[str, int] = {}
        self.ready = threading.Event()

    def change(self, fraction: float, rng: random.Random) -> int:
        chosen = rng.sample(list(self.feeds), int(len(self.feeds) * fraction))
        for key in chosen:
            self.feeds[key].version += 1
        return len(chosen)

    def run(self) -> None:
        loop = asyncio.new_event_loop()

        async def start() -> None:
            for address in self.addresses:
                server = await asyncio.start_server(
                    functools.partial(self._serve, address), address, 0
                )
                self.ports[address] = server.sockets[0].getsockname()[1]

        loop.run_until_complete(start())
        self.ready.set()
        loop.run_forever()

    async def _serve(
        self, address: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                log = self.logs[address]
                log.starts.append(time.monotonic())
                log.in_flight += 1
                log.peak_in_flight = max(log.peak_in_flight, log.in_flight)
                try:
                    await asyncio.sleep(self.latency[address])
                    writer.write(self._answer(address, path, headers, log))
                    await writer.drain()
                finally:
                    log.in_flight -= 1
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def _answer(self, address: str, path: str, headers: dict[str, str], log: HostLog) -> bytes:
        if path == "/robots.txt":
            return _response(200, b"User-agent: *\nAllow: /\n", "text/plain")
        state = self.feeds.get((address, path))
        if state is None:
            return _response(404, b"", "text/plain")
        etag = f'"{state.version}"'
        if headers.get("if-none-match") == etag:
            log.not_modified += 1
            return _response(304, b"", "", etag)
        log.full += 1
        return _response(200, _feed(address, path, state.version), "application/rss+xml", etag)


def _response(status: int, body: bytes, content_type: str, etag: str = "") -> bytes:
    reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    if etag:
        lines.append(f"ETag: {etag}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _feed(address: str, path: str, version: int) -> bytes:
    now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    items = []
    for n in range(version, version + ITEMS):
        when = format_datetime(now - timedelta(hours=n), usegmt=True)
        link = f"http://{address}/story{path.removesuffix('.xml')}/{n}"
        items.append(
            f"<item><title>Story {n} of {path}</title><link>{link}</link>"
            f"<guid>{link}</guid><pubDate>{when}</pubDate>"
            f"<description>Summary of story {n}.</description></item>"
        )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{path}</title>'
        f"<link>http://{address}/</link>{''.join(items)}</channel></rss>"
    ).encode()


@dataclass
class Cycle:
    seconds: float
    feeds: int
    errors: int
    not_modified: int
    full: int
    busiest_rate: float  # requests per second to the busiest host
    peak_per_host: int
    smallest_gap: float  # between two arrivals at one host, as the server saw them
    client_gap: float  # between two request starts to one host, as the client made them

    @property
    def feeds_per_s(self) -> float:
        return self.feeds / self.seconds


def measure(newsroom: Newsroom, hosts: SimulatedHosts, ids: list[int]) -> Cycle:
    hosts.reset_logs()
    started = time.perf_counter()
    polled = refresh_round(newsroom, ids)
    seconds = time.perf_counter() - started
    logs = hosts.logs()
    rates, gaps = [], []
    for log in logs.values():
        starts = sorted(log.starts)
        if len(starts) > 1:
            rates.append((len(starts) - 1) / (starts[-1] - starts[0]))
            gaps.append(min(b - a for a, b in itertools.pairwise(starts)))
    return Cycle(
        seconds=seconds,
        feeds=len(ids),
        errors=sum(1 for r in polled.reports if r.error),
        not_modified=sum(log.not_modified for log in logs.values()),
        full=sum(log.full for log in logs.values()),
        busiest_rate=max(rates, default=0.0),
        peak_per_host=max(log.peak_in_flight for log in logs.values()),
        smallest_gap=min(gaps, default=0.0),
        client_gap=min(h.smallest_gap for h in polled.hosts.values()),
    )


def one_round(feeds: int, host_count: int, changed: float, seed: int) -> tuple[Cycle, Cycle]:
    with (
        tempfile.TemporaryDirectory(prefix="babelwire-collect-") as folder,
        SimulatedHosts(host_count, feeds, seed) as hosts,
    ):
        root = Path(folder)
        create_site(root, title="collect bench", languages=["en"])
        with Newsroom.open(root) as newsroom:
            ids = [add_source(newsroom, url, allow_private=True).id for url in hosts.urls()]
            cold = measure(newsroom, hosts, ids)
            hosts.change(changed, seed)
            warm = measure(newsroom, hosts, ids)
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--feeds", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--changed", type=float, default=0.10)
    parser.add_argument("-r", "--rounds", type=int, default=3)
    args = parser.parse_args()
    # The site's defaults are what is measured; only the guard is told that
    # these loopback hosts are meant (each source is added with allow_private).
    for name in ("HOST_DELAY", "HOST_CONCURRENCY", "CONCURRENCY", "ALLOW_PRIVATE_NETWORKS"):
        os.environ.pop(f"BABELWIRE_FETCH_{name}", None)
    delay, per_host = 1.0, 2
    per_host_feeds = -(-args.feeds // args.hosts)
    floor = (per_host_feeds - 1) * delay
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"{args.feeds} feeds on {args.hosts} hosts (20-200 ms latency), "
        f"{args.changed:.0%} changed, limits: {per_host} per host, {delay:g} s apart, "
        f"floor {floor:.0f} s per cycle"
    )
    warm_cycles = []
    for number in range(1, args.rounds + 1):
        cold, warm = one_round(args.feeds, args.hosts, args.changed, seed=number)
        warm_cycles.append(warm)
        for label, cycle in (("cold", cold), ("cycle", warm)):
            print(
                f"round {number} {label}: {cycle.seconds:.1f} s, {cycle.feeds_per_s:.1f} feeds/s, "
                f"{cycle.full} full + {cycle.not_modified} 304, {cycle.errors} errors, "
                f"busiest host {cycle.busiest_rate:.2f} req/s, "
                f"at most {cycle.peak_per_host} at once per host, "
                f"smallest gap {cycle.client_gap:.2f} s sent, {cycle.smallest_gap:.2f} s received"
            )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    median = statistics.median
    cycle_s = median(c.seconds for c in warm_cycles)
    print("median over rounds (the cycle after 10% changed):")
    print(f"  full cycle               {cycle_s:8.1f} s")
    print(f"  ratio to politeness floor{cycle_s / floor:8.2f}")
    print(f"  feeds/s                  {median(c.feeds_per_s for c in warm_cycles):8.1f}")
    print(f"  busiest host             {median(c.busiest_rate for c in warm_cycles):8.2f} req/s")
    print(f"  304 answers              {median(c.not_modified for c in warm_cycles):8.0f}")
    print(f"  peak memory (RSS)        {peak_mib:8.0f} MiB")


if __name__ == "__main__":
    main()
