"""What the JSON API reads: editions, article lists, stories, sections, tags, sources
and search, as JSON-ready dicts (web/api declares their shapes for OpenAPI).

Every article an answer names carries its provenance: the language it was written
in, whether its text here is a machine translation and by which engine, whether a
person revised it, and the link to its original. The full record of one article
(every translation, quality flags) is `babelwire.jobs.article_records`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babelwire.errors import InputError
from babelwire.jobs.article_records import gate_outcome, iso_time
from babelwire.jobs.takedown import takedown_of_article
from babelwire.model import TranslationStatus
from babelwire.newsroom import Site
from babelwire.publish.paths import (
    FEED_FILES,
    url_for_article,
    url_for_feed,
    url_for_front,
    url_for_section,
    url_for_source,
    url_for_story,
    url_for_tag,
)
from babelwire.publish.wording import language_name
from babelwire.storage import sources, tags
from babelwire.storage.published import search, stories
from babelwire.storage.published.listing import (
    ArticleList,
    InvalidCursorError,
    decode_cursor,
    encode_cursor,
)
from babelwire.storage.published.tags import shown_tags
from babelwire.storage.published.views import ListedArticle

__all__ = [
    "ArticleFilters",
    "ReadError",
    "article_page",
    "editions",
    "search_articles",
    "section_list",
    "source_list",
    "story",
    "story_page",
    "tag_list",
    "taken_down_at",
]


class ReadError(InputError):
    """A read the API cannot answer as asked: an unknown edition, a bad cursor."""


@dataclass(frozen=True, slots=True)
class ArticleFilters:
    """Which articles a list holds, beyond the edition it is read in."""

    section: str | None = None
    source_id: int | None = None
    language: str | None = None  # the language articles were written in
    story_id: int | None = None
    tag: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _absolute(site: Site, path: str) -> str:
    return site.config.base_url + path


def check_edition(site: Site, language: str | None) -> str:
    """The edition asked for, or the site's first one when none was."""
    editions_ = site.config.languages
    if language is None:
        return editions_[0]
    if language not in editions_:
        raise ReadError(f"unknown edition {language[:20]!r}: this site has {', '.join(editions_)}")
    return language


def editions(site: Site) -> list[dict[str, Any]]:
    found = []
    for code in site.config.languages:
        found.append(
            {
                "language": code,
                "name": language_name(code, code),
                "url": _absolute(site, url_for_front(code)),
                "feeds": {
                    kind: _absolute(site, url_for_feed(code, kind)) for kind in sorted(FEED_FILES)
                },
            }
        )
    return found


def provenance(item: ListedArticle) -> dict[str, Any]:
    """How an article's text in an edition came to be there, and where it came from."""
    machine = item.status == TranslationStatus.TRANSLATED
    return {
        "machine_translated": machine,
        "from_language": item.original_language,
        "engine": (item.engine or None) if machine else None,
        "engine_version": (item.engine_version or None) if machine else None,
        "model_version": (item.model_version or None) if machine else None,
        "revised_by_person": item.revised,
        "original_url": item.original_url,
        "quality_gate": gate_outcome(item.status, item.published_as) if machine else None,
    }


def listed(site: Site, item: ListedArticle) -> dict[str, Any]:
    return {
        "id": item.id,
        "edition": item.language,
        "title": item.title,
        "published": iso_time(item.published),
        "first_published_at": iso_time(item.first_published_at),
        "section": item.section,
        "story_id": item.story_id,
        "source": {"id": item.source_id, "name": item.source_name},
        "url": _absolute(site, url_for_article(item.language, item.id, item.title)),
        "provenance": provenance(item),
    }


