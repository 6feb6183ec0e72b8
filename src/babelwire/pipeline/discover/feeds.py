"""Feed bytes -> feed entries: RSS 0.9x/1.0/2.0, Atom, RDF through feedparser, JSON Feed by hand.

Feeds in the wild are broken in every way a format can be broken. Following
feedparser's own rule, a bad feed is never an exception: what could be read is
returned, and what went wrong is recorded in `ParsedFeed.problem` for the
source's health page. Only input that is not a feed at all (an HTML page
where the feed used to be, an empty body, a PDF) raises `NotAFeed`, because
then the source's configuration is what needs fixing.

Everything an entry carries is normalised here, once: plain-text titles and
summaries, absolute http(s) URLs, UTC datetimes, a guid for every entry.
"""

from __future__ import annotations

import calendar
import dataclasses
import hashlib
import html
import io
import json
import re
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser
import nh3

from babelwire.failure import describe_error
from babelwire.model import FeedEntry, ParsedFeed
from babelwire.pipeline.discover.urls import absolute_http_url
from babelwire.pipeline.extract.text import clean_text, html_to_text

__all__ = ["NotAFeed", "parse_feed"]

_JSON_TYPES = ("application/feed+json", "application/json")


class NotAFeed(Exception):
    """The content is not a feed; the message says what it is instead."""


