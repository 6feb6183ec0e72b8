"""A real HTTP server on loopback that misbehaves on demand, and a canary listener.

Each route is a function of the request handler, so a test states the one
behaviour it needs next to the assertion about it. The server records every
request (path, arrival time) and the most requests it had in flight at once,
which is what the politeness tests check. A request counts as in flight from
its arrival until its response begins, a span inside the client's own wait for
it, so a busy machine can only make the count lower than the client's, never
higher. The canary accepts TCP connections and counts them: a redirect the
SSRF guard refused must leave it at zero.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

Route = Callable[["Handler"], None]


@dataclass
class Hit:
    path: str
    host: str
    # When the server got to the request: after the client sent it, by a delay
    # that load can stretch, so a lower bound on "sent" and not a send time.
    started: float
    headers: dict[str, str] = field(default_factory=dict)


class Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    _in_flight = False

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def send(
        self,
        status: int,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> None:
        self._done()  # before the first byte: the client cannot have moved on yet
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client hung up early, as a capped fetch does
            self.wfile.write(body)

    def _done(self) -> None:
        owner = self.server.owner
        with owner.lock:
            if self._in_flight:
                self._in_flight = False
                owner.in_flight -= 1

    def do_GET(self) -> None:
        owner = self.server.owner
        path = self.path.split("?", 1)[0]
        self._in_flight = True
        with owner.lock:
            owner.hits.append(
                Hit(self.path, self.headers.get("Host", ""), time.monotonic(), dict(self.headers))
            )
            owner.in_flight += 1
            owner.peak_in_flight = max(owner.peak_in_flight, owner.in_flight)
        try:
            route = owner.routes.get(path)
            if route is None:
                self.send(404, b"not here")
            else:
                route(self)
        finally:
            self._done()  # a route that hung up or wrote its own bytes


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: HostileServer


class HostileServer:
    """`with HostileServer(host) as server:` routes in `server.routes`, URLs from `server.url`."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak_in_flight = 0
        self._httpd = _Server((host, 0), Handler)
        self._httpd.owner = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        with self.lock:
            return [h.path for h in self.hits]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class Canary:
    """A TCP listener that only counts who connects to it."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.port: int = self._sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sock.close()


def ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False