def article_page(
    site: Site,
    language: str | None,
    filters: ArticleFilters,
    *,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """A page of an edition's articles, newest first, after `cursor`."""
    edition = check_edition(site, language)
    listing = ArticleList(edition)
    if filters.section is not None:
        listing = listing.in_section(filters.section)
    if filters.source_id is not None:
        listing = listing.from_source(filters.source_id)
    if filters.language is not None:
        listing = listing.in_language(filters.language)
    if filters.story_id is not None:
        listing = listing.in_story(filters.story_id)
    if filters.since is not None or filters.until is not None:
        listing = listing.shown_between(filters.since, filters.until)
    with site.sessions() as session:
        if filters.tag is not None:
            tag = tags.tag_by_slug(session, filters.tag)
            if tag is None:
                return {"edition": edition, "items": [], "next_cursor": None}
            listing = listing.with_tag(tag.id)
        try:
            page = listing.listed_after(session, cursor, limit)
        except InvalidCursorError as error:
            raise ReadError(str(error)) from None
    return {
        "edition": edition,
        "items": [listed(site, item) for item in page.items],
        "next_cursor": page.next_cursor,
    }


def _story_teaser(site: Site, teaser: stories.StoryTeaser) -> dict[str, Any]:
    return {
        "id": teaser.id,
        "edition": teaser.language,
        "headline": teaser.headline,
        "sources": teaser.source_count,
        "articles": teaser.article_count,
        "last_seen": iso_time(teaser.last_seen),
        "url": _absolute(site, url_for_story(teaser.language, teaser.id)),
    }


def story_page(
    site: Site, language: str | None, *, cursor: str | None, limit: int
) -> dict[str, Any]:
    """The stories an edition shows, most recently seen first, after `cursor`."""
    edition = check_edition(site, language)
    try:
        after = decode_cursor(cursor) if cursor is not None else None
    except InvalidCursorError as error:
        raise ReadError(str(error)) from None
    with site.sessions() as session:
        found = stories.story_page(session, edition, after, limit + 1)
        teasers = stories.story_teasers(session, edition, [i for i, _ in found[:limit]])
    next_cursor = None
    if len(found) > limit:
        story_id, seen = found[limit - 1]
        next_cursor = encode_cursor(seen, story_id)
    return {
        "edition": edition,
        "items": [_story_teaser(site, t) for t in teasers],
        "next_cursor": next_cursor,
    }


def story(site: Site, language: str | None, story_id: int) -> dict[str, Any] | None:
    """A story as an edition shows it, with every report of it; None when it shows none."""
    edition = check_edition(site, language)
    with site.sessions() as session:
        view = stories.story_view(session, edition, story_id)
        if view is None:
            return None
        shown = [m.article_id for m in view.members if m.shown_here]
        items = {
            item.id: item
            for item in ArticleList(edition)
            .with_ids(shown)
            .listed_after(session, None, 10_000)
            .items
        }
    members = []
    for member in view.members:
        item = items.get(member.article_id)
        members.append(
            {
                "article_id": member.article_id,
                "title": member.title,
                "title_language": member.title_language,
                "source_name": member.source_name,
                "original_language": member.original_language,
                "original_url": member.original_url,
                "published": iso_time(member.published),
                "duplicate": member.duplicate,
                # A report shown in this edition links its page and says how it got there.
                "url": _absolute(site, url_for_article(edition, item.id, item.title))
                if item is not None
                else None,
                "provenance": provenance(item) if item is not None else None,
            }
        )
    return {
        "id": view.id,
        "edition": edition,
        "headline": view.headline,
        "headline_by_person": view.headline_by_person,
        "sources": view.source_count,
        "languages": list(view.languages),
        "first_seen": iso_time(view.first_seen),
        "last_seen": iso_time(view.last_seen),
        "url": _absolute(site, url_for_story(edition, view.id)),
        "articles": members,
    }


def section_list(site: Site, language: str | None) -> dict[str, Any]:
    from babelwire.publish.pages import SitePages

    edition = check_edition(site, language)
    pages = SitePages.for_site(site)
    return {
        "edition": edition,
        "items": [
            {
                "slug": rule.slug,
                "name": pages.section_name(rule, edition),
                "url": _absolute(site, url_for_section(edition, rule.slug)),
                "feed": _absolute(site, url_for_feed(edition, "rss", section=rule.slug)),
            }
            for rule in site.config.sections
        ],
    }


def tag_list(site: Site, language: str | None) -> dict[str, Any]:
    edition = check_edition(site, language)
    with site.sessions() as session:
        found = shown_tags(session, edition)
    return {
        "edition": edition,
        "items": [
            {
                "slug": tag.slug,
                "name": tag.name,
                "kind": tag.kind,
                "url": _absolute(site, url_for_tag(edition, tag.slug)),
            }
            for tag in found
        ],
    }


def source_list(site: Site, language: str | None) -> dict[str, Any]:
    """The sources, with what readers may know of them: never their errors, schedule or
    settings, and no address a source on a private network was allowed."""
    edition = check_edition(site, language)
    with site.sessions() as session:
        rows = sources.all_sources(session)
        found = [
            {
                "id": row.id,
                "name": row.name,
                "url": None if row.allow_private else row.url,
                "kind": row.kind,
                "language": row.language,
                "section": row.section,
                "page": _absolute(site, url_for_source(edition, row.id)),
            }
            for row in rows
        ]
    return {"edition": edition, "items": found}


def search_articles(
    site: Site, language: str | None, query: str, *, page: int, page_size: int
) -> dict[str, Any]:
    """Page `page` of an edition's articles matching every word of `query`, best first."""
    edition = check_edition(site, language)
    with site.sessions() as session:
        results = search.search(session, edition, query[:200], page, page_size)
        ids = [t.id for t in results.teasers]
        items = {
            item.id: item
            for item in ArticleList(edition).with_ids(ids).listed_after(session, None, 10_000).items
        }
    return {
        "edition": edition,
        "query": results.query,
        "page": results.page,
        "pages": results.page_count,
        "total": results.total,
        "items": [listed(site, items[i]) for i in ids if i in items],
    }


def taken_down_at(site: Site, article_id: int) -> datetime | None:
    """When the article was taken down; None when it was not."""
    with site.sessions() as session:
        found = takedown_of_article(session, article_id)
    return found.at if found is not None else None
