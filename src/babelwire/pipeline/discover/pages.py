"""Plain web pages as sources: their feeds if they announce any, else their article links.

`babelwire source add https://news.example/` should not require the operator to
hunt for the feed: the home page's `<link rel="alternate">` usually names it.
A page with no feed is followed as it is: each poll reads the links that look
like articles (on the same site, with a headline for text, outside navigation)
and treats them as entries.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from babelwire.model import FeedEntry, ParsedFeed
from babelwire.pipeline.discover.urls import absolute_http_url
from babelwire.pipeline.extract.text import clean_text

__all__ = ["NotAPage", "article_links", "feed_links", "is_html", "parse_page"]

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/rdf+xml",
    "application/json",
)
MAX_LINKS = 200
# Paths that list or describe rather than report.
_NOT_ARTICLE = re.compile(
    r"/(tag|tags|category|categories|author|authors|topic|topics|section|search|login|"
    r"register|subscribe|account|about|contact|privacy|terms|cookies|feed|rss|page)(/|$)",
    re.IGNORECASE,
)
_FILE = re.compile(r"\.(jpe?g|png|gif|webp|svg|pdf|zip|mp3|mp4|css|js|xml|json)$", re.I)
_CHROME = {"nav", "header", "footer", "aside", "form"}


class NotAPage(Exception):
    """The content is not an HTML page."""


def is_html(content: bytes, content_type: str = "") -> bool:
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return content_type in ("text/html", "application/xhtml+xml") or head.startswith(
        (b"<!doctype html", b"<html")
    )


def _document(content: bytes, base_url: str) -> lxml_html.HtmlElement:
    if not content.strip():
        raise NotAPage("an empty document, not a page")
    try:
        root = lxml_html.document_fromstring(content, base_url=base_url)
    except (etree.ParserError, ValueError) as exc:
        raise NotAPage(f"not a readable HTML page: {exc}") from exc
    return root


def feed_links(content: bytes, base_url: str) -> list[str]:
    """The feeds a page announces with <link rel="alternate" type="...">, in page order."""
    root = _document(content, base_url)
    found: list[str] = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = link.get("href") or ""
        if "alternate" in rel and kind in FEED_TYPES and href:
            url = absolute_http_url(href, base_url)
            if url and url not in found:
                found.append(url)
    return found


def article_links(content: bytes, base_url: str) -> list[tuple[str, str]]:
    """(URL, headline) of the links on a page that look like articles of the same site."""
    root = _document(content, base_url)
    site = _site(base_url)
    found: dict[str, str] = {}
    for anchor in root.iter("a"):
        if any(_tag(a) in _CHROME for a in anchor.iterancestors()):
            continue
        url = absolute_http_url(anchor.get("href") or "", base_url)
        if not url or _site(url) != site:
            continue
        path = urlsplit(url).path
        if path in ("", "/") or _NOT_ARTICLE.search(path) or _FILE.search(path):
            continue
        text = clean_text(anchor.text_content())
        if len(text.split()) < 3:  # "More", "Next page", an icon: not a headline
            continue
        key = url.split("#", 1)[0]
        if key not in found:
            found[key] = text
        if len(found) >= MAX_LINKS:
            break
    return list(found.items())


def parse_page(content: bytes, base_url: str) -> ParsedFeed:
    """A page's article links as feed entries (no dates: the page does not give them)."""
    root = _document(content, base_url)
    title_element = root.find(".//title")
    title = clean_text(title_element.text_content()) if title_element is not None else ""
    entries = [
        FeedEntry(guid=url, url=url, title=headline)
        for url, headline in article_links(content, base_url)
    ]
    problem = "" if entries else "no article links found on the page"
    return ParsedFeed(title=title, entries=entries, link=base_url, problem=problem)


def _tag(element: etree._Element) -> str:
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


def _site(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host
