"""A small in-memory cache of rendered pages for serve mode.

Rendering a page costs several queries and a template; under load the same
front, section and article pages are asked for again and again. With
`site.page_cache_seconds` above 0, a GET response (200, 301 or 410) to a request
without an Authorization header is replayed for up to that long, but only while the
database is unchanged: before each request the cache asks `version` (see
storage/data_version.py) and a page stored under an older version is never
replayed, so a new article, an update or a takedown shows on the very next request.
The API's answers depend on the database alone (no "latest stories" that age with
the clock) and are kept for `api.cache_seconds`. Replays carry `X-Page-Cache: hit`.
Bounded in entries, least recently used first out.

With `gzip_level` set, a page replayed to a client that takes gzip is sent compressed
from a copy compressed once, the first time it was asked for so, instead of being
compressed again on every request by the compression middleware outside (which lets an
answer that already names its encoding pass).
"""

from __future__ import annotations

import gzip
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_ENTRIES = 4096
CACHED_STATUSES = frozenset({200, 301, 410})


HIT_HEADER = (b"x-page-cache", b"hit")
# What is not worth compressing: pictures and fonts are compressed already.
INCOMPRESSIBLE = (b"image/", b"font/", b"application/zip", b"application/gzip")


class _Entry:
    __slots__ = ("body", "expires", "packed", "start", "version")

    def __init__(self, expires: float, start: Message, body: bytes, version: object) -> None:
        self.expires = expires
        self.start = start
        self.body = body
        self.version = version
        self.packed: tuple[Message, bytes] | None = None  # the gzip copy: start, body

    def compressed(self, level: int, minimum: int) -> tuple[Message, bytes] | None:
        """The start and body to send a client that takes gzip (None: send as stored)."""
        if self.packed is not None:
            return self.packed
        headers = self.start.get("headers", [])
        kind = next((v for n, v in headers if n.lower() == b"content-type"), b"")
        if (
            len(self.body) < minimum
            or kind.startswith(INCOMPRESSIBLE)
            or any(n.lower() == b"content-encoding" for n, _ in headers)
        ):
            return None
        body = gzip.compress(self.body, compresslevel=level, mtime=0)
        kept = [(n, v) for n, v in headers if n.lower() not in (b"content-length", b"vary")]
        vary = [v for n, v in headers if n.lower() == b"vary"]
        vary_value = b", ".join([*vary, b"Accept-Encoding"])
        start = {
            **self.start,
            "headers": [
                *kept,
                (b"content-encoding", b"gzip"),
                (b"content-length", str(len(body)).encode()),
                (b"vary", vary_value),
            ],
        }
        self.packed = (start, body)
        return self.packed


def _takes_gzip(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name.lower() == b"accept-encoding":
            return b"gzip" in value.lower()
    return False


def _shared(start: Message) -> bool:
    """Whether a response may be replayed to anyone: none that sets a cookie or says
    it is private or not to be stored (the desk's pages)."""
    for name, value in start.get("headers", []):
        if name.lower() == b"set-cookie":
            return False
        if name.lower() == b"cache-control" and (b"no-store" in value or b"private" in value):
            return False
    return True


class PageCache:
    """ASGI middleware replaying recent GET responses from memory."""

    def __init__(
        self,
        app: ASGIApp,
        seconds: float,
        max_entries: int = MAX_ENTRIES,
        version: Callable[[], object] | None = None,
        longer: tuple[tuple[str, float], ...] = (),
        gzip_level: int | None = None,
        gzip_minimum: int = 500,
    ) -> None:
        self.app = app
        self.gzip_level = gzip_level
        self.gzip_minimum = gzip_minimum
        self.seconds = seconds
        # (path prefix, seconds): answers whose content depends on the database alone
        # (the API's) may be kept longer; the version check keeps them current.
        self.longer = longer
        self.max_entries = max_entries
        self.version = version
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._version: object = None

    def _current(self) -> object:
        """The database's version now; a change forgets every stored page."""
        if self.version is None:
            return None
        current = self.version()
        with self._lock:
            if current != self._version:
                self._entries.clear()
                self._version = current
        return current

    def _get(self, key: str, version: object) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.expires < time.monotonic() or entry.version != version:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def _put(self, key: str, entry: _Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def _seconds_for(self, path: str) -> float:
        for prefix, seconds in self.longer:
            if path.startswith(prefix):
                return max(seconds, self.seconds)
        return self.seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.seconds <= 0
            or scope["type"] != "http"
            or scope["method"] != "GET"
            # An answer to a request with a token is that token's alone.
            or any(name.lower() == b"authorization" for name, _ in scope.get("headers", []))
        ):
            await self.app(scope, receive, send)
            return
        key = scope["path"] + "?" + scope.get("query_string", b"").decode("latin-1")
        version = self._current()
        entry = self._get(key, version)
        if entry is not None:
            packed = (
                entry.compressed(self.gzip_level, self.gzip_minimum)
                if self.gzip_level is not None and _takes_gzip(scope)
                else None
            )
            first, body = (entry.start, entry.body) if packed is None else packed
            replay = dict(first)
            replay["headers"] = [*first.get("headers", []), HIT_HEADER]
            await send(replay)
            await send({"type": "http.response.body", "body": body})
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                # A copy: the middleware outside (compression) changes the list it is sent.
                start["headers"] = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if (
                    not message.get("more_body")
                    and start.get("status") in CACHED_STATUSES
                    and _shared(start)
                ):
                    expires = time.monotonic() + self._seconds_for(scope["path"])
                    entry = _Entry(expires, dict(start), b"".join(chunks), version)
                    self._put(key, entry)
            await send(message)

        await self.app(scope, receive, capture)
