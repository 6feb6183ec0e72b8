"""A small in-memory cache of rendered pages for serve mode.

Rendering a page costs several queries and a template; under load the same
front, section and article pages are asked for again and again. With
`site.page_cache_seconds` above 0, a GET response (200, 301 or 410) is
replayed for that long, so a change (a new article, a takedown) shows within
that many seconds. Bounded in entries, least recently used first out.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_ENTRIES = 4096
CACHED_STATUSES = frozenset({200, 301, 410})


class _Entry:
    __slots__ = ("body", "expires", "start")

    def __init__(self, expires: float, start: Message, body: bytes) -> None:
        self.expires = expires
        self.start = start
        self.body = body


class PageCache:
    """ASGI middleware replaying recent GET responses from memory."""

    def __init__(self, app: ASGIApp, seconds: float, max_entries: int = MAX_ENTRIES) -> None:
        self.app = app
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def _get(self, key: str) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.expires < time.monotonic():
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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.seconds <= 0 or scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        key = scope["path"] + "?" + scope.get("query_string", b"").decode("latin-1")
        entry = self._get(key)
        if entry is not None:
            await send(entry.start)
            await send({"type": "http.response.body", "body": entry.body})
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body") and start.get("status") in CACHED_STATUSES:
                    expires = time.monotonic() + self.seconds
                    self._put(key, _Entry(expires, dict(start), b"".join(chunks)))
            await send(message)

        await self.app(scope, receive, capture)
