"""robots.txt: read once per host (protego), cached, and obeyed for every request.

Following RFC 9309: a robots.txt that does not exist (4xx) allows everything; one
that cannot be reached (5xx, network failure) disallows everything for now, and is
asked again after `retry_seconds`.

A host's rules are kept apart for fetches made under an allowance that names
it (fetch/guard.py) and for all others: robots.txt is fetched under the
allowance of the source asking, so a copy read (or refused) for one source is
never the answer for a source the guard treats differently.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

from babelwire.model import FetchResult
from babelwire.pipeline.fetch.guard import covered
from babelwire.pipeline.fetch.http import Fetcher, FetchError

UNREACHABLE = "robots.txt unreachable"  # starts a refusal that may pass once it can be read


@dataclass(slots=True)
class _HostRules:
    parser: Protego | None  # None: everything allowed
    unreachable: str  # non-empty: everything disallowed, with this reason
    expires: float


class RobotsCache:
    """Answers "may babelwire fetch this URL?" for any number of hosts."""

    def __init__(
        self,
        fetcher: Fetcher,
        agent: str = "babelwire",
        ttl_seconds: float = 24 * 3600,
        retry_seconds: float = 600,
    ) -> None:
        self.fetcher = fetcher
        self.agent = agent
        self.ttl = ttl_seconds
        self.retry = retry_seconds
        self._hosts: dict[tuple[str, bool], _HostRules] = {}
        self._lock = threading.Lock()
        self._loading: dict[tuple[int, str, bool], asyncio.Lock] = {}

    def check(self, url: str) -> str | None:
        """None when `url` may be fetched, else the reason it may not."""
        origin = _origin(url)
        key = (origin, covered(origin))
        rules = self._cached(key)
        if rules is None:
            try:
                result: FetchResult | FetchError = self.fetcher.fetch(
                    origin + "/robots.txt", accept="text/plain"
                )
            except FetchError as exc:
                result = exc
            rules = self._store(key, result)
        return self._verdict(url, origin, rules)

    async def check_async(
        self, url: str, fetch: Callable[[str], Awaitable[FetchResult]]
    ) -> str | None:
        """As `check`, loading robots.txt with `fetch` (an async GET under the host's limits).

        Sources on one host wait for a single robots.txt request.
        """
        origin = _origin(url)
        key = (origin, covered(origin))
        lock = self._loading.setdefault((id(asyncio.get_running_loop()), *key), asyncio.Lock())
        async with lock:
            rules = self._cached(key)
            if rules is None:
                try:
                    result: FetchResult | FetchError = await fetch(origin + "/robots.txt")
                except FetchError as exc:
                    result = exc
                rules = self._store(key, result)
        return self._verdict(url, origin, rules)

    def _cached(self, key: tuple[str, bool]) -> _HostRules | None:
        with self._lock:
            rules = self._hosts.get(key)
        if rules is None or rules.expires < time.monotonic():
            return None
        return rules

    def _store(self, key: tuple[str, bool], result: FetchResult | FetchError) -> _HostRules:
        rules = self._rules(result)
        with self._lock:
            self._hosts[key] = rules
        return rules

    def _verdict(self, url: str, origin: str, rules: _HostRules) -> str | None:
        if rules.unreachable:
            return rules.unreachable
        if rules.parser is not None and not rules.parser.can_fetch(url, self.agent):
            return f"disallowed by {origin}/robots.txt"
        return None

    def _rules(self, result: FetchResult | FetchError) -> _HostRules:
        now = time.monotonic()
        if isinstance(result, FetchError):
            exc = result
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                return _HostRules(None, "", now + self.ttl)
            if exc.blocked:
                return _HostRules(None, str(exc), now + self.retry)
            return _HostRules(None, f"{UNREACHABLE} ({exc}); not fetching", now + self.retry)
        text = result.content.decode("utf-8", errors="replace")
        return _HostRules(Protego.parse(text), "", now + self.ttl)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
