"""Use cases for the operator's list of sources: add (working out what the URL is),
preview, list, edit, pause, remove. OPML import and export are in jobs/opml.py.

Why one module over 500 lines: every use case here writes the same row with the same
checks (URL, name, language, section, interval bounds), which the CLI, the desk and
OPML import share; a third of it is finding what a URL is before it is added."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from babelwire.errors import InputError
from babelwire.jobs.audit import Actor, record_in
from babelwire.model import SOURCE_KINDS as KINDS
from babelwire.model import FeedEntry, is_ascii_number
from babelwire.newsroom import Newsroom
from babelwire.pipeline.discover.schedule import MAX_INTERVAL_MINUTES
from babelwire.pipeline.discover.urls import (
    InvalidSourceURL,
    private_host_reason,
    validate_source_url,
)
from babelwire.storage import Session, articles, sources
from babelwire.storage.tables import SourceRow

# Fetching, parsing and the story desk are imported by the use cases that need
# them: listing or exporting sources reads the database only.

# What the sources table holds: a longer name is cut, a language is an ISO 639 code.
NAME_CHARS = 300
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(?:[-_][a-z0-9]{1,8})*")


class SourceError(InputError):
    """The operator asked for something about sources that cannot be done."""


class UnknownSourceError(SourceError, LookupError):
    """No source has that id or URL."""


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
    paused: bool = False
    min_interval: int | None = None  # the source's own bounds; None: the site's
    max_interval: int | None = None
    # For a health list: "paused", "never" (not polled yet), or the last poll's
    # outcome (ok, not_modified, error, failing).
    status: str = "never"
    # When the next pass polls it (None: at the next pass, or never while paused) and why.
    next_poll_at: datetime | None = None
    next_poll_reason: str = "never polled"
    # Languages its articles were detected in against its declared one, most first,
    # with how many articles each (pipeline/language/decide.py).
    other_languages: tuple[tuple[str, int], ...] = ()
    images: bool = True  # its articles' pictures are fetched and shown


def _info(
    row: SourceRow, articles: int, other_languages: dict[str, int] | None = None
) -> SourceInfo:
    if not row.enabled:
        status, next_at, why = "paused", None, "paused"
    elif row.last_fetched_at is None:
        status, next_at, why = "never", None, row.poll_reason or "never polled"
    else:
        status, next_at, why = row.last_status or "never", row.next_fetch_at, row.poll_reason
    return SourceInfo(
        id=row.id,
        url=row.url,
        name=row.name,
        language=row.language,
        section=row.section,
        last_fetched_at=row.last_fetched_at,
        last_status=row.last_status,
        last_error=row.last_error,
        next_fetch_at=row.next_fetch_at,
        articles=articles,
        kind=row.kind,
        allow_private=row.allow_private,
        interval_minutes=row.interval_minutes,
        poll_reason=row.poll_reason,
        consecutive_failures=row.consecutive_failures,
        preferred=row.preferred,
        paused=not row.enabled,
        min_interval=row.min_interval_minutes,
        max_interval=row.max_interval_minutes,
        images=row.images,
        status=status,
        next_poll_at=next_at,
        next_poll_reason=why,
        other_languages=tuple((other_languages or {}).items()),
    )


@dataclass(frozen=True, slots=True)
class Detection:
    """What a URL turned out to be, and what babelwire will follow."""

    kind: str  # feed, sitemap or page
    url: str  # what to follow: the URL itself, or the feed a page announces
    title: str
    found: str  # said to the operator
    entries: int | None = None  # what it lists now (None: not read)
    entry_titles: tuple[str, ...] = ()
    language: str | None = None  # guessed from the entries' titles and summaries


@dataclass(frozen=True, slots=True)
class SourcePreview:
    """What `source add` would follow for a URL, found without saving anything.

    `error` is empty when the URL can be followed; otherwise it says why not,
    and `unreachable` tells a failure that may pass (network, server error)
    from one that will not. `private`: the URL's host is loopback or private,
    so it needs the allowance. `elsewhere`: the URL, allowed onto a private
    network, announces a feed on another host or port, which is offered to
    the operator and not followed under that allowance.
    """

    url: str  # as asked, normalised where it could be
    follow_url: str = ""  # what would be followed: the URL or the feed it announces
    kind: str = ""  # feed, sitemap or page; empty on an error
    title: str = ""
    found: str = ""  # what it is, in a sentence
    entries: int | None = None
    entry_titles: tuple[str, ...] = ()
    language: str | None = None
    private: bool = False
    elsewhere: bool = False
    error: str = ""
    unreachable: bool = False

    @property
    def ok(self) -> bool:
        return not self.error


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


def checked_language(language: str) -> str:
    """The ISO 639 code of a language tag such as es or es-ES."""
    tag = language.strip().lower()
    if not _LANGUAGE_TAG.fullmatch(tag) or len(tag) > 35:
        raise SourceError(f"language {language[:40]!r}: expected an ISO 639-1 code such as en")
    return tag.replace("_", "-").split("-")[0]


def checked_name(name: str) -> str:
    return " ".join(name.split())[:NAME_CHARS]


def detect_source(newsroom: Newsroom, url: str, *, allow_private: bool = False) -> Detection:
    """Fetch `url` and work out whether it is a feed, a sitemap or a web page.

    A page that announces feeds (<link rel="alternate">) is followed through
    its first feed, which is fetched too for its title and entries (unless it
    is on another host or port than a private URL allowed); a page without
    one is followed through its article links.
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
        detection = _detect(newsroom, url)
        if detection.url != url and (not allow_private or same_origin(url, detection.url)):
            detection = _announced_feed(newsroom, detection)
    return detection


