"""What every API request meets before and after its endpoint: rate limits, the body
size limit, the time limit, and ETag / Cache-Control with conditional requests.

It wraps the whole app and acts on paths under the API's prefix only, outside the
page cache, so that a replayed answer is limited and revalidated like any other.

- Rate limits are token buckets per process: one per bearer token (by the hash of
  the header, so a wrong token is limited too) and one per address for requests
  without a token; an empty bucket is answered 429 with Retry-After.
- A body longer than `api.max_body_bytes` is answered 413 before the endpoint runs
  (bodies are read whole first: the API's are small JSON objects).
- A request running past `api.timeout_seconds` before its answer begins is answered
  503; a stream (the export) may go on as long as it needs once it has begun.
- A whole answer (not a stream) gets a strong ETag, the hash of its bytes, and a
  Cache-Control: public answers `public, max-age=api.cache_seconds`, answers to a
  request with a token `private, no-cache`, errors `no-store` (a 410 is public).
  A GET whose If-None-Match names the ETag is answered 304 without a body.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from babelwire.web.api.problems import MEDIA_TYPE, problem_body

# Buckets of clients not seen for this long are forgotten (they would be full again).
_FORGET_AFTER = 600.0
_MAX_BUCKETS = 100_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """Token buckets of `per_minute` requests, refilled evenly over a minute."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._swept = time.monotonic()

    def take(self, key: str, now: float | None = None) -> float:
        """0 when a request of `key` may go on (and is counted), else the seconds to wait."""
        if self.per_minute <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60.0
        with self._lock:
            self._sweep(now)
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(float(self.per_minute), now)
            bucket.tokens = min(float(self.per_minute), bucket.tokens + (now - bucket.at) * rate)
            bucket.at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate

    def _sweep(self, now: float) -> None:
        if now - self._swept < 60 and len(self._buckets) < _MAX_BUCKETS:
            return
        self._swept = now
        for key in [k for k, b in self._buckets.items() if now - b.at > _FORGET_AFTER]:
            del self._buckets[key]
        while len(self._buckets) >= _MAX_BUCKETS:
            self._buckets.pop(next(iter(self._buckets)))


@dataclass(frozen=True, slots=True)
class EdgeSettings:
    prefix: str
    cache_seconds: int
    address_per_minute: int
    token_per_minute: int
    max_body_bytes: int
    timeout_seconds: float


class _BodyTooLarge(Exception):
    pass


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value)
    return None


