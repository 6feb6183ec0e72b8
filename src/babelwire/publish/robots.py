"""The site's robots.txt: where its sitemaps are, and that search results are not crawled."""

from __future__ import annotations

from babelwire.publish import sitemaps
from babelwire.publish.paths import url_for_search, url_for_sitemap_index
from babelwire.publish.rendering import SiteRenderer


class RobotsFile(SiteRenderer):
    """The site's robots.txt."""

    def robots(self) -> str:
        return sitemaps.robots_txt(
            self._absolute(url_for_sitemap_index()),
            [url_for_search(language) for language in self.languages],
        )
