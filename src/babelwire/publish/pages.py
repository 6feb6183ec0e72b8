"""The public site's pages, rendered to HTML strings, and its feeds, sitemaps and robots.txt.

`SitePages` is used by both the live ASGI app (`babelwire.web.app`) and the
static export (`babelwire.publish.static`), so both serve the same pages at the
same paths. Each concern renders in its own module; `SitePages` is all of them at
once, over one set of settings, database sessions and templates.
"""

from __future__ import annotations

from babelwire.publish.article_pages import ArticlePages
from babelwire.publish.edition_feeds import EditionFeeds
from babelwire.publish.edition_pages import EditionPages
from babelwire.publish.list_pages import ListPages
from babelwire.publish.robots import RobotsFile
from babelwire.publish.search_page import SearchPage
from babelwire.publish.sitemap_files import SitemapFiles

__all__ = ["SitePages"]


class SitePages(
    EditionPages,
    ListPages,
    ArticlePages,
    SearchPage,
    EditionFeeds,
    SitemapFiles,
    RobotsFile,
):
    """Renders every public page of a site; a method returns None when there is no such page.

    >>> pages = SitePages.for_site(site)
    >>> html = pages.article("en", 42)
    """
