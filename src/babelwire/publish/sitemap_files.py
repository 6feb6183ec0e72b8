"""The site's sitemaps: the index, each edition's numbered, tag and story sitemaps, and
the news sitemap; `babelwire.publish.sitemaps` writes the documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from babelwire.publish import sitemaps
from babelwire.publish.paths import (
    url_for_about,
    url_for_article,
    url_for_front,
    url_for_news_sitemap,
    url_for_section,
    url_for_sitemap,
    url_for_story,
    url_for_story_sitemap,
    url_for_tag,
    url_for_tag_sitemap,
)
from babelwire.publish.rendering import SiteRenderer
from babelwire.storage.published import tags
from babelwire.storage.published.listing import ArticleList

NEWS_SITEMAP_HOURS = 48
NEWS_SITEMAP_MAX = 1000


class SitemapFiles(SiteRenderer):
    """The sitemap index and the sitemaps it lists."""

    def sitemap_count(self, language: str) -> int:
        """How many numbered sitemaps an edition has (at least one: it lists the lists).

        Sitemap n holds the articles with ids in ((n-1)*SITEMAP_URLS, n*SITEMAP_URLS], so
        a new article changes only the last one and an update only its own.
        """
        if not self.has_edition(language):
            return 0
        with self.sessions() as session:
            highest = ArticleList(language).highest_id(session)
        return max(1, -(-highest // sitemaps.SITEMAP_URLS))

    def sitemap_index(self) -> bytes:
        entries = [
            sitemaps.SitemapUrl(self._absolute(url_for_sitemap(language, number)))
            for language in self.languages
            for number in range(1, self.sitemap_count(language) + 1)
        ]
        entries += [
            sitemaps.SitemapUrl(self._absolute(url_for_tag_sitemap(language)))
            for language in self.languages
            if self.has_tags(language)
        ]
        entries += [
            sitemaps.SitemapUrl(self._absolute(url_for_story_sitemap(language)))
            for language in self.languages
            if self.story_ids(language)
        ]
        entries.append(sitemaps.SitemapUrl(self._absolute(url_for_news_sitemap())))
        return sitemaps.sitemap_index(entries)

    def story_sitemap(self, language: str) -> bytes | None:
        """The story pages of an edition (None when it has none)."""
        shown = self.story_ids(language)
        if not shown:
            return None
        return sitemaps.url_set(
            [
                sitemaps.SitemapUrl(self._absolute(url_for_story(language, story_id)))
                for story_id in shown[-sitemaps.MAX_URLS :]
            ]
        )

    def tag_sitemap(self, language: str) -> bytes | None:
        """The tag pages of an edition (first pages; their later pages follow from them)."""
        if not self.has_edition(language):
            return None
        with self.sessions() as session:
            shown = tags.shown_tags(session, language)
        if not shown:
            return None  # a sitemap needs at least one address
        return sitemaps.url_set(
            [
                sitemaps.SitemapUrl(self._absolute(url_for_tag(language, tag.slug)))
                for tag in shown[: sitemaps.MAX_URLS]
            ]
        )

    def sitemap(self, language: str, number: int) -> bytes | None:
        """Sitemap `number` of an edition: the first also lists the front, about and sections."""
        if number < 1 or number > self.sitemap_count(language):
            return None
        urls: list[sitemaps.SitemapUrl] = []
        if number == 1:
            urls.append(sitemaps.SitemapUrl(self._absolute(url_for_front(language))))
            urls.append(sitemaps.SitemapUrl(self._absolute(url_for_about(language))))
            urls += [
                sitemaps.SitemapUrl(self._absolute(url_for_section(language, rule.slug)))
                for rule in self.shown_sections(language)
            ]
        size = sitemaps.SITEMAP_URLS
        with self.sessions() as session:
            items = (
                ArticleList(language)
                .with_ids_between((number - 1) * size, number * size)
                .feed_items(session, None, with_summary=False)
            )
        urls += [
            sitemaps.SitemapUrl(
                self._absolute(url_for_article(language, item.id, item.title)),
                item.updated or item.published,
            )
            for item in sorted(items, key=lambda i: i.id)
        ]
        return sitemaps.url_set(urls)

    def news_sitemap(self, now: datetime | None = None) -> bytes:
        """Articles published in the last 48 hours, every edition, each in its edition's
        language. The window counts from the source's publication date (else from when
        this site first published it), as search engines read the date given them."""
        since = (now or datetime.now(UTC)) - timedelta(hours=NEWS_SITEMAP_HOURS)
        urls: list[sitemaps.NewsUrl] = []
        with self.sessions() as session:
            for language in self.languages:
                items = (
                    ArticleList(language)
                    .shown_between(since, None)
                    .feed_items(session, NEWS_SITEMAP_MAX, with_summary=False)
                )
                urls += [
                    sitemaps.NewsUrl(
                        loc=self._absolute(url_for_article(language, item.id, item.title)),
                        title=item.title,
                        language=language,
                        published=item.published or since,
                    )
                    for item in items
                ]
        return sitemaps.news_sitemap(self.config.title, urls[:NEWS_SITEMAP_MAX])