def _etag(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


def _matches(if_none_match: bytes | None, etag: bytes) -> bool:
    if if_none_match is None:
        return False
    wanted = [part.strip() for part in if_none_match.split(b",")]
    # A weak comparison, as RFC 9110 asks for If-None-Match.
    return b"*" in wanted or any(w.removeprefix(b"W/") == etag for w in wanted)


class ApiEdge:
    """ASGI middleware applying the API's limits and caching headers under `prefix`."""

    def __init__(self, app: ASGIApp, settings: EdgeSettings) -> None:
        self.app = app
        self.settings = settings
        self.by_address = RateLimiter(settings.address_per_minute)
        self.by_token = RateLimiter(settings.token_per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _under(scope["path"], self.settings.prefix):
            await self.app(scope, receive, send)
            return
        authorization = _header(scope, b"authorization")
        wait = self._limit(scope, authorization)
        if wait > 0:
            retry = str(max(1, math.ceil(wait)))
            await _send_problem(
                send, 429, f"too many requests: try again in {retry} s", {b"retry-after": retry}
            )
            return
        try:
            receive = await self._read_body(scope, receive)
        except _BodyTooLarge:
            limit = self.settings.max_body_bytes
            await _send_problem(send, 413, f"the request body is over {limit} bytes")
            return
        if scope["path"] == self.settings.prefix:
            # The API's index is PREFIX/; a path without a host reflects no Host header.
            location = (self.settings.prefix + "/").encode()
            start = {"type": "http.response.start", "status": 308, "headers": []}
            start["headers"] = [(b"location", location), (b"content-length", b"0")]
            await send(start)
            await send({"type": "http.response.body", "body": b""})
            return
        if scope["method"] == "HEAD":
            # Answered as the GET would be, without its body.
            scope = {**scope, "method": "GET"}
            send = _without_body(send)
        await self._answer(scope, receive, send, private=authorization is not None)

    def _limit(self, scope: Scope, authorization: bytes | None) -> float:
        if authorization is not None:
            key = hashlib.blake2b(authorization, digest_size=12).hexdigest()
            return self.by_token.take(key)
        client = scope.get("client")
        return self.by_address.take(client[0] if client else "")

    async def _read_body(self, scope: Scope, receive: Receive) -> Receive:
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return receive
        limit = self.settings.max_body_bytes
        length = _header(scope, b"content-length")
        if length is not None and length.strip().isdigit() and int(length) > limit:
            raise _BodyTooLarge
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away: let the app see it.
                return _replay([message], receive)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        whole = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        return _replay([whole], receive)

    async def _answer(self, scope: Scope, receive: Receive, send: Send, *, private: bool) -> None:
        started = False
        held: dict[str, Any] | None = None
        chunks: list[bytes] = []
        streaming = False
        if_none_match = _header(scope, b"if-none-match")
        conditional = scope["method"] in ("GET", "HEAD")

        async def edge_send(message: Message) -> None:
            nonlocal started, held, streaming
            if message["type"] == "http.response.start":
                held = dict(message)
                return
            if message["type"] != "http.response.body" or held is None:
                await send(message)
                return
            more = bool(message.get("more_body"))
            if streaming or (more and not chunks):
                # A stream: its headers go now, without an ETag, its chunks as they come.
                if not streaming:
                    streaming = True
                    started = True
                    # A stream has begun: it may take as long as it needs.
                    limit.deadline = math.inf
                    await send(self._headed(held, None, private))
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if more:
                return
            body = b"".join(chunks)
            etag = _etag(body)
            start = self._headed(held, etag, private)
            started = True
            if conditional and start["status"] == 200 and _matches(if_none_match, etag):
                start["status"] = 304
                start["headers"] = [
                    (k, v)
                    for k, v in start["headers"]
                    if k.lower() not in (b"content-length", b"content-type")
                ]
                await send(start)
                await send({"type": "http.response.body", "body": b""})
                return
            await send(start)
            await send({"type": "http.response.body", "body": body})

        with anyio.CancelScope() as limit:
            limit.deadline = anyio.current_time() + self.settings.timeout_seconds
            await self.app(scope, receive, edge_send)
        if limit.cancelled_caught and not started:
            seconds = self.settings.timeout_seconds
            await _send_problem(send, 503, f"the request took over {seconds:g} s", {})

    def _headed(self, start: dict[str, Any], etag: bytes | None, private: bool) -> dict[str, Any]:
        headers = [(bytes(k), bytes(v)) for k, v in start.get("headers", [])]
        names = {k.lower() for k, _ in headers}
        if etag is not None and b"etag" not in names:
            headers.append((b"etag", etag))
        if b"cache-control" not in names:
            headers.append((b"cache-control", self._cache_control(start["status"], private)))
        return {**start, "headers": headers}

    def _cache_control(self, status: int, private: bool) -> bytes:
        if private:
            return b"private, no-cache"
        if status in (200, 410):
            return f"public, max-age={self.settings.cache_seconds}".encode()
        return b"no-store"


def _without_body(send: Send) -> Send:
    async def headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return headers_only


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def _replay(messages: list[Message], then: Receive) -> Receive:
    """`messages` first, then what `then` receives (the client going away)."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        return await then()

    return receive


async def _send_problem(
    send: Send, status: int, detail: str, headers: dict[bytes, str] | None = None
) -> None:
    body = problem_body(status, detail)
    extra = [(k, v.encode()) for k, v in (headers or {}).items()]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
