"""Politeness per host: few requests at once, a pause between them, and Retry-After.

Limits belong to the host, not to the source: twenty sources on one news site
share its two connections and its one-second spacing, so following more of a
site's feeds never means hitting it harder. A global bound caps connections
in flight across all hosts. A host that asked us to wait (429/503 with
Retry-After) gets no request from any source until the time has passed.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["HostLimits", "HostPaused", "HostSpacing", "HostStats", "host_key"]


class HostPaused(Exception):
    """The host asked us to wait (Retry-After) and the time has not come yet."""

    def __init__(self, host: str, seconds: float) -> None:
        super().__init__(f"{host} asked to wait {seconds:.0f} s more (Retry-After)")
        self.seconds = seconds


def host_key(url: str) -> str:
    """The host a URL's request lands on: its name, lowercased, without the port."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


@dataclass(slots=True)
class HostStats:
    """What one host saw: for the benchmark and for checking the limits hold."""

    requests: int = 0
    peak_in_flight: int = 0
    smallest_gap: float = float("inf")  # seconds between two request starts
    first_start: float = 0.0
    last_start: float = 0.0


@dataclass(slots=True)
class _Host:
    slots: asyncio.Semaphore
    next_start: float = 0.0
    paused_until: float = 0.0
    in_flight: int = 0
    stats: HostStats = field(default_factory=HostStats)


class HostLimits:
    """Admission control for requests, shared by every fetch of one polling round.

    Example::

        limits = HostLimits(concurrency=50, per_host=2, delay=1.0)
        async with limits.slot(url):
            result = await fetcher.fetch(url)

    Create it inside the event loop that uses it (asyncio primitives bind to
    their loop).
    """

    def __init__(
        self,
        *,
        concurrency: int = 50,
        per_host: int = 2,
        delay: float = 1.0,
        next_starts: dict[str, float] | None = None,
    ) -> None:
        self.per_host = max(1, per_host)
        self.delay = max(0.0, delay)
        self._global = asyncio.Semaphore(max(1, concurrency))
        self._hosts: dict[str, _Host] = {}
        # Earliest next start per host (time.monotonic), carried from round to round:
        # a host polled at the end of one round waits its delay into the next.
        self.next_starts = next_starts if next_starts is not None else {}

    def _host(self, key: str) -> _Host:
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host(
                asyncio.Semaphore(self.per_host), next_start=self.next_starts.get(key, 0.0)
            )
        return host

    @asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Wait for the host's turn, then hold one of its connections until the block ends.

        Raises HostPaused, without waiting, while the host's Retry-After runs.
        """
        key = host_key(url)
        host = self._host(key)
        async with host.slots:
            paused = host.paused_until - time.monotonic()
            if paused > 0:
                raise HostPaused(key, paused)
            # Spacing is measured between actual starts: the check and the
            # update run with no await between them, so of several waiters
            # woken together only one goes, and a request woken late by a busy
            # event loop never squeezes the next one closer. A request waiting
            # for its host's delay holds none of the global slots.
            while True:
                wait = host.next_start - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                await self._global.acquire()
                began = time.monotonic()
                if host.next_start <= began:
                    host.next_start = began + self.delay
                    self.next_starts[key] = host.next_start
                    break
                self._global.release()
            try:
                stats = host.stats
                if stats.requests:
                    stats.smallest_gap = min(stats.smallest_gap, began - stats.last_start)
                else:
                    stats.first_start = began
                stats.requests += 1
                stats.last_start = began
                host.in_flight += 1
                stats.peak_in_flight = max(stats.peak_in_flight, host.in_flight)
                try:
                    yield
                finally:
                    host.in_flight -= 1
            finally:
                self._global.release()

    def pause(self, url: str, seconds: float) -> None:
        """The host asked us to wait (Retry-After): nothing goes to it before then."""
        host = self._host(host_key(url))
        host.paused_until = max(host.paused_until, time.monotonic() + max(0.0, seconds))

    @property
    def stats(self) -> dict[str, HostStats]:
        return {key: host.stats for key, host in self._hosts.items()}


class HostSpacing:
    """The same per-host bound and delay for blocking fetches (the article stage's pages).

    Thread-safe: each thread waits for its host's turn, then holds one of its
    connections for the duration of the request.
    """

    def __init__(self, *, per_host: int = 2, delay: float = 1.0) -> None:
        self.per_host = max(1, per_host)
        self.delay = max(0.0, delay)
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._next: dict[str, float] = {}
        self._paused: dict[str, float] = {}

    def pause(self, url: str, seconds: float) -> None:
        """The host asked us to wait (Retry-After): its requests fail fast until then."""
        key = host_key(url)
        with self._lock:
            until = time.monotonic() + max(0.0, seconds)
            self._paused[key] = max(self._paused.get(key, 0.0), until)

    @contextmanager
    def slot(self, url: str) -> Iterator[None]:
        """Raises HostPaused, without waiting, while the host's Retry-After runs."""
        key = host_key(url)
        with self._lock:
            slots = self._slots.setdefault(key, threading.BoundedSemaphore(self.per_host))
            paused = self._paused.get(key, 0.0) - time.monotonic()
        if paused > 0:
            raise HostPaused(key, paused)
        with slots:
            while True:
                with self._lock:
                    now = time.monotonic()
                    wait = self._next.get(key, 0.0) - now
                    if wait <= 0:
                        self._next[key] = now + self.delay
                        break
                time.sleep(wait)
            yield
