"""Takedowns: remove an article from the whole site and keep it out for good.

The article row is kept, emptied of its text and translations, with stage
"removed": its id is never reused, so its old addresses can answer 410 Gone.
Its pictures go too: their rows, and their files unless another article shows them.
Every URL it was known by becomes a tombstone, which `refresh` consults before
storing an entry, so no source can bring it back.

A takedown made by mistake is undone (`undo_takedown`) by removing its tombstones
and sending the article back to the first stage: its text was emptied, so the
next pass fetches it again from its source and publishes it anew.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from babelwire.clock import utcnow
from babelwire.jobs.audit import Actor, record_in
from babelwire.jobs.duplicates import forget_fingerprint
from babelwire.jobs.stories import after_takedown
from babelwire.model import Stage, is_ascii_number
from babelwire.newsroom import Newsroom, Site
from babelwire.pipeline.discover.urls import canonical_url
from babelwire.pipeline.images.store import MediaFolder
from babelwire.publish.paths import parse_article_ref, url_for_article, url_for_original
from babelwire.storage import Session, articles, images, takedowns
from babelwire.storage.published import search
from babelwire.storage.published.articles import article_title
from babelwire.storage.tables import ArticleRow, TombstoneRow
from babelwire.storage.takedowns import tombstone_for_article, tombstoned_paths

__all__ = [
    "Takedown",
    "TakedownError",
    "TakedownLine",
    "TakedownNotFoundError",
    "TakedownPage",
    "UndoneTakedown",
    "find_article",
    "is_tombstoned",
    "list_takedowns",
    "take_down",
    "takedown_of_article",
    "tombstone_for_article",
    "tombstoned_paths",
    "undo_takedown",
]

_SITE_ARTICLE_PATH = re.compile(r"^/[^/]+/article/([^/]+)/")


class TakedownError(ValueError):
    """The takedown could not be done (no such article, no reason given)."""


class TakedownNotFoundError(TakedownError, LookupError):
    """No article matches what a takedown names, or no takedown has the id an undo names."""


@dataclass(slots=True)
class Takedown:
    """What a takedown removed: the article, the URLs now refused, the site paths now gone."""

    article_id: int
    title: str
    urls: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)


def _url_variants(url: str) -> set[str]:
    url = url.strip()
    variants = {url}
    if url.lower().startswith(("http://", "https://")):
        variants.add(canonical_url(url))
    return variants


def is_tombstoned(session: Session, url: str) -> bool:
    """True when `url` (or its canonical form) belongs to a taken-down article."""
    return takedowns.any_tombstoned(session, _url_variants(url))


def find_article(newsroom: Newsroom, session: Session, ref: str) -> ArticleRow | None:
    """The article `ref` names: its id, its address on this site, or its original URL."""
    ref = ref.strip()
    if is_ascii_number(ref):
        return articles.load_article(session, int(ref))
    parts = urlsplit(ref)
    base = urlsplit(newsroom.config.base_url)
    own_site = not parts.netloc or (parts.netloc.lower() == base.netloc.lower())
    match = _SITE_ARTICLE_PATH.match(parts.path or "")
    if own_site and match:
        article_id = parse_article_ref(match.group(1))
        if article_id is not None:
            return articles.load_article(session, article_id)
    if not parts.scheme:
        return None
    return articles.article_by_url(session, _url_variants(ref))


def take_down(newsroom: Newsroom, ref: str, reason: str, *, actor: Actor | None = None) -> Takedown:
    """Remove the article `ref` (id, its URL on this site, or its original URL) everywhere,
    with an entry in the audit log for `actor` when given.

    Raises TakedownError when no reason is given, TakedownNotFoundError when nothing
    matches; running it again on a removed article changes nothing and reports the
    same paths.
    """
    # A NUL is no text, and PostgreSQL refuses to store one.
    reason = reason.replace("\x00", "").strip()
    if not reason:
        raise TakedownError("a takedown needs a reason (--reason)")
    with newsroom.sessions() as session:
        article = find_article(newsroom, session, ref)
        if article is None:
            raise TakedownNotFoundError(f"no article matches {ref!r}")
        existing = tombstone_for_article(session, article.id)
        if article.stage == Stage.REMOVED and existing is not None:
            return Takedown(article.id, "", sorted({existing.url}), list(existing.paths))
        paths: list[str] = []
        for language in newsroom.config.languages:
            title = article_title(session, language, article.id)
            if title is not None:
                paths.append(url_for_article(language, article.id, title))
                paths.append(url_for_original(language, article.id, title))
        urls: set[str] = set()
        for url in (article.url, article.canonical_url):
            if url:
                urls |= _url_variants(url)
        for entry_url in articles.announced_urls(session, article.id):
            urls |= _url_variants(entry_url)
        known = takedowns.tombstoned_urls(session, urls)
        now = utcnow()
        for url in sorted(urls - known):
            takedowns.add_tombstone(
                session, url=url, article_id=article.id, paths=paths, reason=reason, now=now
            )
        result = Takedown(article.id, article.title, sorted(urls), paths)
        for translation in list(article.translations):
            session.delete(translation)
        article.title = ""
        article.blocks = []
        article.author = ""
        article.image = ""
        # The section stays, so a build knows which lists to rewrite.
        article.first_published_at = None
        article.stage = Stage.REMOVED
        article.error = f"taken down: {reason}"[:2000]
        search.remove_articles(session, [article.id])
        unused = images.remove_article_pictures(session, [article.id])
        forget_fingerprint(session, article)  # later copies of it stand on their own
        after_takedown(session, article)  # its story's counts and central article
        if actor is not None:
            record_in(
                session,
                actor,
                "article.takedown",
                str(article.id),
                reason=reason,
                title=result.title,
                urls=len(result.urls),
                paths=paths,
            )
        session.commit()
    # After the commit: files of a takedown rolled back would be missed by its pages.
    media = MediaFolder(newsroom.config.media_dir)
    for digest in unused:
        media.remove(digest)
    return result


@dataclass(frozen=True, slots=True)
class UndoneTakedown:
    """What an undo freed: the article (None for a tombstone of no article) and its URLs."""

    article_id: int | None
    urls: list[str]
    refetch: bool  # the article goes back to the first stage: the next pass fetches it


def undo_takedown(newsroom: Newsroom, tombstone_id: int, *, actor: Actor) -> UndoneTakedown:
    """Undo the takedown `tombstone_id` is part of: its tombstones go, so the article's
    URLs may be ingested again and its old addresses no longer answer 410, and the
    article goes back to the first stage, so the next pass fetches it again from its
    source (its text was emptied by the takedown). Recorded in the audit log.

    Raises TakedownNotFoundError when no tombstone has that id.
    """
    with newsroom.sessions() as session:
        tombstone = takedowns.tombstone_by_id(session, tombstone_id)
        if tombstone is None:
            raise TakedownNotFoundError(f"no takedown {tombstone_id}")
        article_id, reason = tombstone.article_id, tombstone.reason
        urls = takedowns.remove_tombstones(session, tombstone)
        article = articles.load_article(session, article_id) if article_id else None
        refetch = article is not None and article.stage == Stage.REMOVED
        if article is not None and refetch:
            article.stage = Stage.DISCOVERED.value
            article.attempts = 0
            article.error = None
            # Nothing of its text is left to compare a fetched page with.
            article.content_hash = None
            article.updated_at = utcnow()
        record_in(
            session,
            actor,
            "article.takedown_undo",
            str(article_id) if article_id else urls[0] if urls else "",
            reason=reason,
            urls=len(urls),
            refetch=refetch,
        )
        session.commit()
    return UndoneTakedown(article_id, urls, refetch)


@dataclass(frozen=True, slots=True)
class TakedownLine:
    """One takedown in the list: its first tombstone, and every URL it refuses."""

    tombstone_id: int
    article_id: int | None
    at: datetime
    reason: str
    urls: tuple[str, ...]
    paths: tuple[str, ...]


def _line(row: TombstoneRow, urls: dict[int, list[str]]) -> TakedownLine:
    return TakedownLine(
        tombstone_id=row.id,
        article_id=row.article_id,
        at=row.created_at,
        reason=row.reason,
        urls=tuple(urls.get(row.article_id, [row.url]) if row.article_id else [row.url]),
        paths=tuple(row.paths or ()),
    )


def takedown_of_article(session: Session, article_id: int) -> TakedownLine | None:
    """The takedown of the article, if it was taken down."""
    row = tombstone_for_article(session, article_id)
    if row is None:
        return None
    return _line(row, takedowns.tombstone_urls(session, [article_id]))


@dataclass(frozen=True, slots=True)
class TakedownPage:
    takedowns: tuple[TakedownLine, ...]
    next_before: int | None  # the cursor of the next (older) page; None: this is the last


def list_takedowns(site: Site, *, before_id: int | None = None, limit: int = 50) -> TakedownPage:
    """The takedowns, newest first, `limit` at most, older than `before_id` when given."""
    limit = max(1, limit)
    with site.sessions() as session:
        rows = takedowns.takedown_rows(session, before_id=before_id, limit=limit + 1)
        shown = rows[:limit]
        urls = takedowns.tombstone_urls(
            session, [r.article_id for r in shown if r.article_id is not None]
        )
        lines = tuple(_line(r, urls) for r in shown)
    more = len(rows) > limit
    return TakedownPage(lines, lines[-1].tombstone_id if more and lines else None)
