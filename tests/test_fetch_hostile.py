"""Both fetchers against a server that attacks them: bombs, drips, floods, rate limits."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import brotli
import pytest

from babelwire.model import FetchResult
from babelwire.pipeline.fetch.http import (
    MAX_RETRY_AFTER,
    AsyncFetcher,
    Fetcher,
    FetchError,
    retry_after_seconds,
)
from tests.hostile_server import Handler, HostileServer

BOMB_SIZE = 64 * 1024 * 1024
GZIP_BOMB = gzip.compress(b"\0" * BOMB_SIZE, compresslevel=9)
BROTLI_BOMB = brotli.compress(b"\0" * BOMB_SIZE, quality=11)
TEXT = "¡Hola, món! Ünïcödé " * 500
CAP = 1024 * 1024
Get = Callable[..., FetchResult]


def _drip(handler: Handler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "10000")
    handler.end_headers()
    with contextlib.suppress(OSError):  # 500 s: more than the test's own time limit
        for _ in range(10_000):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.05)


def _endless(handler: Handler) -> None:
    # No Content-Length: the size is only known by reading, and it never ends.
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Connection", "close")
    handler.end_headers()
    with contextlib.suppress(OSError):
        for _ in range(10_000):
            handler.wfile.write(b"y" * 65536)


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with HostileServer() as hostile:
        r = hostile.routes
        r["/gzip-bomb"] = lambda h: h.send(200, GZIP_BOMB, {"Content-Encoding": "gzip"})
        r["/brotli-bomb"] = lambda h: h.send(200, BROTLI_BOMB, {"Content-Encoding": "br"})
        r["/brotli"] = lambda h: h.send(
            200, brotli.compress(TEXT.encode()), {"Content-Encoding": "br"}
        )
        r["/corrupt-br"] = lambda h: h.send(200, b"not brotli at all", {"Content-Encoding": "br"})
        r["/huge"] = lambda h: h.send(200, b"z" * (CAP + 10))
        r["/endless"] = _endless
        r["/drip"] = _drip
        r["/429-seconds"] = lambda h: h.send(429, b"slow down", {"Retry-After": "120"})
        r["/503-date"] = lambda h: h.send(
            503,
            b"maintenance",
            {"Retry-After": format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)},
        )
        r["/429-forever"] = lambda h: h.send(429, b"", {"Retry-After": "99999999"})
        r["/loop"] = lambda h: h.send(302, b"", {"Location": "/loop"})
        r["/encoding"] = lambda h: h.send(200, h.headers.get("Accept-Encoding", "").encode())
        yield hostile


def _sync(url: str, **limits: float) -> FetchResult:
    with Fetcher("test", allow_private=True, max_bytes=CAP, **limits) as fetcher:
        return fetcher.fetch(url)


def _async(url: str, **limits: float) -> FetchResult:
    async def go() -> FetchResult:
        async with AsyncFetcher("test", allow_private=True, max_bytes=CAP, **limits) as fetcher:
            return await fetcher.fetch(url)

    return asyncio.run(go())


both = pytest.mark.parametrize("get", [_sync, _async], ids=["sync", "async"])


@both
@pytest.mark.parametrize("path", ["/gzip-bomb", "/brotli-bomb", "/huge", "/endless"])
def test_bodies_stop_at_the_cap(server: HostileServer, get: Get, path: str) -> None:
    assert len(GZIP_BOMB) < 100_000 and len(BROTLI_BOMB) < 10_000  # small on the wire
    with pytest.raises(FetchError) as info:
        get(server.url(path))
    assert str(info.value) == f"response larger than {CAP} bytes"


@both
def test_brotli_is_offered_and_decoded(server: HostileServer, get: Get) -> None:
    offered = get(server.url("/encoding")).content.decode()
    assert "br" in [part.strip() for part in offered.split(",")]
    assert get(server.url("/brotli")).content.decode() == TEXT


def test_corrupt_brotli_is_a_clear_error(server: HostileServer) -> None:
    with pytest.raises(FetchError, match="corrupt compressed body"):
        _sync(server.url("/corrupt-br"))


@both
def test_slow_drip_cut_at_total_deadline(server: HostileServer, get: Get) -> None:
    with pytest.raises(FetchError) as info:
        get(server.url("/drip"), read_timeout=5.0, total_timeout=0.5)
    assert str(info.value) == "timed out after 0.5 s"


@both
def test_redirect_loop_stops(server: HostileServer, get: Get) -> None:
    with pytest.raises(FetchError, match="too many redirects"):
        get(server.url("/loop"))


UNUSABLE_LOCATIONS = {
    "data": ("data:text/html,<p>x</p>", "unusable URL"),
    "javascript": ("javascript:alert(1)", "unusable URL"),
    "mailto": ("mailto:desk@news.example", "unusable URL"),
    "scheme-only": ("http:foo", "unusable URL"),
    "bad-idna": ("http://xn--/", "unusable URL"),
    "port-out-of-range": ("http://127.0.0.1:99999/", "port 99999 out of range"),
    "file": ("file:///etc/passwd", "unsupported URL scheme 'file'"),
}


@both
@pytest.mark.parametrize("name", list(UNUSABLE_LOCATIONS))
def test_redirect_to_an_unusable_url_is_a_fetch_error_of_the_url(
    server: HostileServer, get: Get, name: str
) -> None:
    location, message = UNUSABLE_LOCATIONS[name]
    path = f"/to-{name}"
    server.routes[path] = lambda h: h.send(302, b"", {"Location": location})
    with pytest.raises(FetchError, match=re.escape(message)) as info:
        get(server.url(path))
    assert info.value.url == server.url(path) and info.value.status is None


@pytest.mark.parametrize("url", ["data:,x", "mailto:a@b", "http://xn--/", "http://[::1", ""])
def test_an_unusable_url_is_a_fetch_error_before_any_request(url: str) -> None:
    for get in (_sync, _async):
        with pytest.raises(FetchError, match=r"unsupported URL scheme|invalid URL"):
            get(url)


@both
def test_retry_after_in_seconds(server: HostileServer, get: Get) -> None:
    with pytest.raises(FetchError) as info:
        get(server.url("/429-seconds"))
    assert info.value.status == 429
    assert info.value.retry_after == 120


@both
def test_retry_after_as_http_date(server: HostileServer, get: Get) -> None:
    with pytest.raises(FetchError) as info:
        get(server.url("/503-date"))
    assert info.value.status == 503
    assert info.value.retry_after is not None
    assert 7000 < info.value.retry_after <= 7200


def test_retry_after_capped_at_a_day(server: HostileServer) -> None:
    with pytest.raises(FetchError) as info:
        _sync(server.url("/429-forever"))
    assert info.value.retry_after == MAX_RETRY_AFTER == 24 * 3600


def test_retry_after_parsing() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("30", now) == 30
    assert retry_after_seconds("Wed, 01 May 2024 12:10:00 GMT", now) == 600
    assert retry_after_seconds("Wed, 01 May 2024 11:00:00 GMT", now) == 0  # in the past
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds("", now) is None
    assert retry_after_seconds(None, now) is None


def test_a_retry_after_of_digits_int_refuses_is_no_delay() -> None:
    # "²" and "３" pass str.isdigit() but not int(): read as a date, then as nothing.
    assert retry_after_seconds("²") is None
    assert retry_after_seconds("３") is None
    assert retry_after_seconds("3") == 3.0
