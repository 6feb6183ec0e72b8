"""A WebSub hub and publisher on 127.0.0.1 for the tests: it serves a feed naming
itself as the hub, the articles the feed links, and the hub endpoint, which takes
subscriptions (verifying each at the subscriber's callback, as a real hub does), pings
(hub.mode=publish) and distributes content signed with each subscriber's secret."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import httpx

from babelwire.demo.hub import LoopbackHub

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
class TestHub(LoopbackHub):
    """The publisher's feed at /feed.xml, its articles at /articles/N, its hub at /hub."""

    __test__ = False
    entries: list[str] = field(default_factory=lambda: ["first"])

    def __enter__(self) -> TestHub:
        super().__enter__()
        return self

    @property
    def feed_url(self) -> str:
        return self.base + "/feed.xml"

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

    def page(self, path: str) -> tuple[int, bytes, str]:
        if path == "/feed.xml":
            return 200, self.feed(), "application/atom+xml"
        if path.startswith("/articles/"):
            return 200, self.article(path.rsplit("/", 1)[-1]), "text/html"
        return 404, b"", "text/plain"

    def distribute(  # type: ignore[override]
        self, body: bytes | None = None, **options: Any
    ) -> list[httpx.Response]:
        """POST the feed (or `body`) to every verified subscriber, signed with its secret
        (or `secret`)."""
        return super().distribute(self.feed() if body is None else body, **options)
