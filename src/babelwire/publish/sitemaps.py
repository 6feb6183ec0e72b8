"""Sitemaps (sitemaps.org 0.9), the Google News sitemap and robots.txt.

An edition's articles are split into numbered sitemaps of at most
`SITEMAP_URLS` addresses each, well under the protocol's 50,000: each file stays
small, and publishing one article rewrites only one of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from babelwire.publish.xmltext import xml_text

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
SITEMAP_URLS = 2_000
#: The protocol's limit of addresses in one sitemap.
MAX_URLS = 50_000


@dataclass(frozen=True, slots=True)
class SitemapUrl:
    loc: str
    lastmod: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewsUrl:
    loc: str
    title: str
    language: str
    published: datetime


def w3c_time(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _serialise(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def sitemap_index(sitemaps: Sequence[SitemapUrl]) -> bytes:
    root = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap={None: SITEMAP_NS})
    for item in sitemaps:
        node = etree.SubElement(root, f"{{{SITEMAP_NS}}}sitemap")
        etree.SubElement(node, f"{{{SITEMAP_NS}}}loc").text = item.loc
        if item.lastmod is not None:
            etree.SubElement(node, f"{{{SITEMAP_NS}}}lastmod").text = w3c_time(item.lastmod)
    return _serialise(root)


def url_set(urls: Sequence[SitemapUrl]) -> bytes:
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    for item in urls:
        node = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(node, f"{{{SITEMAP_NS}}}loc").text = item.loc
        if item.lastmod is not None:
            etree.SubElement(node, f"{{{SITEMAP_NS}}}lastmod").text = w3c_time(item.lastmod)
    return _serialise(root)


def news_sitemap(publication: str, urls: Sequence[NewsUrl]) -> bytes:
    """Google News sitemap: articles first published in the last two days."""
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS, "news": NEWS_NS})
    for item in urls:
        node = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(node, f"{{{SITEMAP_NS}}}loc").text = item.loc
        news = etree.SubElement(node, f"{{{NEWS_NS}}}news")
        pub = etree.SubElement(news, f"{{{NEWS_NS}}}publication")
        etree.SubElement(pub, f"{{{NEWS_NS}}}name").text = xml_text(publication)
        etree.SubElement(pub, f"{{{NEWS_NS}}}language").text = item.language
        etree.SubElement(news, f"{{{NEWS_NS}}}publication_date").text = w3c_time(item.published)
        etree.SubElement(news, f"{{{NEWS_NS}}}title").text = xml_text(item.title)
    return _serialise(root)


def robots_txt(sitemap_url: str, search_paths: Sequence[str]) -> str:
    """Everything may be crawled except search results; the sitemap index is announced."""
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in search_paths]
    lines += ["Allow: /", "", f"Sitemap: {sitemap_url}", ""]
    return "\n".join(lines)
