"""Feeds of an edition or a section: RSS 2.0 and Atom (feedgen) and JSON Feed 1.1.

Titles and summaries are plain text from sources and engines; feedgen
serialises them with lxml, so markup in them stays text (escaped) and `]]>`
cannot close anything. RSS readers take a title or description, once the XML
is read, as HTML: there the text is escaped as HTML first, so that a page
quoting markup (`&lt;img onerror=...&gt;` in its source, `<img onerror=...>` in
its text) reaches a reader as those characters, never as an element. Atom's
title and summary are declared text (no `type="html"`), and the JSON feed
carries the same text as JSON strings, as `content_text`, never `content_html`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator

from babelwire.publish.xmltext import xml_text
from babelwire.storage.published.views import FeedItem

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
SUMMARY_MAX = 500


@dataclass(frozen=True, slots=True)
class FeedHead:
    """What a feed says about itself; every URL is absolute."""

    title: str
    description: str
    language: str
    home_url: str
    rss_url: str
    atom_url: str
    json_url: str
    publisher: str


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _summary(item: FeedItem) -> str:
    text = xml_text(item.summary)
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1].rstrip() + "…"


def _generator(
    head: FeedHead, items: Sequence[tuple[FeedItem, str]], *, as_html: bool
) -> FeedGenerator:
    """The feed; with `as_html` (RSS) every text a reader renders is escaped as HTML."""

    def text(value: str) -> str:
        clean = xml_text(value)
        return html.escape(clean, quote=False) if as_html else clean

    feed = FeedGenerator()
    feed.id(head.home_url)
    feed.title(text(head.title))
    feed.subtitle(text(head.description) or text(head.title))
    feed.language(head.language)
    feed.author({"name": xml_text(head.publisher)})
    feed.link(href=head.home_url, rel="alternate")
    feed.generator("babelwire")
    newest: datetime | None = None
    for item, url in items:
        entry = feed.add_entry(order="append")
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(text(item.title) or url)
        entry.link(href=url, rel="alternate")
        summary = text(_summary(item))
        if summary:
            entry.description(summary, isSummary=True)
        published = _aware(item.published)
        updated = _aware(item.updated) or published
        if published is not None:
            entry.published(published)
        if updated is not None:
            entry.updated(updated)
            newest = updated if newest is None or updated > newest else newest
    feed.updated(newest or datetime(1970, 1, 1, tzinfo=UTC))
    return feed


def rss_feed(head: FeedHead, items: Sequence[tuple[FeedItem, str]]) -> bytes:
    """RSS 2.0: each item is (article, its absolute URL in this edition)."""
    feed = _generator(head, items, as_html=True)
    feed.link(href=head.rss_url, rel="self")
    return bytes(feed.rss_str(pretty=True))


def atom_feed(head: FeedHead, items: Sequence[tuple[FeedItem, str]]) -> bytes:
    feed = _generator(head, items, as_html=False)
    feed.link(href=head.atom_url, rel="self")
    return bytes(feed.atom_str(pretty=True))


def _rfc3339(value: datetime | None) -> str | None:
    value = _aware(value)
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_feed(head: FeedHead, items: Sequence[tuple[FeedItem, str]]) -> bytes:
    """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)."""
    entries = []
    for item, url in items:
        entry: dict[str, object] = {
            "id": url,
            "url": url,
            "title": item.title,
            "content_text": item.summary or item.title,
            "language": item.language,
            "authors": [{"name": item.source_name}],
        }
        if item.summary:
            entry["summary"] = item.summary[:SUMMARY_MAX]
        if item.original_url:
            entry["external_url"] = item.original_url
        published = _rfc3339(item.published)
        if published:
            entry["date_published"] = published
        modified = _rfc3339(item.updated)
        if modified:
            entry["date_modified"] = modified
        entries.append(entry)
    document = {
        "version": JSON_FEED_VERSION,
        "title": head.title,
        "home_page_url": head.home_url,
        "feed_url": head.json_url,
        "description": head.description,
        "language": head.language,
        "authors": [{"name": head.publisher}],
        "items": entries,
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
