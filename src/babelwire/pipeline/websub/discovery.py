"""Which hub a feed pushes through, and under which topic URL.

A publisher names its hubs in the feed (`<link rel="hub">`, `<atom:link rel="hub">`,
JSON Feed's `hubs`) or in the response's `Link:` headers, and the topic, the URL to
subscribe to, with rel="self" in either place. The headers win: the WebSub
specification makes them the first place to look.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from babelwire.model import FetchResult, ParsedFeed
from babelwire.pipeline.discover.urls import absolute_http_url

__all__ = ["Announcement", "announced_hub", "link_header_rels"]

# One link-value of a Link header: <URI> followed by parameters, the rel among them.
_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[^,;<]*(?:\"[^\"]*\")?)*)")
_REL = re.compile(r";\s*rel\s*=\s*(?:\"([^\"]*)\"|([^\s;,]+))", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Announcement:
    """The hub a feed names and the topic URL it is published under."""

    hub: str
    topic: str


def link_header_rels(value: str, base_url: str) -> list[tuple[str, str]]:
    """(rel, absolute URL) for each link of a Link header value (RFC 8288), in order;
    a link with several rels ("hub self") appears once per rel."""
    found: list[tuple[str, str]] = []
    for match in _LINK.finditer(value[:8192]):
        url = absolute_http_url(match.group(1), base_url)
        rel = _REL.search(match.group(2))
        if not url or rel is None:
            continue
        for name in (rel.group(1) or rel.group(2) or "").lower().split():
            found.append((name, url))
    return found


def announced_hub(feed: ParsedFeed, result: FetchResult) -> Announcement | None:
    """The first hub named (headers first, then the feed) and the topic, or None.

    The topic is the rel="self" URL where one is given, else the URL the feed was
    fetched from after redirects.
    """
    headers = link_header_rels(result.links, result.final_url)
    hubs = [url for rel, url in headers if rel == "hub"] + list(feed.hubs)
    if not hubs:
        return None
    selves = [url for rel, url in headers if rel == "self"]
    topic = (selves[0] if selves else "") or feed.self_url or result.final_url
    return Announcement(hub=hubs[0], topic=topic)
