"""Sitemaps as sources: urlsets, sitemap indexes and Google News sitemaps.

A news site without a feed usually has a News sitemap (the last two days of
articles, with titles and dates), often behind a sitemap index. A sitemap is
read like a feed: its URLs become entries, newest first. An index is followed
down to `max_depth` levels and at most `max_sitemaps` documents, never visiting
one twice, so an index that lists itself (or a cycle of them) ends.

The XML is parsed without DTDs, external entities or network access, and
gzip-compressed sitemaps (`.xml.gz`) are inflated under the same size cap as
any response.
"""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from babelwire.model import FeedEntry, FetchResult, ParsedFeed
from babelwire.pipeline.discover.urls import absolute_http_url
from babelwire.pipeline.extract.text import clean_text
from babelwire.pipeline.fetch.hosts import HostPaused
from babelwire.pipeline.fetch.http import FetchError

__all__ = ["NotASitemap", "Sitemap", "is_sitemap", "parse_sitemap", "walk_sitemaps"]

MAX_DEPTH = 3
MAX_SITEMAPS = 50
MAX_URLS = 50_000  # the protocol's own limit per document


class NotASitemap(Exception):
    """The document is not a sitemap or sitemap index."""


@dataclass(slots=True)
class Sitemap:
    """One sitemap document: the pages it lists, or (an index) the sitemaps it lists."""

    entries: list[FeedEntry] = field(default_factory=list)
    children: list[str] = field(default_factory=list)

    @property
    def is_index(self) -> bool:
        return bool(self.children)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=True,
    )


def _inflate(content: bytes, max_bytes: int) -> bytes:
    if not content.startswith(b"\x1f\x8b"):
        return content
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(content, max_bytes + 1)
    except zlib.error as exc:
        raise NotASitemap(f"corrupt gzip sitemap: {exc}") from exc
    if len(out) > max_bytes:
        raise NotASitemap(f"sitemap larger than {max_bytes} bytes once inflated")
    return out


def _local(element: etree._Element) -> str:
    """An element's lowercase local name; "" for comments, PIs and names lxml refuses.

    The recovering parser keeps elements whose names QName will not accept
    (`<:ss/>`), and names or namespaces that are not valid UTF-8 (a `&#xD800;`
    in xmlns), which lxml cannot even decode: such an element is nothing a
    sitemap is made of.
    """
    try:
        tag = element.tag
        if not isinstance(tag, str):
            return ""
        name: str = etree.QName(tag).localname
    except ValueError:  # UnicodeDecodeError included
        return ""
    return name.lower()


def _text(element: etree._Element) -> str:
    try:
        return (element.text or "").strip()
    except ValueError:  # text lxml cannot decode: none
        return ""


def is_sitemap(content: bytes) -> bool:
    """Whether the document's root is <urlset> or <sitemapindex>."""
    try:
        root = etree.fromstring(_inflate(content, 10 * 1024 * 1024), _parser())
    except (etree.XMLSyntaxError, NotASitemap, ValueError):
        return False
    return root is not None and _local(root) in ("urlset", "sitemapindex")


def parse_sitemap(content: bytes, base_url: str, max_bytes: int = 10 * 1024 * 1024) -> Sitemap:
    """Read one sitemap document; raises NotASitemap for anything else."""
    try:
        root = etree.fromstring(_inflate(content, max_bytes), _parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise NotASitemap(f"not a readable sitemap: {exc}") from exc
    if root is None:
        raise NotASitemap("an empty document, not a sitemap")
    kind = _local(root)
    sitemap = Sitemap()
    if kind == "sitemapindex":
        for element in root:
            if _local(element) == "sitemap":
                loc = absolute_http_url(_child_text(element, "loc"), base_url)
                if loc:
                    sitemap.children.append(loc)
        return sitemap
    if not kind:
        raise NotASitemap("an XML document whose root element cannot be read, not a sitemap")
    if kind != "urlset":
        raise NotASitemap(f"an XML document with root <{kind}>, not a sitemap")
    seen: set[str] = set()
    for element in root:
        if _local(element) != "url" or len(sitemap.entries) >= MAX_URLS:
            continue
        loc = absolute_http_url(_child_text(element, "loc"), base_url)
        if not loc or loc in seen:
            continue
        seen.add(loc)
        news = next((c for c in element if _local(c) == "news"), None)
        lastmod = _w3c_date(_child_text(element, "lastmod"))
        title = clean_text(_child_text(news, "title")) if news is not None else ""
        published = _w3c_date(_child_text(news, "publication_date")) if news is not None else None
        sitemap.entries.append(
            FeedEntry(
                guid=loc,
                url=loc,
                title=title,
                published=published or lastmod,
                updated=lastmod,
            )
        )
    return sitemap


def _child_text(element: etree._Element | None, name: str) -> str:
    if element is None:
        return ""
    for child in element:
        if _local(child) == name:
            return _text(child)
    return ""


def _w3c_date(text: str) -> datetime | None:
    """W3C datetime (2024-05-01, 2024-05-01T10:00:00+02:00, ...Z) to aware UTC."""
    text = text.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59-01:00 is after the last UTC date there is
        return None


Fetch = Callable[[str], Awaitable[FetchResult]]


async def walk_sitemaps(
    root: FetchResult,
    fetch: Fetch,
    *,
    max_depth: int = MAX_DEPTH,
    max_sitemaps: int = MAX_SITEMAPS,
    max_bytes: int = 10 * 1024 * 1024,
) -> ParsedFeed:
    """Every page listed under the sitemap `root` (already fetched), newest first.

    Child sitemaps are fetched with `fetch`; one that fails is reported in
    `problem` and the others are still read. Raises NotASitemap when `root`
    itself is not a sitemap.
    """
    first = parse_sitemap(root.content, root.final_url, max_bytes)
    visited = {root.url, root.final_url}
    entries: dict[str, FeedEntry] = {}
    problems: list[str] = []
    documents = 1
    level: list[tuple[str, Sitemap]] = [(root.final_url, first)]
    depth = 0
    while level:
        next_level: list[tuple[str, Sitemap]] = []
        for _url, sitemap in level:
            for entry in sitemap.entries:
                entries.setdefault(entry.guid, entry)
            for child in sitemap.children:
                if child in visited:
                    continue
                visited.add(child)
                if depth + 1 > max_depth:
                    problems.append(f"sitemaps nested deeper than {max_depth} levels skipped")
                    continue
                if documents >= max_sitemaps:
                    problems.append(f"more than {max_sitemaps} sitemaps; the rest skipped")
                    continue
                documents += 1
                try:
                    result = await fetch(child)
                    next_level.append((child, parse_sitemap(result.content, result.final_url)))
                except (NotASitemap, FetchError, HostPaused) as exc:
                    # One bad child must not lose what the others list.
                    problems.append(f"{child}: {exc}")
        level = next_level
        depth += 1
    ordered = sorted(
        entries.values(),
        key=lambda e: e.published or datetime.min.replace(tzinfo=UTC),
        reverse=True,
    )
    return ParsedFeed(
        title="",
        entries=ordered,
        link=root.final_url,
        problem="; ".join(dict.fromkeys(problems)),
    )
