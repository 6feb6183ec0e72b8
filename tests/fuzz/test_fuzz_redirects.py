"""Redirect chains: a loopback server answering random Location headers.

Whatever the Location, both fetchers return a result or raise FetchError.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from babelwire.pipeline.fetch.http import AsyncFetcher, Fetcher, FetchError
from tests.hostile_server import Handler, HostileServer

PIECES = [
    "http://",
    "https://",
    "//",
    "/",
    "data:text/html,x",
    "javascript:alert(1)",
    "mailto:a@b",
    "http:foo",
    "http://xn--/",
    "http://127.0.0.1:99999/",
    "http://127.0.0.1:0/",
    "ftp://x/",
    "file:///etc/passwd",
    "http://[",
    "http://[::1]:1/",
    "?",
    "#",
    "%",
    "%zz",
    "..",
    "é",
    "http://a b/",
    "/end",
    "/hop",
    "\\",
    "xn--",
    ":",
]
LOCATIONS = st.lists(st.sampled_from(PIECES) | st.text(max_size=6), min_size=1, max_size=6).map(
    "".join
)


class _Chain:
    """Locations to answer, in turn; /end answers 200."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.locations: list[str] = []

    def route(self, handler: Handler) -> None:
        with self.lock:
            location = self.locations.pop(0) if self.locations else "/end"
        try:
            handler.send(302, b"", {"Location": location})
        except UnicodeEncodeError:  # not even sendable as a header: the server gives up
            handler.send(500, b"")


@pytest.fixture(scope="module")
def chain() -> Iterator[tuple[HostileServer, _Chain]]:
    state = _Chain()
    with HostileServer() as server:
        server.routes["/hop"] = state.route
        server.routes["/end"] = lambda h: h.send(200, b"ok", {"Content-Type": "text/plain"})
        yield server, state


@settings(max_examples=30)
@given(st.lists(LOCATIONS, min_size=1, max_size=3))
def test_redirects_end_in_a_result_or_a_fetch_error(
    chain: tuple[HostileServer, _Chain], locations: list[str]
) -> None:
    server, state = chain
    # Relative Locations resolve against /hop, so the chain goes on until it runs out.
    for fetch in (_blocking, _asynchronous):
        with state.lock:
            state.locations = list(locations)
        with contextlib.suppress(FetchError):
            fetch(server.url("/hop"))


def _blocking(url: str) -> None:
    with Fetcher("babelwire-fuzz", allow_private=True, total_timeout=5, connect_timeout=2) as f:
        f.fetch(url)


def _asynchronous(url: str) -> None:
    async def go() -> None:
        async with AsyncFetcher(
            "babelwire-fuzz", allow_private=True, total_timeout=5, connect_timeout=2
        ) as f:
            await f.fetch(url)

    asyncio.run(go())