def parse_feed(content: bytes, base_url: str, content_type: str = "") -> ParsedFeed:
    """Parse a feed document into entries, resolving links against `base_url`.

    `base_url` is the URL the feed was fetched from (after redirects);
    `content_type` is the response's media type, used only to recognise JSON
    Feed: the charset was dropped with the parameters, and feedparser reads
    the encoding from the document itself more reliably than from a bare
    `text/xml` (which RFC 3023 would make US-ASCII).

    Raises NotAFeed when nothing feed-like is found; any other problem is
    reported in `ParsedFeed.problem`.
    """
    head = content[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if content_type.lower() in _JSON_TYPES or head.startswith(b"{"):
        return _parse_json_feed(content, base_url)
    return _parse_xml_feed(content, base_url)


# --- RSS / Atom / RDF ------------------------------------------------------------------


def _parse_xml_feed(content: bytes, base_url: str) -> ParsedFeed:
    if not content.strip():
        raise NotAFeed(_describe_non_feed(content))
    # A stream, never bytes: given bytes, feedparser first tries them as a
    # local file name, and a hostile body such as b"/etc/passwd" would be read.
    # The content type is always given as application/xml, whatever the server
    # said: without one feedparser flags every feed, and a bare text/xml (its
    # charset dropped upstream) would mean US-ASCII; application/xml lets the
    # document's own BOM or XML declaration decide, defaulting to UTF-8.
    try:
        result = feedparser.parse(
            io.BytesIO(content),
            response_headers={"content-location": base_url, "content-type": "application/xml"},
        )
    except Exception as exc:  # feedparser's loose parser raises a zoo of types on broken XML
        raise NotAFeed(f"a feed too broken to read ({describe_error(exc)})") from exc
    version = result.get("version") or ""
    raw_entries = result.get("entries") or []
    if not version and not raw_entries:
        raise NotAFeed(_describe_non_feed(content))

    problem = ""
    if result.get("bozo"):
        bozo = result.get("bozo_exception")
        problem = clean_text(str(bozo)) or type(bozo).__name__
    feed = result.get("feed") or {}
    entries = _unique(e for e in (_xml_entry(raw, base_url) for raw in raw_entries) if e)
    links = [link for link in feed.get("links") or [] if isinstance(link, Mapping)]
    return ParsedFeed(
        title=_detail_text(feed, "title"),
        entries=entries,
        link=absolute_http_url(_str(feed.get("link")), base_url),
        problem=problem,
        hubs=_hubs(
            (_str(link.get("href")) for link in links if link.get("rel") == "hub"), base_url
        ),
        self_url=next(
            (
                absolute_http_url(_str(link.get("href")), base_url)
                for link in links
                if link.get("rel") == "self"
            ),
            "",
        ),
    )


# A feed naming more hubs than this is not announcing where it pushes.
MAX_HUBS = 5


def _hubs(urls: Iterable[str], base_url: str) -> tuple[str, ...]:
    """The WebSub hubs a feed names: absolute http(s) URLs, once each, the first few."""
    found = [absolute_http_url(url, base_url) for url in urls]
    return tuple(dict.fromkeys(url for url in found if url))[:MAX_HUBS]


def _xml_entry(raw: dict[str, Any], base_url: str) -> FeedEntry | None:
    url = absolute_http_url(_str(raw.get("link")), base_url)
    title = _detail_text(raw, "title")
    summary = _detail_text(raw, "summary")
    content_html = _content_html(raw.get("content"))
    if not url and not content_html and not summary:
        return None
    author_detail = raw.get("author_detail") or {}
    author = _str(author_detail.get("name")) or _str(raw.get("author"))
    return FeedEntry(
        guid=_guid(_str(raw.get("id")), url, title, summary),
        url=url,
        title=title,
        summary=summary,
        content_html=content_html,
        author=clean_text(author),
        # An entry with one date (RDF's dc:date, Atom's required <updated>) was
        # published then. dict.get skips feedparser's deprecated fallback
        # from updated_parsed to published_parsed (and its warning).
        published=_struct_time_utc(dict.get(raw, "published_parsed"))
        or _struct_time_utc(dict.get(raw, "updated_parsed")),
        updated=_struct_time_utc(dict.get(raw, "updated_parsed")),
    )


def _detail_text(item: Mapping[str, Any], key: str) -> str:
    """Plain text of a feedparser text construct, whichever type the feed declared.

    feedparser has already unescaped `text/plain` values; stripping tags from
    them would eat a headline such as "Why <br> breaks layouts".
    """
    value = _str(item.get(key))
    detail = item.get(f"{key}_detail") or {}
    kind = _str(detail.get("type")) if isinstance(detail, Mapping) else ""
    if "html" in kind:
        return html_to_text(value)
    return clean_text(value)


def _content_html(contents: object) -> str:
    """The entry's full content (content:encoded, atom:content) as HTML, if any."""
    if not isinstance(contents, list):
        return ""
    plain = ""
    for item in contents:
        if not isinstance(item, Mapping):
            continue
        value = _str(item.get("value")).strip()
        if not value:
            continue
        if "html" in _str(item.get("type")):
            return value
        plain = plain or value
    return _text_to_html(plain) if plain else ""


def _struct_time_utc(value: object) -> datetime | None:
    """feedparser's *_parsed values are struct_time in UTC; make them aware datetimes."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


# --- JSON Feed ---------------------------------------------------------------------------


def _parse_json_feed(content: bytes, base_url: str) -> ParsedFeed:
    """JSON Feed 1.0 and 1.1 (https://jsonfeed.org), which feedparser 6 does not read."""
    try:
        # Integers stay text: an id of thousands of digits is still an id, and
        # int() refuses numbers that long (CVE-2020-10735).
        data = json.loads(content.decode("utf-8-sig"), parse_int=str)
    except UnicodeDecodeError:
        raise NotAFeed("JSON that is not UTF-8, not a JSON Feed") from None
    except json.JSONDecodeError as exc:
        if content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
            raise NotAFeed(f"invalid JSON ({exc.msg} at line {exc.lineno}), not a feed") from None
        # Declared JSON, but the body is something else (e.g. an XML feed).
        return _parse_xml_feed(content, base_url)
    except (ValueError, RecursionError) as exc:  # nesting deeper than the parser's stack
        raise NotAFeed(f"unreadable JSON ({describe_error(exc)}), not a feed") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise NotAFeed("a JSON document, not a JSON Feed")

    version = _str(data.get("version"))
    problem = ""
    if not version.startswith("https://jsonfeed.org/version/"):
        problem = f"unknown JSON Feed version {version!r}" if version else "no JSON Feed version"
    feed_author = _json_author(data)
    entries = _unique(
        e
        for e in (_json_entry(item, base_url, feed_author) for item in data["items"])
        if e is not None
    )
    hubs = data.get("hubs")
    return ParsedFeed(
        title=clean_text(_str(data.get("title"))),
        entries=entries,
        link=absolute_http_url(_str(data.get("home_page_url")), base_url),
        problem=problem,
        hubs=_hubs(
            (
                _str(hub.get("url"))
                for hub in (hubs if isinstance(hubs, list) else [])
                if isinstance(hub, Mapping) and _str(hub.get("type")).lower() in ("websub", "")
            ),
            base_url,
        ),
        self_url=absolute_http_url(_str(data.get("feed_url")), base_url),
    )


def _json_entry(item: object, base_url: str, feed_author: str) -> FeedEntry | None:
    if not isinstance(item, dict):
        return None
    url = absolute_http_url(_str(item.get("url")) or _str(item.get("external_url")), base_url)
    title = clean_text(_str(item.get("title")))
    content_html = _str(item.get("content_html")).strip()
    content_text = _str(item.get("content_text")).strip()
    if content_html:
        # feedparser sanitises XML feeds' HTML; do the same so every entry
        # leaves this stage equally safe to store and render.
        content_html = nh3.clean(content_html)
    elif content_text:
        content_html = _text_to_html(content_text)
    summary = clean_text(_str(item.get("summary")))
    if not summary and not content_html:
        summary = clean_text(content_text)
    if not url and not content_html and not summary:
        return None
    raw_id = item.get("id")  # a string, or a number kept as its digits (see parse_int)
    guid = clean_text(raw_id) if isinstance(raw_id, str) else ""
    return FeedEntry(
        guid=_guid(guid, url, title, summary),
        url=url,
        title=title,
        summary=summary,
        content_html=content_html,
        author=_json_author(item) or feed_author,
        published=_iso_utc(item.get("date_published")),
        updated=_iso_utc(item.get("date_modified")),
    )


def _json_author(obj: Mapping[str, Any]) -> str:
    """JSON Feed 1.1 `authors` (a list) or 1.0 `author` (one object)."""
    authors = obj.get("authors")
    candidates = authors if isinstance(authors, list) else [obj.get("author")]
    names = [clean_text(_str(a.get("name"))) for a in candidates if isinstance(a, Mapping)]
    return ", ".join(n for n in names if n)


def _iso_utc(value: object) -> datetime | None:
    """RFC 3339 (JSON Feed's date format) to an aware UTC datetime; a bad date is no date."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first UTC date there is
        return None


# --- shared ------------------------------------------------------------------------------


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _guid(given: str, url: str, title: str, summary: str) -> str:
    """The feed's id, else the link, else a content hash, so every entry has a stable key."""
    given = clean_text(given)
    if given:
        return given
    if url:
        return url
    return "sha1:" + hashlib.sha1((title + "\n" + summary).encode("utf-8")).hexdigest()


def _unique(entries: Iterable[FeedEntry]) -> list[FeedEntry]:
    """One entry per item: a feed listing one item twice must not make two articles.

    A guid repeated with another link is a broken CMS reusing one id, not one
    item listed twice: those entries are told apart by their link instead.
    """
    seen: dict[str, str] = {}  # guid -> url
    out: list[FeedEntry] = []
    for entry in entries:
        if entry.guid in seen and entry.url and seen[entry.guid] != entry.url:
            entry = dataclasses.replace(entry, guid=entry.url)
        if entry.guid not in seen:
            seen[entry.guid] = entry.url
            out.append(entry)
    return out


def _text_to_html(text: str) -> str:
    """Plain text with blank-line paragraphs -> escaped <p> elements."""
    paragraphs = (clean_text(p) for p in re.split(r"\n\s*\n", text))
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs if p)


_ROOT_ELEMENT = re.compile(rb"<([A-Za-z_][\w:.-]*)")


def _describe_non_feed(content: bytes) -> str:
    """Say what the document is, so the source's error message is actionable."""
    head = content[:2048].lstrip(b"\xef\xbb\xbf \t\r\n\x00")
    lowered = head.lower()
    if not head:
        return "an empty document, not a feed"
    if head.startswith(b"%PDF"):
        return "a PDF document, not a feed"
    if head.startswith((b"\x89PNG", b"GIF8", b"\xff\xd8\xff")):
        return "an image, not a feed"
    if b"<html" in lowered or b"<!doctype html" in lowered:
        return "an HTML page, not a feed"
    if head.startswith(b"<"):
        body = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", b"", head, flags=re.S)
        match = _ROOT_ELEMENT.search(body)
        if match:
            root = match.group(1).decode("ascii", "replace")
            return f"an XML document with root <{root}>, not a feed"
        return "an XML document, not a feed"
    if head.startswith((b"{", b"[")):
        return "a JSON document, not a feed"
    return "not a feed (unrecognised content)"