def _announced_feed(newsroom: Newsroom, page: Detection) -> Detection:
    """The feed a page announces, read for its title and entries where it can be."""
    try:
        feed = _detect(newsroom, page.url)
    except SourceError:  # the page's word is taken; polling will say what is wrong
        return page
    if feed.kind != "feed":
        return page
    return replace(feed, found=f"{page.found}: {feed.found}")


# How many entry titles a preview shows.
PREVIEW_TITLES = 5


def preview_source(newsroom: Newsroom, url: str, *, allow_private: bool = False) -> SourcePreview:
    """What following `url` would give, without saving anything: `source add` says it
    before adding, a web form shows it before the operator confirms.

    Never raises for what the URL is or does: an invalid URL, a private host
    without the allowance, a page with nothing to follow are each a preview
    with `error` set.
    """
    try:
        normal = _check_url(url)
    except SourceError as exc:
        return SourcePreview(url=url, error=str(exc))
    private = bool(private_host_reason(normal))
    try:
        check_source_url(newsroom, normal, allow_private=allow_private)
        detection = detect_source(newsroom, normal, allow_private=allow_private)
    except SourceUnreachable as exc:
        return SourcePreview(url=normal, private=private, error=str(exc), unreachable=True)
    except SourceError as exc:
        return SourcePreview(url=normal, private=private, error=str(exc))
    return SourcePreview(
        url=normal,
        follow_url=detection.url,
        kind=detection.kind,
        title=detection.title,
        found=detection.found,
        entries=detection.entries,
        entry_titles=detection.entry_titles,
        language=detection.language,
        private=private,
        elsewhere=allow_private and not same_origin(normal, detection.url),
    )


