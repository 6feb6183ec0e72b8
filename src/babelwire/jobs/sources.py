"""Use cases for the operator's list of sources: add (working out what the URL is),
list, remove, import and export OPML."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from babelwire.clock import utcnow
from babelwire.errors import InputError
from babelwire.model import SOURCE_KINDS as KINDS
from babelwire.newsroom import Newsroom
from babelwire.pipeline.discover.urls import (
    InvalidSourceURL,
    private_host_reason,
    validate_source_url,
)
from babelwire.storage import articles, sources
from babelwire.storage.tables import SourceRow

# Fetching, parsing and the story desk are imported by the use cases that need
# them: listing or exporting sources reads the database only.

# What the sources table holds: a longer name is cut, a language is an ISO 639 code.
NAME_CHARS = 300
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(?:[-_][a-z0-9]{1,8})*")


class SourceError(InputError):
    """The operator asked for something about sources that cannot be done."""


class SourceUnreachable(SourceError):
    """The URL could not be fetched just now (network, server error); it may work later."""


def check_section(newsroom: Newsroom, section: str | None) -> None:
    if section and newsroom.config.section(section) is None:
        known = ", ".join(s.slug for s in newsroom.config.sections)
        raise SourceError(f"unknown section {section!r}; sections: {known}")


@dataclass(frozen=True, slots=True)
class SourceInfo:
    id: int
    url: str
    name: str
    language: str | None
    section: str | None
    last_fetched_at: datetime | None
    last_status: str | None
    last_error: str | None
    next_fetch_at: datetime | None
    articles: int
    kind: str = "feed"
    allow_private: bool = False
    interval_minutes: int = 30
    poll_reason: str = ""
    consecutive_failures: int = 0
    preferred: bool = False


@dataclass(frozen=True, slots=True)
class Detection:
    """What a URL turned out to be, and what babelwire will follow."""

    kind: str  # feed, sitemap or page
    url: str  # what to follow: the URL itself, or the feed a page announces
    title: str
    found: str  # said to the operator


def _check_url(url: str) -> str:
    try:
        return validate_source_url(url)
    except InvalidSourceURL as exc:
        raise SourceError(str(exc)) from exc


def check_source_url(newsroom: Newsroom, url: str, *, allow_private: bool = False) -> str:
    """`url` normalised for a new source, or SourceError: an invalid URL, or one whose
    host is plainly loopback or private (localhost, 10.0.0.1, [fd00::1]) unless allowed
    for this source or for the whole site (fetch.allow_private_networks). The fetch
    guard still checks every address a name resolves to; this refuses early and says so.
    """
    url = _check_url(url)
    if not allow_private and not newsroom.config.settings.fetch.allow_private_networks:
        reason = private_host_reason(url)
        if reason:
            raise SourceError(
                f"{url}: {reason}; private networks are not allowed"
                f"{_private_hint('private networks are not allowed')}"
            )
    return url


def _language(language: str) -> str:
    """The ISO 639 code of a language tag such as es or es-ES."""
    tag = language.strip().lower()
    if not _LANGUAGE_TAG.fullmatch(tag) or len(tag) > 35:
        raise SourceError(f"language {language[:40]!r}: expected an ISO 639-1 code such as en")
    return tag.replace("_", "-").split("-")[0]


def _name(name: str) -> str:
    return " ".join(name.split())[:NAME_CHARS]


def detect_source(newsroom: Newsroom, url: str, *, allow_private: bool = False) -> Detection:
    """Fetch `url` once and work out whether it is a feed, a sitemap or a web page.

    A page that announces feeds (<link rel="alternate">) is followed through
    its first feed; a page without one is followed through its article links.
    Raises SourceError when the URL cannot be followed, saying why. With
    `allow_private`, the URL's own host and port may be private, nothing else.
    """
    from babelwire.pipeline.fetch.guard import NO_ALLOWANCE, allowance_for, allowed

    url = _check_url(url)
    try:
        allowance = allowance_for(url) if allow_private else NO_ALLOWANCE
    except ValueError as exc:
        raise SourceError(f"not a URL babelwire can fetch: {url!r}") from exc
    with allowed(allowance):
        return _detect(newsroom, url)


def same_origin(url: str, other: str) -> bool:
    """Whether `other` is on the host and port of `url`: all that `--allow-private` names.

    A feed that a page announces elsewhere is offered to the operator, never
    followed under the page's allowance.
    """
    from babelwire.pipeline.fetch.guard import origin_of

    try:
        return origin_of(url) == origin_of(other)
    except (ValueError, UnicodeError):
        return False


def _detect(newsroom: Newsroom, url: str) -> Detection:
    from babelwire.pipeline.discover.feeds import NotAFeed, parse_feed
    from babelwire.pipeline.discover.pages import NotAPage, article_links, feed_links, is_html
    from babelwire.pipeline.discover.poll import FEED_ACCEPT
    from babelwire.pipeline.discover.sitemaps import NotASitemap, is_sitemap, parse_sitemap
    from babelwire.pipeline.fetch.http import FetchError
    from babelwire.pipeline.fetch.robots import UNREACHABLE

    refusal = newsroom.robots.check(url)
    if refusal:
        if refusal.startswith(UNREACHABLE):
            raise SourceUnreachable(f"{url}: {refusal}")
        raise SourceError(f"{url}: {refusal}{_private_hint(refusal)}")
    try:
        result = newsroom.fetcher.fetch(url, accept=FEED_ACCEPT)
    except FetchError as exc:
        if exc.blocked:
            raise SourceError(f"{url}: {exc}{_private_hint(str(exc))}") from exc
        if exc.status is not None and exc.status < 500 and exc.status != 429:
            raise SourceError(f"{url}: {exc}") from exc
        raise SourceUnreachable(f"{url}: {exc}") from exc
    content, base = result.content, result.final_url
    if is_sitemap(content):
        try:
            sitemap = parse_sitemap(content, base, newsroom.fetcher.max_bytes)
        except NotASitemap as exc:
            raise SourceError(f"{url}: {exc}") from exc
        if sitemap.is_index:
            found = f"a sitemap index listing {len(sitemap.children)} sitemaps"
        else:
            news = " (Google News)" if any(e.title for e in sitemap.entries) else ""
            found = f"a sitemap{news} with {len(sitemap.entries)} pages"
        return Detection("sitemap", url, "", found)
    if is_html(content, result.content_type):
        try:
            feeds = feed_links(content, base)
            links = [] if feeds else article_links(content, base)
        except NotAPage as exc:
            raise SourceError(f"{url}: {exc}") from exc
        if feeds:
            extra = f" (and {len(feeds) - 1} more)" if len(feeds) > 1 else ""
            return Detection(
                "feed", feeds[0], "", f"a web page announcing the feed {feeds[0]}{extra}"
            )
        if links:
            found = f"a web page with no feed; following its {len(links)} article links"
            return Detection("page", url, "", found)
        raise SourceError(f"{url}: a web page with no feed and no article links")
    try:
        feed = parse_feed(content, base, result.content_type)
    except NotAFeed as exc:
        raise SourceError(f"{url}: {exc}") from exc
    problem = f"; read with problems: {feed.problem}" if feed.problem else ""
    return Detection("feed", url, feed.title, f"a feed with {len(feed.entries)} entries{problem}")


def _private_hint(message: str) -> str:
    from babelwire.pipeline.fetch.guard import current_allowance

    if "private networks are not allowed" not in message:
        return ""
    if current_allowance():  # refused although allowed: it redirected elsewhere
        return " (--allow-private covers the URL's own host and port, not where it redirects)"
    return " (add it with --allow-private if it is meant to be)"


def add_source(
    newsroom: Newsroom,
    url: str,
    *,
    name: str | None = None,
    language: str | None = None,
    section: str | None = None,
    allow_private: bool | None = None,
    kind: str | None = None,
    preferred: bool | None = None,
) -> SourceInfo:
    """Add a source, or update its name/language/section when the URL is already listed.

    `kind` is feed (the default for a new source), sitemap or page;
    `allow_private` lets this source's own host and port be on a private network
    (not the hosts its entries link or redirect to); a `preferred`
    source's copies of other articles are published all the same.
    """
    url = _check_url(url)
    if kind is not None and kind not in KINDS:
        raise SourceError(f"unknown kind {kind!r}; kinds: {', '.join(KINDS)}")
    check_section(newsroom, section)
    with newsroom.sessions.begin() as session:
        row = sources.source_by_url(session, url)
        if row is None:
            row = SourceRow(
                url=url,
                name=_name(name or urlsplit(url).hostname or url),
                interval_minutes=newsroom.config.settings.fetch.interval_minutes,
                enabled=True,
                consecutive_failures=0,
                kind=kind or "feed",
                allow_private=bool(allow_private),
                poll_reason="",
                preferred=bool(preferred),
            )
            session.add(row)
        else:
            if name:
                row.name = _name(name)
            if kind:
                row.kind = kind
            if allow_private is not None:
                row.allow_private = allow_private
            if preferred is not None:
                row.preferred = preferred
        if language:
            row.language = _language(language)
        if section:
            row.section = section
        session.flush()
        source_id = row.id
    return get_source(newsroom, source_id)


def get_source(newsroom: Newsroom, ref: int | str) -> SourceInfo:
    """A source by id or URL."""
    for info in list_sources(newsroom):
        if info.id == ref or info.url == ref or str(info.id) == str(ref):
            return info
    raise SourceError(f"no source {ref!r}")


def list_sources(newsroom: Newsroom) -> list[SourceInfo]:
    with newsroom.sessions() as session:
        counts = articles.counts_by_source(session)
        rows = sources.all_sources(session)
        return [
            SourceInfo(
                id=r.id,
                url=r.url,
                name=r.name,
                language=r.language,
                section=r.section,
                last_fetched_at=r.last_fetched_at,
                last_status=r.last_status,
                last_error=r.last_error,
                next_fetch_at=r.next_fetch_at,
                articles=int(counts.get(r.id, 0)),
                kind=r.kind,
                allow_private=r.allow_private,
                interval_minutes=r.interval_minutes,
                poll_reason=r.poll_reason,
                consecutive_failures=r.consecutive_failures,
                preferred=r.preferred,
            )
            for r in rows
        ]


def prefer_source(newsroom: Newsroom, ref: int | str, preferred: bool = True) -> SourceInfo:
    """Mark a source preferred (its copies of other articles are published) or not.

    Its copies kept back so far go on to translation and publication; turning it
    off does not withdraw copies already published.
    """
    info = get_source(newsroom, ref)
    with newsroom.sessions.begin() as session:
        row = sources.load_source(session, info.id)
        if row is not None:
            row.preferred = preferred
        if preferred:
            articles.release_copies(session, info.id)
    return get_source(newsroom, info.id)


def remove_source(newsroom: Newsroom, ref: int | str) -> SourceInfo:
    """Stop following a source. Its articles go with it (takedown-style removal).

    The stories they were in are counted again; copies of them stand on their own.
    """
    from babelwire.jobs.stories import repair_stories
    from babelwire.storage.stories import release_orphans

    info = get_source(newsroom, ref)
    with newsroom.sessions.begin() as session:
        stories = articles.story_ids_of_source(session, info.id)
        row = sources.load_source(session, info.id)
        if row is not None:
            session.delete(row)
        session.flush()
        release_orphans(session)
        repair_stories(session, stories)
    return info


@dataclass(frozen=True, slots=True)
class OpmlImport:
    """What an OPML import did: feeds added, feeds already followed and updated, and each
    outline left out with the reason."""

    added: int
    updated: int
    skipped: list[str]


def import_opml(newsroom: Newsroom, path: Path) -> OpmlImport:
    """Follow every feed (`outline` with `xmlUrl`) of an OPML file.

    An outline whose URL cannot be followed (invalid, or on a private network when
    the site does not allow that) is left out and listed with its line and reason;
    the others are stored together in one transaction, so an import that fails
    (a full disk) stores none of them. A feed already followed gets the outline's
    name, language and kind, as `source add` would. None of them may reach a private
    network: that is said source by source (`source add --allow-private`), never by a
    file from elsewhere.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        tree = etree.parse(str(path), parser)
    except (OSError, etree.XMLSyntaxError) as exc:
        raise SourceError(f"{path}: not a readable OPML file ({exc})") from exc
    wanted: dict[str, tuple[str | None, str | None, str | None]] = {}
    skipped = []
    for outline in tree.iter("outline"):
        raw = outline.get("xmlUrl")
        if not raw:
            continue
        try:
            url = check_source_url(newsroom, raw)
        except SourceError as exc:
            skipped.append(f"line {outline.sourceline}: {exc}")
            continue
        try:
            language = _language(outline.get("language") or "") if outline.get("language") else None
        except SourceError:
            language = None  # a feed is worth following without its declared language
        kind = outline.get("type") if outline.get("type") in KINDS else None
        # A feed listed twice takes what each outline says, the later one winning.
        before = wanted.get(url, (None, None, None))
        now = (outline.get("title") or outline.get("text"), language, kind)
        wanted[url] = (now[0] or before[0], now[1] or before[1], now[2] or before[2])
    updated = 0
    interval = newsroom.config.settings.fetch.interval_minutes
    with newsroom.sessions.begin() as session:
        # One query and one batch of inserts: an import of tens of thousands of
        # outlines takes seconds, not a query per outline per source already followed.
        followed = {row.url: row for row in sources.all_sources(session)}
        new_rows = []
        for url, (name, language, kind) in wanted.items():
            row = followed.get(url)
            if row is None:
                new_rows.append(
                    {
                        "url": url,
                        "name": _name(name or urlsplit(url).hostname or url),
                        "language": language,
                        "interval_minutes": interval,
                        "enabled": True,
                        "consecutive_failures": 0,
                        "kind": kind or "feed",
                        "allow_private": False,
                        "poll_reason": "",
                        "preferred": False,
                        "created_at": utcnow(),
                    }
                )
                continue
            if name:
                row.name = _name(name)
            if language:
                row.language = language
            if kind:
                row.kind = kind
            updated += 1
        sources.add_sources(session, new_rows)
        added = len(new_rows)
    return OpmlImport(added=added, updated=updated, skipped=skipped)


def export_opml(newsroom: Newsroom, title: str | None = None) -> str:
    """Every source as an OPML 2.0 document, readable by import_opml and feed readers."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title or newsroom.config.title
    body = etree.SubElement(root, "body")
    for info in list_sources(newsroom):
        outline = etree.SubElement(
            body,
            "outline",
            text=info.name,
            title=info.name,
            type="rss" if info.kind == "feed" else info.kind,
            xmlUrl=info.url,
        )
        if info.language:
            outline.set("language", info.language)
    text: str = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    ).decode("utf-8")
    return text
