"""robots.txt: read once per host (protego), cached, and obeyed for every request.

Following RFC 9309: a robots.txt that does not exist (4xx) allows everything; one
that cannot be reached (5xx, network failure) disallows everything for now, and is
asked again after `retry_seconds`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

from babelwire.pipeline.fetch.http import Fetcher, FetchError


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
        self._hosts: dict[str, _HostRules] = {}
        self._lock = threading.Lock()

    def check(self, url: str) -> str | None:
        """None when `url` may be fetched, else the reason it may not."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            rules = self._hosts.get(origin)
        if rules is None or rules.expires < time.monotonic():
            rules = self._load(origin)
            with self._lock:
                self._hosts[origin] = rules
        if rules.unreachable:
            return rules.unreachable
        if rules.parser is not None and not rules.parser.can_fetch(url, self.agent):
            return f"disallowed by {origin}/robots.txt"
        return None

    def _load(self, origin: str) -> _HostRules:
        now = time.monotonic()
        try:
            result = self.fetcher.fetch(origin + "/robots.txt", accept="text/plain")
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return _HostRules(None, "", now + self.ttl)
            return _HostRules(
                None, f"robots.txt unreachable ({exc}); not fetching", now + self.retry
            )
        text = result.content.decode("utf-8", errors="replace")
        return _HostRules(Protego.parse(text), "", now + self.ttl)
