"""A WebSub hub on a loopback address, for the tests and the freshness benchmark.

It takes subscription requests at /hub (answering 202 Accepted, then verifying each at
the subscriber's callback, as a real hub does), notes pings (hub.mode=publish), and
distributes content to the verified subscribers of a topic, signed with each one's
secret. `page` is what it answers a GET with: nothing here; a publisher serving its
feed from the same address overrides it.
"""

from __future__ import annotations

import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from babelwire.pipeline.websub.signature import sign

__all__ = ["LoopbackHub", "Subscriber"]


@dataclass
class Subscriber:
    callback: str
    topic: str
    secret: str
    lease: str


@dataclass
class LoopbackHub:
    """A hub at `hub_url`; `subscribers` are the verified ones, by callback."""

    host: str = "127.0.0.1"
    subscribers: dict[str, Subscriber] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)  # every form POSTed to /hub
    verifications: list[tuple[str, int, str]] = field(default_factory=list)  # mode, status, body
    answer_status: int = 202  # what /hub answers a subscription request
    verify: bool = True  # False: accepts requests and never verifies them

    def __post_init__(self) -> None:
        self._server = ThreadingHTTPServer((self.host, 0), _handler(self))
        self._server.daemon_threads = True
        self.base = f"http://{self.host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._lock = threading.Lock()
        self._client = httpx.Client(timeout=30)

    def __enter__(self) -> LoopbackHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def start(self) -> LoopbackHub:
        return self.__enter__()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()

    @property
    def hub_url(self) -> str:
        return self.base + "/hub"

    def page(self, path: str) -> tuple[int, bytes, str]:
        """What a GET of `path` answers: status, body, content type."""
        return 404, b"", "text/plain"

    def take(self, form: dict[str, str]) -> int:
        """A request POSTed to the hub; the status it is answered with."""
        with self._lock:
            self.requests.append(form)
        mode = form.get("hub.mode", "")
        if mode == "publish":
            return 204
        if self.answer_status >= 300:
            return self.answer_status
        subscriber = Subscriber(
            form["hub.callback"],
            form["hub.topic"],
            form.get("hub.secret", ""),
            form.get("hub.lease_seconds", ""),
        )
        if self.verify:
            # As a real hub: verify after answering 202 Accepted.
            threading.Timer(0.05, self._verify, args=(mode, subscriber)).start()
        return 202

    def _verify(self, mode: str, subscriber: Subscriber, lease: str = "3600") -> None:
        with self._lock:
            challenge = "challenge-" + str(len(self.verifications))
        params = {
            "hub.mode": mode,
            "hub.topic": subscriber.topic,
            "hub.challenge": challenge,
            "hub.lease_seconds": lease,
        }
        try:
            answer = httpx.get(subscriber.callback, params=params, timeout=10)
        except httpx.HTTPError as exc:  # no callback server: as a hub, note it and go on
            with self._lock:
                self.verifications.append((mode, 0, str(exc)))
            return
        with self._lock:
            self.verifications.append((mode, answer.status_code, answer.text))
            if answer.status_code == 200 and answer.text == challenge:
                if mode == "subscribe":
                    self.subscribers[subscriber.callback] = subscriber
                else:
                    self.subscribers.pop(subscriber.callback, None)

    def distribute(
        self,
        content: bytes,
        *,
        topic: str | None = None,
        content_type: str = "application/atom+xml",
        secret: str | None = None,
        method: str = "sha256",
        signed: bool = True,
    ) -> list[httpx.Response]:
        """POST `content` to every verified subscriber of `topic` (of any topic when None),
        signed with its secret (or `secret`)."""
        with self._lock:
            chosen = [s for s in self.subscribers.values() if topic is None or s.topic == topic]
        answers = []
        for subscriber in chosen:
            headers = {"Content-Type": content_type}
            if signed:
                headers["X-Hub-Signature"] = sign(content, secret or subscriber.secret, method)
            answers.append(self._client.post(subscriber.callback, content=content, headers=headers))
        return answers


def _handler(hub: LoopbackHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._send(*hub.page(self.path.split("?")[0]))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            form = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
            self._send(hub.take(form) if self.path == "/hub" else 404, b"", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
