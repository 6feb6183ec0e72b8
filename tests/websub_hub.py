"""A WebSub hub and publisher on 127.0.0.1 for the tests: it serves a feed naming
itself as the hub, the articles the feed links, and the hub endpoint, which takes
subscriptions (verifying each at the subscriber's callback, as a real hub does), pings
(hub.mode=publish) and distributes content signed with each subscriber's secret."""

from __future__ import annotations

import html
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from babelwire.pipeline.websub.signature import sign

PARAGRAPH = (
    "The city council approved the new budget for public libraries on Tuesday evening. "
    "Several members said the money would pay for longer opening hours and new books. "
    "Residents who attended the meeting welcomed the decision after months of debate."
)


# A first sentence per article, so that no article is a copy of another.
STORIES = (
    "A storm closed the northern highway for six hours and stranded hundreds of drivers.",
    "The football club signed a young goalkeeper from a second division team last week.",
    "Researchers at the university found a new species of frog in the mountain forest.",
    "The hospital opened a children's ward after three years of construction work.",
    "Farmers expect a smaller olive harvest this autumn because of the long drought.",
)


@dataclass
class Subscriber:
    callback: str
    topic: str
    secret: str
    lease: str


@dataclass
class TestHub:
    __test__ = False
    """The publisher's feed at /feed.xml, its articles at /articles/N, its hub at /hub."""

    entries: list[str] = field(default_factory=lambda: ["first"])
    subscribers: dict[str, Subscriber] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)  # every form POSTed to /hub
    verifications: list[tuple[str, int, str]] = field(default_factory=list)  # mode, status, body
    answer_status: int = 202  # what /hub answers a subscription request
    verify: bool = True  # False: accepts requests and never verifies them

    def __post_init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> TestHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def feed_url(self) -> str:
        return self.base + "/feed.xml"

    @property
    def hub_url(self) -> str:
        return self.base + "/hub"

    def feed(self) -> bytes:
        items = "".join(
            f"<entry><id>{self.base}/articles/{slug}</id><title>Library budget {slug}</title>"
            f'<link rel="alternate" href="{self.base}/articles/{slug}"/>'
            f"<updated>2026-12-03T10:00:00Z</updated>"
            f"<summary>{html.escape(PARAGRAPH)}</summary></entry>"
            for slug in self.entries
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>Town News</title>'
            f"<id>{self.feed_url}</id><updated>2026-12-03T10:00:00Z</updated>"
            f'<link rel="hub" href="{self.hub_url}"/><link rel="self" href="{self.feed_url}"/>'
            f"{items}</feed>"
        ).encode()

    def article(self, slug: str) -> bytes:
        story = STORIES[sum(map(ord, slug)) % len(STORIES)]
        body = f"<p>{story}</p><p>{story} Officials said more would be known next month.</p>"
        return (
            f'<html lang="en"><head><title>Library budget {slug}</title></head><body>'
            f"<article><h1>Library budget {slug}</h1>{body}</article></body></html>"
        ).encode()

    def take(self, form: dict[str, str]) -> int:
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
        params = {
            "hub.mode": mode,
            "hub.topic": subscriber.topic,
            "hub.challenge": "challenge-" + str(len(self.verifications)),
            "hub.lease_seconds": lease,
        }
        try:
            answer = httpx.get(subscriber.callback, params=params, timeout=10)
        except httpx.HTTPError as exc:  # no callback server: as a hub, note it and go on
            self.verifications.append((mode, 0, str(exc)))
            return
        self.verifications.append((mode, answer.status_code, answer.text))
        if answer.status_code == 200 and answer.text == params["hub.challenge"]:
            if mode == "subscribe":
                self.subscribers[subscriber.callback] = subscriber
            else:
                self.subscribers.pop(subscriber.callback, None)

    def distribute(
        self,
        body: bytes | None = None,
        *,
        secret: str | None = None,
        method: str = "sha256",
        signed: bool = True,
    ) -> list[httpx.Response]:
        """POST the feed (or `body`) to every verified subscriber, signed with its secret
        (or `secret`)."""
        content = self.feed() if body is None else body
        answers = []
        for subscriber in list(self.subscribers.values()):
            headers = {"Content-Type": "application/atom+xml"}
            if signed:
                headers["X-Hub-Signature"] = sign(content, secret or subscriber.secret, method)
            answers.append(httpx.post(subscriber.callback, content=content, headers=headers))
        return answers


def _handler(hub: TestHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/feed.xml":
                self._send(200, hub.feed(), "application/atom+xml")
            elif self.path.startswith("/articles/"):
                self._send(200, hub.article(self.path.rsplit("/", 1)[-1]), "text/html")
            elif self.path == "/robots.txt":
                self._send(404, b"", "text/plain")
            else:
                self._send(404, b"", "text/plain")

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
