"""The feeds an edition publishes (RSS, Atom and JSON Feed), of the edition, a section,
a tag, a source or a story; `babelwire.publish.feeds` writes the documents."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from babelwire.publish import feeds
from babelwire.publish.paths import (
    FEED_FILES,
    FEED_TYPES,
    MEDIA_FOLDER,
    picture_src,
    url_for_article,
    url_for_feed,
    url_for_front,
    url_for_section,
    url_for_source,
    url_for_story,
    url_for_tag,
)
from babelwire.publish.rendering import SiteRenderer, is_row_id
from babelwire.publish.wording import tagline, translation_notice
from babelwire.storage import Session
from babelwire.storage.published import articles, stories, tags
from babelwire.storage.published.listing import ArticleList
from babelwire.storage.published.views import FeedItem

FEED_ITEMS = 50


@dataclass(frozen=True, slots=True)
class _Scope:
    """What a feed lists: its title's first part, the page it belongs to and its articles."""

    name: str
    home: str
    articles: ArticleList
    urls: dict[str, str]


class EditionFeeds(SiteRenderer):
    """An edition's feeds, and its sections', tags', sources' and stories'."""

    def _scope(
        self,
        session: Session,
        language: str,
        section: str | None,
        tag: str | None,
        source_id: int | None,
        story_id: int | None,
    ) -> _Scope | None:
        """The list a feed follows, or None where the edition has no such list."""
        found = ArticleList(language)
        if tag is not None:
            info = tags.tag_info(session, language, tag)
            if info is None:
                return None
            urls = {kind: url_for_feed(language, kind, tag=info.slug) for kind in FEED_FILES}
            return _Scope(
                info.name, url_for_tag(language, info.slug), found.with_tag(info.id), urls
            )
        if section is not None:
            rule = self.config.section(section) if self.has_section(section) else None
            if rule is None:
                return None
            urls = {kind: url_for_feed(language, kind, section) for kind in FEED_FILES}
            name = self.section_name(rule, language)
            return _Scope(name, url_for_section(language, section), found.in_section(section), urls)
        if source_id is not None:
            source = articles.source_info(session, source_id) if is_row_id(source_id) else None
            if source is None:
                return None
            urls = {kind: url_for_feed(language, kind, source=source_id) for kind in FEED_FILES}
            home = url_for_source(language, source_id)
            return _Scope(source.name, home, found.from_source(source_id), urls)
        if story_id is not None:
            view = stories.story_view(session, language, story_id) if is_row_id(story_id) else None
            if view is None:
                return None
            urls = {kind: url_for_feed(language, kind, story=story_id) for kind in FEED_FILES}
            home = url_for_story(language, story_id)
            return _Scope(view.headline, home, found.in_story(story_id), urls)
        urls = {kind: url_for_feed(language, kind) for kind in FEED_FILES}
        return _Scope("", url_for_front(language), found, urls)

    def _feed_head(self, language: str, scope: _Scope) -> feeds.FeedHead:
        title = self.config.title
        if scope.name:
            title = f"{scope.name} · {title}"
        return feeds.FeedHead(
            title=title,
            description=tagline(self.config.settings.site.description, language),
            language=language,
            home_url=self._absolute(scope.home),
            rss_url=self._absolute(scope.urls["rss"]),
            atom_url=self._absolute(scope.urls["atom"]),
            json_url=self._absolute(scope.urls["json"]),
            publisher=self.config.title,
            hub_url=self.config.settings.websub.publisher_hub,
        )

    def feed(
        self,
        language: str,
        kind: str,
        section: str | None = None,
        tag: str | None = None,
        *,
        source_id: int | None = None,
        story_id: int | None = None,
    ) -> bytes | None:
        """An edition's feed, or a section's, a tag's, a source's or a story's (give at
        most one of them): kind is "rss", "atom" or "json". None where the edition has no
        such list, or where a tag's, a source's or a story's list is empty."""
        if kind not in FEED_TYPES:
            return None
        found = self.feed_documents(
            language, section, tag, source_id=source_id, story_id=story_id, kinds=(kind,)
        )
        return found.get(kind)

    def feed_documents(
        self,
        language: str,
        section: str | None = None,
        tag: str | None = None,
        *,
        source_id: int | None = None,
        story_id: int | None = None,
        kinds: Iterable[str] = tuple(FEED_FILES),
    ) -> dict[str, bytes]:
        """A list's feed in each of `kinds` (as `feed` says), its items read once for all
        of them (a static build writes the three); empty where there is no such feed."""
        kinds = [kind for kind in kinds if kind in FEED_TYPES]
        if not self.has_edition(language) or not kinds:
            return {}
        with self.sessions() as session:
            scope = self._scope(session, language, section, tag, source_id, story_id)
            if scope is None:
                return {}
            items = scope.articles.feed_items(session, FEED_ITEMS, with_text=True)
            # The items' tags in one query, whatever the number of items.
            named = tags.tags_by_article(session, language, [item.id for item in items])
        if not items and (tag, source_id, story_id) != (None, None, None):
            return {}
        names = self.section_names(language)
        entries = [self._entry(language, item, named.get(item.id, ()), names) for item in items]
        head = self._feed_head(language, scope)
        writers = {"rss": feeds.rss_feed, "atom": feeds.atom_feed, "json": feeds.json_feed}
        return {kind: writers[kind](head, entries) for kind in kinds}

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
        image = None
        if item.picture is not None:
            path = picture_src(item.picture.digest, item.picture.sizes)
            file = self.config.media_dir / path.removeprefix(f"/{MEDIA_FOLDER}/")
            try:
                length = file.stat().st_size
            except OSError:
                length = 0
            image = feeds.FeedImage(
                self._absolute(path), length, item.picture.width, item.picture.height
            )
        return feeds.FeedEntry(
            item=item,
            url=self._absolute(url_for_article(language, item.id, item.title)),
            notice=notice,
            original_label=self.interface(language).gettext("Original:"),
            categories=tuple(categories),
            image=image,
        )