def _sample(entries: Sequence[FeedEntry] | Sequence[tuple[str, str]]) -> dict[str, Any]:
    """What a preview says of a list of entries: how many, a few titles, the language."""
    from babelwire.pipeline.language.detect import UNDETERMINED, detect_language

    titles = [e.title if isinstance(e, FeedEntry) else e[1] for e in entries]
    texts = [f"{e.title}. {e.summary}" if isinstance(e, FeedEntry) else e[1] for e in entries]
    guess = detect_language("\n".join(texts[:50]))
    shown = tuple(" ".join(t.split())[:200] for t in titles if t.strip())[:PREVIEW_TITLES]
    return {
        "entries": len(titles),
        "entry_titles": shown,
        "language": guess.code if guess.code != UNDETERMINED and guess.confidence >= 0.5 else None,
    }


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
        return Detection("sitemap", url, "", found, **_sample(sitemap.entries))
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
            return Detection("page", url, "", found, **_sample(links))
        raise SourceError(f"{url}: a web page with no feed and no article links")
    try:
        feed = parse_feed(content, base, result.content_type)
    except NotAFeed as exc:
        raise SourceError(f"{url}: {exc}") from exc
    problem = f"; read with problems: {feed.problem}" if feed.problem else ""
    found = f"a feed with {len(feed.entries)} entries{problem}"
    return Detection("feed", url, feed.title, found, **_sample(feed.entries))


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
    actor: Actor | None = None,
) -> SourceInfo:
    """Add a source, or update its name/language/section when the URL is already listed.

    `kind` is feed (the default for a new source), sitemap or page;
    `allow_private` lets this source's own host and port be on a private network
    (not the hosts its entries link or redirect to); a `preferred`
    source's copies of other articles are published all the same. With an
    `actor`, the change is logged (source.add) in the same transaction.
    """
    url = _check_url(url)
    if kind is not None and kind not in KINDS:
        raise SourceError(f"unknown kind {kind!r}; kinds: {', '.join(KINDS)}")
    check_section(newsroom, section)
    with newsroom.sessions.begin() as session:
        row = sources.source_by_url(session, url)
        existed = row is not None
        if row is None:
            row = SourceRow(
                url=url,
                name=checked_name(name or urlsplit(url).hostname or url),
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
                row.name = checked_name(name)
            if kind:
                row.kind = kind
            if allow_private is not None:
                row.allow_private = allow_private
            if preferred is not None:
                row.preferred = preferred
        if language:
            row.language = checked_language(language)
        if section:
            row.section = section
        session.flush()
        source_id = row.id
        if actor is not None:
            record_in(
                session,
                actor,
                "source.add",
                url,
                id=source_id,
                name=row.name,
                kind=row.kind,
                allow_private=row.allow_private,
                already_followed=existed,
            )
    return get_source(newsroom, source_id)


def follow_source(
    newsroom: Newsroom,
    url: str,
    *,
    name: str | None = None,
    language: str | None = None,
    section: str | None = None,
    kind: str | None = None,
    allow_private: bool = False,
    preferred: bool | None = None,
    actor: Actor | None = None,
) -> SourceInfo:
    """Follow `url` as `babelwire source add` does: the URL checked (form, private
    networks unless allowed), then, when no `kind` is given, looked at to tell a feed,
    a sitemap or a page (an unreachable one is followed as a feed; one announcing a
    feed on another host or port is refused with that feed named)."""
    url = check_source_url(newsroom, url, allow_private=allow_private)
    follow = url
    if kind is None:
        check_section(newsroom, section)
        preview = preview_source(newsroom, url, allow_private=allow_private)
        if preview.unreachable:
            kind = "feed"
        elif preview.error:
            raise SourceError(preview.error)
        elif preview.elsewhere:
            raise SourceError(
                f"{url} announces {preview.found} at {preview.follow_url}, on another host "
                "or port: add that URL itself if it should be followed"
            )
        else:
            follow, kind = preview.follow_url, preview.kind
            name = name or preview.title or None
    return add_source(
        newsroom,
        follow,
        name=name,
        language=language,
        section=section,
        kind=kind,
        allow_private=allow_private or None,
        preferred=preferred,
        actor=actor,
    )


def get_source(newsroom: Newsroom, ref: int | str) -> SourceInfo:
    """A source by id (a number, or its digits) or URL."""
    with newsroom.sessions() as session:
        row = _find(session, ref)
        return _info(row, articles.count_for_source(session, row.id))


def _find(session: Session, ref: int | str) -> SourceRow:
    row = None
    if isinstance(ref, int) or is_ascii_number(ref):
        row = sources.load_source(session, int(ref))
    if row is None and isinstance(ref, str):
        row = sources.source_by_url(session, ref)
    if row is None:
        raise UnknownSourceError(f"no source {ref!r}")
    return row


def list_sources(newsroom: Newsroom, *, with_articles: bool = True) -> list[SourceInfo]:
    """Every source, in the order they were added, with what a health list shows (and
    the languages its articles were detected in against its declaration);
    without `with_articles` each `articles` is 0 and the archive is not counted (a page
    asked for again and again must not count a hundred thousand articles each time)."""
    with newsroom.sessions() as session:
        counts = articles.counts_by_source(session) if with_articles else {}
        others = articles.overridden_languages_by_source(session) if with_articles else {}
        return [
            _info(r, int(counts.get(r.id, 0)), others.get(r.id))
            for r in sources.all_sources(session)
        ]


def update_source(
    newsroom: Newsroom,
    ref: int | str,
    *,
    name: str | None = None,
    language: str | None = None,
    section: str | None = None,
    min_interval: int | None = None,
    max_interval: int | None = None,
    preferred: bool | None = None,
    paused: bool | None = None,
    images: bool | None = None,
    actor: Actor | None = None,
) -> SourceInfo:
    """Change what the operator says of a source; None leaves a field as it is.

    An empty `language` goes back to detecting it, an empty `section` to
    classifying each article. `min_interval` and `max_interval` (minutes)
    bound this source's adaptive polling interval in place of the site's
    `fetch.min_interval_minutes` and `fetch.max_interval_minutes`; 0 goes back
    to the site's. A `paused` source is not polled until it is resumed. `images`
    false: its articles' pictures are neither fetched nor shown (the rights are not
    the site's), and the build removes those it had copied.
    Everything is checked before anything is changed: SourceError says what
    cannot be used. With an `actor`, the change is logged in the same transaction:
    source.pause, source.resume or source.prefer for those alone, else source.edit.
    """
    if name is not None and not name.strip():
        raise SourceError("a source's name cannot be empty")
    code = checked_language(language) if language else None
    check_section(newsroom, section)
    with newsroom.sessions.begin() as session:
        row = _find(session, ref)
        bounds = min_interval is not None or max_interval is not None
        if bounds:
            low, high = checked_bounds(
                newsroom,
                row.min_interval_minutes if min_interval is None else min_interval or None,
                row.max_interval_minutes if max_interval is None else max_interval or None,
            )
        if name is not None:
            row.name = checked_name(name)
        if language is not None:
            row.language = code
        if section is not None:
            row.section = section or None
        if paused is not None:
            row.enabled = not paused
        if images is not None:
            row.images = images
        if preferred is not None:
            row.preferred = preferred
            if preferred:
                articles.release_copies(session, row.id)
        if bounds:
            set_bounds(newsroom, row, low, high)
        source_id = row.id
        if actor is not None:
            asked = {
                "name": name,
                "language": language,
                "section": section,
                "min_interval": min_interval,
                "max_interval": max_interval,
                "preferred": preferred,
                "paused": paused,
                "images": images,
            }
            changes = {key: value for key, value in asked.items() if value is not None}
            record_in(session, actor, _edit_action(changes), row.url, id=source_id, **changes)
    return get_source(newsroom, source_id)


def _edit_action(changes: dict[str, Any]) -> str:
    """What the audit log calls a change to a source."""
    if set(changes) == {"paused"}:
        return "source.pause" if changes["paused"] else "source.resume"
    if set(changes) == {"preferred"}:
        return "source.prefer"
    return "source.edit"


def pause_source(newsroom: Newsroom, ref: int | str, *, actor: Actor | None = None) -> SourceInfo:
    """Stop polling a source, keeping it and its articles, until it is resumed."""
    return update_source(newsroom, ref, paused=True, actor=actor)


def resume_source(newsroom: Newsroom, ref: int | str, *, actor: Actor | None = None) -> SourceInfo:
    """Poll a paused source again, from the next pass that finds it due."""
    return update_source(newsroom, ref, paused=False, actor=actor)


def checked_bounds(
    newsroom: Newsroom, low: int | None, high: int | None
) -> tuple[int | None, int | None]:
    """A source's own interval bounds (None: the site's), or SourceError saying why not."""
    for label, value in (("minimum", low), ("maximum", high)):
        if value is not None and not 1 <= value <= MAX_INTERVAL_MINUTES:
            raise SourceError(
                f"{label} interval {value}: expected minutes from 1 to {MAX_INTERVAL_MINUTES}"
                " (or 0 for the site's setting)"
            )
    fetch = newsroom.config.settings.fetch
    if (low or fetch.min_interval_minutes) > (high or fetch.max_interval_minutes):
        least = f"{low}" if low else f"{fetch.min_interval_minutes} (fetch.min_interval_minutes)"
        most = f"{high}" if high else f"{fetch.max_interval_minutes} (fetch.max_interval_minutes)"
        raise SourceError(f"minimum interval {least} is above the maximum {most}")
    return low, high


def set_bounds(newsroom: Newsroom, row: SourceRow, low: int | None, high: int | None) -> None:
    """Store the bounds, bringing the current interval and next poll within them."""
    from babelwire.jobs.refresh import policy

    row.min_interval_minutes, row.max_interval_minutes = low, high
    rules = policy(newsroom, row)
    row.interval_minutes = min(max(row.interval_minutes, rules.min_minutes), rules.max_minutes)
    if row.last_fetched_at is not None and row.next_fetch_at is not None:
        soonest = row.last_fetched_at + timedelta(minutes=row.interval_minutes)
        if soonest < row.next_fetch_at and row.consecutive_failures == 0:
            row.next_fetch_at = soonest
            row.poll_reason = "interval bounds changed"


def prefer_source(
    newsroom: Newsroom, ref: int | str, preferred: bool = True, *, actor: Actor | None = None
) -> SourceInfo:
    """Mark a source preferred (its copies of other articles are published) or not.

    Its copies kept back so far go on to translation and publication; turning it
    off does not withdraw copies already published.
    """
    return update_source(newsroom, ref, preferred=preferred, actor=actor)


def remove_source(newsroom: Newsroom, ref: int | str, *, actor: Actor | None = None) -> SourceInfo:
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
        if actor is not None:
            record_in(
                session,
                actor,
                "source.remove",
                info.url,
                id=info.id,
                name=info.name,
                articles=info.articles,
            )
    if newsroom.config.settings.websub.enabled:
        from babelwire.jobs.websub import unsubscribe_removed

        unsubscribe_removed(newsroom)  # its hub is asked to stop pushing
    return info
