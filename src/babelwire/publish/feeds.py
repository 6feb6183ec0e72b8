"""Feeds of an edition or a section: RSS 2.0 and Atom (feedgen) and JSON Feed 1.1.

Titles and summaries are plain text from sources and engines; feedgen
serialises them with lxml, so markup in them stays text (escaped) and `]]>`
cannot close anything. RSS readers take a title or description, once the XML
is read, as HTML: there the text is escaped as HTML first, so that a page
quoting markup (`&lt;img onerror=...&gt;` in its source, `<img onerror=...>` in
its text) reaches a reader as those characters, never as an element. Atom's
title and summary are declared text (no `type="html"`), and the JSON feed
carries the same text as JSON strings.

Each item carries its provenance as the article page does: the notice (translated
automatically from a language by an engine, revised by a person or not; or written
in a language), the link to the original, the author and the categories (section and
tags). The full text goes as HTML built here, never taken from a source: each block's
text escaped into <p>, <h2>, <blockquote> or <li>, the notice and the original's link
first, so a reader that shows only the content still shows where the text comes from.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from lxml import etree

from babelwire.publish.paths import safe_url
from babelwire.publish.xmltext import xml_text
from babelwire.storage.published.views import FeedItem, TextBlock

ATOM_NS = "http://www.w3.org/2005/Atom"
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
    hub_url: str = ""  # the WebSub hub readers may subscribe through (websub.publisher_hub)


@dataclass(frozen=True, slots=True)
class Category:
    """A section or tag an item is filed under: `term` its slug, `label` its name in
    the edition, `url` its page (absolute)."""

    term: str
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class FeedImage:
    """An item's picture, a JPEG on this site: its absolute URL, size in bytes and pixels."""

    url: str
    length: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed: the article, its absolute URL in the edition, the notice in
    the edition's language, the words that introduce the original's link, and its
    categories."""

    item: FeedItem
    url: str
    notice: str
    original_label: str = "Original:"
    categories: tuple[Category, ...] = ()
    image: FeedImage | None = None

    @property
    def author(self) -> str:
        return self.item.author.strip() or self.item.source_name

    @property
    def original_url(self) -> str:
        return safe_url(self.item.original_url)


def _block_html(blocks: Sequence[TextBlock]) -> list[str]:
    parts: list[str] = []
    in_list = False
    for block in blocks:
        text = html.escape(xml_text(block.text).strip(), quote=False)
        if not text:
            continue
        if block.kind == "li":
            if not in_list:
                parts.append("<ul>")
                in_list = True
            parts.append(f"<li>{text}</li>")
            continue
        if in_list:
            parts.append("</ul>")
            in_list = False
        if block.kind == "h":
            parts.append(f"<h2>{text}</h2>")
        elif block.kind == "quote":
            parts.append(f"<blockquote><p>{text}</p></blockquote>")
        else:
            parts.append(f"<p>{text}</p>")
    if in_list:
        parts.append("</ul>")
    return parts


def _provenance_html(entry: FeedEntry) -> str:
    notice = html.escape(xml_text(entry.notice), quote=False)
    original = entry.original_url
    if not original:
        return f"<p><em>{notice}</em></p>"
    label = html.escape(entry.original_label, quote=False)
    source = html.escape(xml_text(entry.item.source_name), quote=False)
    href = html.escape(original, quote=True)
    return f'<p><em>{notice}</em> {label} <a href="{href}">{source}</a></p>'


def content_html(entry: FeedEntry) -> str:
    """The item's whole text as HTML: the notice and the original's link, then the text
    (every character of it escaped; the only elements are the ones written here)."""
    return "\n".join([_provenance_html(entry), *_block_html(entry.item.blocks)])


def content_text(entry: FeedEntry) -> str:
    """The item's whole text as plain text, the notice and the original's address first."""
    head = entry.notice
    if entry.original_url:
        head += f" {entry.original_label} {entry.original_url}"
    body = [b.text.strip() for b in entry.item.blocks if b.text.strip()]
    return "\n\n".join([head, *body]) if body else "\n\n".join([head, entry.item.title])


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _summary(item: FeedItem) -> str:
    text = xml_text(item.summary)
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1].rstrip() + "…"


def _summary_with_notice(entry: FeedEntry) -> str:
    """The first paragraph, then the notice: readers that show only the summary see it."""
    summary = _summary(entry.item)
    notice = xml_text(entry.notice)
    return f"{summary}\n\n{notice}" if summary else notice


def _generator(
    head: FeedHead, entries: Sequence[FeedEntry], *, self_url: str, as_html: bool
) -> FeedGenerator:
    """The feed; with `as_html` (RSS) every text a reader renders is escaped as HTML."""

    def text(value: str) -> str:
        clean = xml_text(value)
        return html.escape(clean, quote=False) if as_html else clean

    feed = FeedGenerator()
    if as_html:
        feed.load_extension("dc", atom=False, rss=True)
        feed.load_extension("media", atom=False, rss=True)
    feed.id(head.home_url)
    feed.title(text(head.title))
    feed.subtitle(text(head.description) or text(head.title))
    feed.language(head.language)
    feed.author({"name": xml_text(head.publisher)})
    # feedgen takes the last link given as RSS's <channel><link>: the page, not the feed.
    if head.hub_url and not as_html:  # RSS: an atom:link written by rss_feed
        feed.link(href=head.hub_url, rel="hub")
    feed.link(href=self_url, rel="self")
    feed.link(href=head.home_url, rel="alternate")
    feed.generator("babelwire")
    newest: datetime | None = None
    for each in entries:
        item, url = each.item, each.url
        entry = feed.add_entry(order="append")
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(text(item.title) or url)
        entry.link(href=url, rel="alternate")
        original = each.original_url
        if original and as_html:
            entry.source(url=original, title=xml_text(item.source_name) or original)
        entry.description(text(_summary_with_notice(each)), isSummary=True)
        entry.content(xml_text(content_html(each)), type="html")
        author = xml_text(each.author)
        if as_html:
            entry.dc.dc_creator(author)
        else:
            entry.author({"name": author})
        if each.image is not None and as_html:
            picture = each.image
            entry.enclosure(picture.url, str(picture.length), "image/jpeg")
            entry.media.content(
                {
                    "url": picture.url,
                    "type": "image/jpeg",
                    "medium": "image",
                    "width": str(picture.width),
                    "height": str(picture.height),
                }
            )
        for category in each.categories:
            entry.category({"term": xml_text(category.term), "label": xml_text(category.label)})
        published = _aware(item.published)
        updated = _aware(item.updated) or published
        if published is not None:
            entry.published(published)
        if updated is not None:
            entry.updated(updated)
            newest = updated if newest is None or updated > newest else newest
    feed.updated(newest or datetime(1970, 1, 1, tzinfo=UTC))
    return feed


def rss_feed(head: FeedHead, entries: Sequence[FeedEntry]) -> bytes:
    """RSS 2.0: the channel links to the page; atom:link rel=self names the feed."""
    feed = _generator(head, entries, self_url=head.rss_url, as_html=True)
    if not head.hub_url:
        return bytes(feed.rss_str(pretty=True))
    root = etree.fromstring(feed.rss_str())
    channel = root.find("channel")
    assert channel is not None
    hub = etree.Element(f"{{{ATOM_NS}}}link", href=head.hub_url, rel="hub")
    channel.insert(0, hub)
    etree.indent(root, space="  ")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def atom_feed(head: FeedHead, entries: Sequence[FeedEntry]) -> bytes:
    feed = _generator(head, entries, self_url=head.atom_url, as_html=False)
    root = etree.fromstring(feed.atom_str())
    # feedgen writes an entry's links without their rel: written here instead.
    for element, each in zip(root.iterfind(f"{{{ATOM_NS}}}entry"), entries, strict=True):
        for link in element.findall(f"{{{ATOM_NS}}}link"):
            element.remove(link)
        etree.SubElement(element, f"{{{ATOM_NS}}}link", href=each.url, rel="alternate")
        if each.original_url:
            etree.SubElement(element, f"{{{ATOM_NS}}}link", href=each.original_url, rel="via")
        if each.image is not None:
            etree.SubElement(
                element,
                f"{{{ATOM_NS}}}link",
                href=each.image.url,
                rel="enclosure",
                type="image/jpeg",
                length=str(each.image.length),
            )
    etree.indent(root, space="  ")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _rfc3339(value: datetime | None) -> str | None:
    value = _aware(value)
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_feed(head: FeedHead, entries: Sequence[FeedEntry]) -> bytes:
    """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/); `_babelwire` (an extension,
    as the specification allows) says how each item's text got here."""
    items = []
    for each in entries:
        item, url = each.item, each.url
        entry: dict[str, object] = {
            "id": url,
            "url": url,
            "title": item.title,
            "content_html": content_html(each),
            "content_text": content_text(each),
            "summary": _summary_with_notice(each),
            "language": item.language,
            "authors": [{"name": each.author}],
        }
        if each.original_url:
            entry["external_url"] = each.original_url
        if each.image is not None:
            entry["image"] = each.image.url
        if each.categories:
            entry["tags"] = [category.label for category in each.categories]
        published = _rfc3339(item.published)
        if published:
            entry["date_published"] = published
        modified = _rfc3339(item.updated)
        if modified:
            entry["date_modified"] = modified
        entry["_babelwire"] = {
            "notice": each.notice,
            "status": item.status,
            "original_language": item.original_language,
            "engine": item.engine or None,
            "engine_version": item.engine_version or None,
            "model_version": item.model_version or None,
            "revised_by_person": item.revised,
            "source": item.source_name,
        }
        items.append(entry)
    document: dict[str, object] = {
        "version": JSON_FEED_VERSION,
        "title": head.title,
        "home_page_url": head.home_url,
        "feed_url": head.json_url,
        "description": head.description,
        "language": head.language,
        "authors": [{"name": head.publisher}],
        "items": items,
    }
    if head.hub_url:
        document["hubs"] = [{"type": "WebSub", "url": head.hub_url}]
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
