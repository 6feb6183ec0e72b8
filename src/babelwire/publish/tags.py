"""A tag's list: the articles that name it, a page at a time.

The tags themselves are read through `babelwire.storage.published.tags`.
"""

from __future__ import annotations

from babelwire.config import Config
from babelwire.publish.queries import SectionListing, Teaser, list_page, teasers_where
from babelwire.storage import Session
from babelwire.storage.published.tags import TagInfo, named, tag_info


def tag_listing(
    session: Session, config: Config, language: str, slug: str, page: int = 0
) -> tuple[TagInfo, SectionListing] | None:
    """Page `page` of the articles naming a tag; None when the edition shows none of them."""
    info = tag_info(session, language, slug)
    if info is None:
        return None
    found = list_page(session, config, language, slug, info.name, page, named(info.id))
    if found is None or found.total == 0:
        return None
    return info, found


def tag_teasers(session: Session, language: str, tag_id: int) -> tuple[Teaser, ...]:
    """Every article naming a tag visible in an edition, newest first (static builds)."""
    return teasers_where(session, language, named(tag_id))
