"""Fetcher against a real HTTP server on 127.0.0.1 that misbehaves on purpose."""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from babelwire import __version__
from babelwire.pipeline.fetch.http import Fetcher, FetchError, user_agent

ETAG = '"v1"'
LAST_MODIFIED = "Wed, 01 May 2024 10:00:00 GMT"
BOMB_SIZE = 50 * 1024 * 1024
BOMB = gzip.compress(b"\0" * BOMB_SIZE, compresslevel=9)
GZIPPED_TEXT = "¡Hola, mundo! " * 1000
# The drip and the stall last until the server stops, longer than the test's own
# time limit: only the fetcher's total deadline can end them while the test runs.
STOPPED = threading.Event()


class Handler(BaseHTTPRequestHandler):
    """Each path is one server behaviour a fetcher meets in the wild."""

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path == "/ua":
            ua = self.headers.get("User-Agent", "").encode()
            self._send(200, ua, {"Content-Type": "Text/Plain; charset=UTF-8"})
        elif path == "/feed":
            if (
                self.headers.get("If-None-Match") == ETAG
                or self.headers.get("If-Modified-Since") == LAST_MODIFIED
            ):
                self.send_response(304)
                self.send_header("ETag", ETAG)
                self.end_headers()
                return
            self._send(
                200,
                b"<rss/>",
                {
                    "Content-Type": "application/rss+xml",
                    "ETag": ETAG,
                    "Last-Modified": LAST_MODIFIED,
                },
            )
        elif path.startswith("/status/"):
            self._send(int(path.rsplit("/", 1)[1]), b"nope")
        elif path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:  # until the fetcher hangs up, as it should, or the test server stops
                while not STOPPED.is_set():
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass
        elif path == "/stall":
            self.send_response(200)
            self.end_headers()
            try:
                self.wfile.write(b"x")
                self.wfile.flush()
                STOPPED.wait()
            except OSError:
                pass
        elif path == "/bomb":
            with contextlib.suppress(OSError):  # the fetcher hangs up early
                self._send(200, BOMB, {"Content-Type": "text/html", "Content-Encoding": "gzip"})
        elif path == "/gzip":
            body = gzip.compress(GZIPPED_TEXT.encode())
            self._send(200, body, {"Content-Type": "text/plain", "Content-Encoding": "gzip"})
        elif path == "/loop":
            self._send(302, b"", {"Location": "/loop"})
        elif path == "/hop":
            self._send(301, b"", {"Location": "/ua"})
        elif path == "/to-ftp":
            self._send(302, b"", {"Location": "ftp://127.0.0.1/file"})
        else:
            self._send(404, b"")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    STOPPED.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(user_agent("https://news.example"), total_timeout=10.0, allow_private=True) as f:
        yield f


def test_user_agent_names_version_and_about_page() -> None:
    assert user_agent("https://site.example/en/about/") == (
        f"babelwire/{__version__} (+https://site.example/en/about/)"
    )


def test_sends_user_agent_and_normalises_content_type(server: str, fetcher: Fetcher) -> None:
    result = fetcher.fetch(server + "/ua")
    assert result.status == 200
    assert result.content.decode() == user_agent("https://news.example")
    assert result.content_type == "text/plain"
    assert result.url == result.final_url == server + "/ua"


def test_conditional_get_with_etag_gives_304(server: str, fetcher: Fetcher) -> None:
    first = fetcher.fetch(server + "/feed")
    assert first.status == 200
    assert first.etag == ETAG
    assert first.last_modified == LAST_MODIFIED

    again = fetcher.fetch(server + "/feed", etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified
    assert again.content == b""
    assert again.etag == ETAG
    # The 304 did not repeat Last-Modified; the one sent is kept so it can be stored again.
    assert again.last_modified == LAST_MODIFIED


def test_conditional_get_with_last_modified_gives_304(server: str, fetcher: Fetcher) -> None:
    result = fetcher.fetch(server + "/feed", last_modified=LAST_MODIFIED)
    assert result.status == 304
    assert result.last_modified == LAST_MODIFIED


@pytest.mark.parametrize("status", [404, 500])
def test_http_errors_raise_with_status(server: str, fetcher: Fetcher, status: int) -> None:
    with pytest.raises(FetchError) as info:
        fetcher.fetch(server + f"/status/{status}")
    assert info.value.status == status
    assert str(info.value).startswith(f"HTTP {status} ")
    assert info.value.url == server + f"/status/{status}"


def test_connection_refused(fetcher: Fetcher) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port now.
    with pytest.raises(FetchError) as info:
        fetcher.fetch(f"http://127.0.0.1:{port}/")
    assert info.value.status is None
    assert str(info.value) == "connection refused"


def test_slow_drip_is_cut_off_at_total_timeout(server: str) -> None:
    with (
        Fetcher("test", allow_private=True, read_timeout=5.0, total_timeout=0.5) as fetcher,
        pytest.raises(FetchError) as info,
    ):
        fetcher.fetch(server + "/drip")
    assert str(info.value) == "timed out after 0.5 s"


def test_stalled_body_is_cut_off_at_total_timeout(server: str) -> None:
    # read_timeout alone would end it after 5 s, with its own message; the remaining
    # total caps each wait.
    with (
        Fetcher("test", allow_private=True, read_timeout=5.0, total_timeout=0.5) as fetcher,
        pytest.raises(FetchError) as info,
    ):
        fetcher.fetch(server + "/stall")
    assert str(info.value) == "timed out after 0.5 s"


def test_gzip_bomb_stops_at_max_bytes(server: str) -> None:
    assert len(BOMB) < 100_000  # 50 MB of zeros on the wire in under 100 kB
    with (
        Fetcher("test", allow_private=True, max_bytes=1024 * 1024) as fetcher,
        pytest.raises(FetchError) as info,
    ):
        fetcher.fetch(server + "/bomb")
    assert str(info.value) == "response larger than 1048576 bytes"


def test_gzip_body_is_decoded(server: str, fetcher: Fetcher) -> None:
    assert fetcher.fetch(server + "/gzip").content.decode() == GZIPPED_TEXT


def test_follows_redirect(server: str, fetcher: Fetcher) -> None:
    result = fetcher.fetch(server + "/hop")
    assert result.url == server + "/hop"
    assert result.final_url == server + "/ua"


def test_redirect_loop_stops(server: str) -> None:
    with (
        Fetcher("test", allow_private=True, max_redirects=3) as fetcher,
        pytest.raises(FetchError) as info,
    ):
        fetcher.fetch(server + "/loop")
    assert "too many redirects" in str(info.value)


@pytest.mark.parametrize("path", ["ftp://127.0.0.1/feed.xml", "file:///etc/passwd"])
def test_non_http_schemes_refused(fetcher: Fetcher, path: str) -> None:
    with pytest.raises(FetchError, match="unsupported URL scheme"):
        fetcher.fetch(path)


def test_redirect_to_ftp_refused(server: str, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="unsupported URL scheme 'ftp'"):
        fetcher.fetch(server + "/to-ftp")


def test_garbage_url_raises_fetch_error(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError):
        fetcher.fetch("http://")
