"""The names publish/stories, search, tags, build_changes and static import from here.

The public site's queries live in `babelwire.storage.published` (`articles`,
`listing`, `views`); these forward to them, and go once those modules read
`storage.published` themselves.
"""

from __future__ import annotations

from babelwire.config import Config
from babelwire.storage import Session
from babelwire.storage.published.articles import later_in_section, teasers_by_id
from babelwire.storage.published.listing import (
    VISIBLE_STATUSES,
    ArticleList,
    Condition,
    visible_in,
)
from babelwire.storage.published.views import (
    SectionListing,
    Teaser,
    archive_pages,
    original_url,
)

__all__ = [
    "VISIBLE_STATUSES",
    "SectionListing",
    "Teaser",
    "archive_pages",
    "count_visible",
    "later_in_section",
    "list_page",
    "newer_than",
    "original_url",
    "page_size",
    "teasers_by_id",
    "teasers_where",
    "visible_in",
]


def page_size(config: Config) -> int:
    from babelwire.publish.rendering import page_size as size

    return size(config)


def count_visible(session: Session, language: str, *where: Condition) -> int:
    """How many articles visible in an edition match `where`."""
    return ArticleList(language).matching(*where).count(session)


def newer_than(session: Session, language: str, article_id: int, *where: Condition) -> int:
    """How many articles of a list (visible in `language`, matching `where`) sort before
    this one, newest first; -1 when the article is not in the list."""
    return ArticleList(language).matching(*where).position(session, article_id)


def teasers_where(
    session: Session, language: str, *where: Condition, limit: int | None = None
) -> tuple[Teaser, ...]:
    """The articles visible in an edition matching `where`, newest first (all, or `limit`)."""
    return ArticleList(language).matching(*where).teasers(session, limit=limit)


def list_page(
    session: Session,
    config: Config,
    language: str,
    slug: str,
    name: str,
    page: int,
    where: Condition,
) -> SectionListing | None:
    """Page `page` (0: the newest; see SectionListing) of the articles matching `where`."""
    articles_of = ArticleList(language).matching(where)
    return articles_of.page(session, page, page_size(config), slug=slug, name=name)
