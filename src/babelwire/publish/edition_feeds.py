"""The feeds an edition publishes (RSS, Atom and JSON Feed), of the edition, a section
or a tag; `babelwire.publish.feeds` writes the documents."""

from __future__ import annotations

from babelwire.publish import feeds
from babelwire.publish.paths import (
    FEED_TYPES,
    url_for_article,
    url_for_feed,
    url_for_front,
    url_for_section,
    url_for_tag,
)
from babelwire.publish.rendering import SiteRenderer
from babelwire.publish.wording import tagline, translation_notice
from babelwire.storage.published import tags
from babelwire.storage.published.listing import ArticleList
from babelwire.storage.published.views import FeedItem

FEED_ITEMS = 50


class EditionFeeds(SiteRenderer):
    """An edition's feeds, and its sections' and tags'."""

    def _feed_head(
        self, language: str, section: str | None, tag: tags.TagInfo | None = None
    ) -> feeds.FeedHead:
        title = self.config.title
        home = url_for_front(language)
        if tag is not None:
            title = f"{tag.name} · {title}"
            home = url_for_tag(language, tag.slug)
        elif section is not None:
            rule = self.config.section(section)
            assert rule is not None
            title = f"{self.section_name(rule, language)} · {title}"
            home = url_for_section(language, section)
        slug = None if tag is None else tag.slug
        return feeds.FeedHead(
            title=title,
            description=tagline(self.config.settings.site.description, language),
            language=language,
            home_url=self._absolute(home),
            rss_url=self._absolute(url_for_feed(language, "rss", section, slug)),
            atom_url=self._absolute(url_for_feed(language, "atom", section, slug)),
            json_url=self._absolute(url_for_feed(language, "json", section, slug)),
            publisher=self.config.title,
        )

    def feed(
        self, language: str, kind: str, section: str | None = None, tag: str | None = None
    ) -> bytes | None:
        """An edition's (or a section's, or a tag's) feed: kind is "rss", "atom" or "json"."""
        if not self.has_edition(language) or kind not in FEED_TYPES:
            return None
        if section is not None and not self.has_section(section):
            return None
        articles_of = ArticleList(language)
        if section is not None:
            articles_of = articles_of.in_section(section)
        with self.sessions() as session:
            info = None
            if tag is not None:
                info = tags.tag_info(session, language, tag)
                if info is None:
                    return None
                articles_of = articles_of.with_tag(info.id)
            items = articles_of.feed_items(session, FEED_ITEMS, with_text=True)
            # The items' tags in one query, whatever the number of items.
            named = tags.tags_by_article(session, language, [item.id for item in items])
        if info is not None and not items:
            return None
        names = self.section_names(language)
        entries = [self._entry(language, item, named.get(item.id, ()), names) for item in items]
        head = self._feed_head(language, None if info else section, info)
        if kind == "rss":
            return feeds.rss_feed(head, entries)
        if kind == "atom":
            return feeds.atom_feed(head, entries)
        return feeds.json_feed(head, entries)

    def _entry(
        self,
        language: str,
        item: FeedItem,
        named: tuple[tags.TagInfo, ...],
        section_names: dict[str, str],
    ) -> feeds.FeedEntry:
        """An item with its notice, in the edition's words, and its section and tags."""
        categories: list[feeds.Category] = []
        if item.section and item.section in section_names:
            categories.append(
                feeds.Category(
                    term=item.section,
                    label=section_names[item.section],
                    url=self._absolute(url_for_section(language, item.section)),
                )
            )
        categories += [
            feeds.Category(
                term=tag.slug, label=tag.name, url=self._absolute(url_for_tag(language, tag.slug))
            )
            for tag in named
        ]
        notice = translation_notice(
            item,
            show_editor_names=self.config.settings.desk.show_editor_names,
            name_language=True,
        )
        return feeds.FeedEntry(
            item=item,
            url=self._absolute(url_for_article(language, item.id, item.title)),
            notice=notice,
            original_label=self.interface(language).gettext("Original:"),
            categories=tuple(categories),
        )
