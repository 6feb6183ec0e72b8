"""Takedowns: remove an article from the whole site and keep it out for good.

The article row is kept, emptied of its text and translations, with stage
"removed": its id is never reused, so its old addresses can answer 410 Gone.
Every URL it was known by becomes a tombstone, which `refresh` consults before
storing an entry, so no source can bring it back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from babelwire.clock import utcnow
from babelwire.jobs.duplicates import forget_fingerprint
from babelwire.jobs.stories import after_takedown
from babelwire.model import Stage, is_ascii_number
from babelwire.newsroom import Newsroom
from babelwire.pipeline.discover.urls import canonical_url
from babelwire.publish.paths import parse_article_ref, url_for_article, url_for_original
from babelwire.storage import Session, articles, takedowns
from babelwire.storage.published import search
from babelwire.storage.published.articles import article_title
from babelwire.storage.tables import ArticleRow
from babelwire.storage.takedowns import tombstone_for_article, tombstoned_paths

__all__ = [
    "Takedown",
    "TakedownError",
    "find_article",
    "is_tombstoned",
    "take_down",
    "tombstone_for_article",
    "tombstoned_paths",
]

_SITE_ARTICLE_PATH = re.compile(r"^/[^/]+/article/([^/]+)/")


class TakedownError(ValueError):
    """The takedown could not be done (no such article, no reason given)."""


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


def take_down(newsroom: Newsroom, ref: str, reason: str) -> Takedown:
    """Remove the article `ref` (id, its URL on this site, or its original URL) everywhere.

    Raises TakedownError when nothing matches or no reason is given; running it
    again on a removed article changes nothing and reports the same paths.
    """
    reason = reason.strip()
    if not reason:
        raise TakedownError("a takedown needs a reason (--reason)")
    with newsroom.sessions() as session:
        article = find_article(newsroom, session, ref)
        if article is None:
            raise TakedownError(f"no article matches {ref!r}")
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
        forget_fingerprint(session, article)  # later copies of it stand on their own
        after_takedown(session, article)  # its story's counts and central article
        session.commit()
    return result
