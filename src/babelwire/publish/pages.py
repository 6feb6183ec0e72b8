"""The public site's pages, rendered to HTML strings.

`SitePages` is used by both the live ASGI app (`babelwire.web.app`) and the
static export (`babelwire.publish.static`), so both serve the same pages at the
same paths. Templates are autoescaped: text from sources and engines is never
marked safe, and links to sources are only emitted for http(s) URLs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, StrictUndefined
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, sessionmaker

from babelwire.config import Config
from babelwire.model import TranslationStatus
from babelwire.publish import feeds, queries, search, sitemaps, stories, tags
from babelwire.publish.metadata import json_ld, news_article
from babelwire.publish.paths import (
    FEED_TYPES,
    contact_href,
    is_language_code,
    is_section_slug,
    is_tag_slug,
    safe_url,
    url_for_about,
    url_for_article,
    url_for_feed,
    url_for_front,
    url_for_home,
    url_for_news_sitemap,
    url_for_original,
    url_for_search,
    url_for_section,
    url_for_sitemap,
    url_for_sitemap_index,
    url_for_source,
    url_for_story,
    url_for_story_sitemap,
    url_for_style,
    url_for_tag,
    url_for_tag_sitemap,
)
from babelwire.publish.queries import TextBlock
from babelwire.publish.wording import (
    direction,
    endonym,
    language_name,
    messages,
    translation_notice,
)
from babelwire.storage.tables import ArticleRow, TombstoneRow

if TYPE_CHECKING:
    from babelwire.jobs.newsroom import Newsroom

FRONT_PAGE_ARTICLES = 5
FEED_ITEMS = 50
RELATED_ARTICLES = 5
NEWS_SITEMAP_HOURS = 48
NEWS_SITEMAP_MAX = 1000
# Row ids are 32-bit integers in PostgreSQL: a larger number in an address would make
# the database raise instead of finding nothing.
MAX_ROW_ID = 2**31 - 1
# Static pages carry their policy in a meta tag (a file cannot send a header; serve mode
# sends its own). Scripts run only on the search page: Pagefind's files from this site,
# which compile its WebAssembly and fetch its index; its stylesheet draws the search icon
# from a data: image.
STATIC_CSP = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'"
)


def is_row_id(value: int) -> bool:
    """Whether `value` can be the id of a stored row (an article, source or story)."""
    return 0 < value <= MAX_ROW_ID


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------


def iso_time(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def display_time(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True, slots=True)
class BodyPart:
    """Consecutive blocks rendered as one element: "h", "p", "quote" or a "list" of items."""

    kind: str
    texts: tuple[str, ...]


def body_parts(blocks: Sequence[TextBlock]) -> tuple[BodyPart, ...]:
    """Group an article's blocks for rendering: consecutive list items make one list."""
    parts: list[BodyPart] = []
    for block in blocks:
        if not block.text.strip():
            continue
        if block.kind == "li":
            if parts and parts[-1].kind == "list":
                parts[-1] = BodyPart("list", (*parts[-1].texts, block.text))
            else:
                parts.append(BodyPart("list", (block.text,)))
        elif block.kind in {"h", "quote"}:
            parts.append(BodyPart(block.kind, (block.text,)))
        else:
            parts.append(BodyPart("p", (block.text,)))
    return tuple(parts)


@dataclass(frozen=True, slots=True)
class Link:
    href: str
    text: str
    language: str = ""
    current: bool = False


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------


@functools.cache
def make_environment() -> Environment:
    """The templates, compiled once per process and shared by every SitePages; the
    compiled code is kept in Jinja's per-user cache folder, so a `babelwire build`
    process that writes a few pages does not spend most of its time compiling."""
    env = Environment(
        loader=PackageLoader("babelwire.web", "templates"),
        bytecode_cache=FileSystemBytecodeCache(),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["iso_time"] = iso_time
    env.filters["display_time"] = display_time
    env.globals.update(
        url_for_home=url_for_home,
        url_for_front=url_for_front,
        url_for_section=url_for_section,
        url_for_article=url_for_article,
        url_for_about=url_for_about,
        url_for_style=url_for_style,
        url_for_source=url_for_source,
        url_for_story=url_for_story,
        url_for_tag=url_for_tag,
    )
    return env


@dataclass(frozen=True, slots=True)
class EditionIndex:
    """Per article of an edition: the earlier articles of its section, and its tags."""

    related: Mapping[int, tuple[queries.Teaser, ...]]
    tags: Mapping[int, tuple[tags.TagInfo, ...]]


class SitePages:
    """Renders every public page of a site; a method returns None when there is no such page.

    >>> pages = SitePages.for_newsroom(newsroom)
    >>> html = pages.article("en", 42)
    """

    def __init__(
        self, config: Config, sessions: sessionmaker[Session], *, static: bool = False
    ) -> None:
        self.config = config
        self.sessions = sessions
        self.env = make_environment()
        # Static builds search with Pagefind in the browser; serve mode searches the database.
        self.static = static

    @classmethod
    def for_newsroom(cls, newsroom: Newsroom, *, static: bool = False) -> SitePages:
        return cls(newsroom.config, newsroom.sessions, static=static)

    # -- what exists ---------------------------------------------------------

    @property
    def languages(self) -> list[str]:
        """The editions whose codes are safe to put in a path, in configured order."""
        return [code for code in self.config.languages if is_language_code(code)]

    def has_edition(self, language: str) -> bool:
        return language in self.languages

    def has_section(self, slug: str) -> bool:
        return is_section_slug(slug) and self.config.section(slug) is not None

    def archive_pages(self, language: str, slug: str) -> int:
        """How many archive pages a section has in an edition (0 when it does not exist)."""
        listing = self._listing(language, slug, 0)
        return 0 if listing is None else listing.archive_pages

    def article_url(self, language: str, article_id: int) -> str | None:
        """The canonical path of an article in an edition, or None when it is not shown there."""
        if not self.has_edition(language) or not is_row_id(article_id):
            return None
        with self.sessions() as session:
            title = queries.article_title(session, language, article_id)
        return None if title is None else url_for_article(language, article_id, title)

    def article_ids(self, language: str) -> list[tuple[int, str]]:
        """(id, canonical path) of every article shown in an edition, newest first."""
        if not self.has_edition(language):
            return []
        with self.sessions() as session:
            teasers = queries.edition_teasers(session, language)
        return [(t.id, url_for_article(language, t.id, t.title)) for t in teasers]

    # -- rendering -------------------------------------------------------------

    def _absolute(self, path: str) -> str:
        return self.config.base_url + path

    def _context(
        self,
        language: str,
        *,
        path: str,
        alternates: Mapping[str, str] | None = None,
        current_section: str | None = None,
        feed_section: str | None = None,
    ) -> dict[str, Any]:
        t = messages(language)
        sections = [
            Link(
                url_for_section(language, rule.slug),
                rule.name(language),
                "",
                rule.slug == current_section,
            )
            for rule in self.config.sections
            if is_section_slug(rule.slug)
        ]
        editions = [
            Link(url_for_front(code), endonym(code), code, code == language)
            for code in self.languages
        ]
        alternate_links = [
            Link(self._absolute(href), endonym(code), code)
            for code, href in (alternates or {}).items()
        ]
        return {
            "lang": language,
            "dir": direction(language),
            "t": t,
            "site_title": self.config.title,
            "description": self.config.settings.site.description,
            "front_href": url_for_front(language),
            "about_href": url_for_about(language),
            "nav_sections": sections,
            "editions": editions,
            "canonical": self._absolute(path),
            "alternates": alternate_links,
            "prev_href": "",
            "next_href": "",
            "pager_label": "",
            "search_href": url_for_search(language),
            "feeds": [
                {"type": FEED_TYPES[kind], "href": url_for_feed(language, kind, feed_section)}
                for kind in ("rss", "atom", "json")
            ],
            "robots": "",
            "og": {},
            "json_ld": "",
            "static": self.static,
            "csp": STATIC_CSP if self.static else "",
        }

    def _render(self, template: str, context: Mapping[str, Any]) -> str:
        return self.env.get_template(template).render(context)

    def _default_language(self) -> str:
        languages = self.languages
        return languages[0] if languages else "en"

    def home(self) -> str:
        """The root page: a link to each edition (nothing on it changes with the news, so
        incremental builds leave it alone)."""
        language = self._default_language()
        context = self._context(
            language,
            path=url_for_home(),
            alternates={code: url_for_front(code) for code in self.languages},
        )
        context["choices"] = [
            {
                "link": Link(url_for_front(code), endonym(code), code),
                "dir": direction(code),
                "t": messages(code),
            }
            for code in self.languages
        ]
        return self._render("home.html", context)

    def front(self, language: str) -> str | None:
        if not self.has_edition(language):
            return None
        with self.sessions() as session:
            front = queries.front_page(session, self.config, language, FRONT_PAGE_ARTICLES)
            top = self._top_stories(session, language)
        context = self._context(
            language,
            path=url_for_front(language),
            alternates={code: url_for_front(code) for code in self.languages},
        )
        context["front"] = front
        context["top_stories"] = top
        context["sections"] = [s for s in front.sections if is_section_slug(s.slug)]
        return self._render("front.html", context)

    def _listing(self, language: str, slug: str, page: int) -> queries.SectionListing | None:
        if not self.has_edition(language) or not self.has_section(slug):
            return None
        with self.sessions() as session:
            return queries.section_listing(session, self.config, language, slug, page)

    def section(self, language: str, slug: str, page: int = 0) -> str | None:
        listing = self._listing(language, slug, page)
        if listing is None:
            return None
        return self._render_section(listing)

    def section_pages(
        self, language: str, slug: str, since: tuple[int, int] | None = None
    ) -> Iterator[tuple[queries.SectionListing, str]]:
        """(listing, html) of the pages of a section (static builds): every page, or with
        `since` = (archive page, the list's length) page 0 and the archive pages from
        that one on."""
        if not self.has_edition(language) or not self.has_section(slug):
            return
        rule = self.config.section(slug)
        assert rule is not None
        where = ArticleRow.section == slug
        for listing in self._list_pages(
            language, slug, rule.name(language), where, since, keep_empty=True
        ):
            yield listing, self._render_section(listing)

    def _render_section(self, listing: queries.SectionListing) -> str:
        language, slug, page = listing.language, listing.slug, listing.page
        context = self._context(
            language,
            path=url_for_section(language, slug, page),
            # Page n of one edition is not page n of another: only page 0 has alternates.
            alternates={code: url_for_section(code, slug) for code in self.languages}
            if page == 0
            else None,
            current_section=slug,
            feed_section=slug,
        )
        self._pager(context, listing, lambda n: url_for_section(language, slug, n))
        return self._render("section.html", context)

    def article(self, language: str, article_id: int) -> str | None:
        if not self.has_edition(language) or not is_row_id(article_id):
            return None
        with self.sessions() as session:
            view = queries.article_view(session, self.config, language, article_id)
            if view is None:
                return None
            return self._render_article(session, view)

    def article_at(self, language: str, article_id: int) -> tuple[str, str] | None:
        """(canonical path, html) of an article in an edition, from one read of it."""
        if not self.has_edition(language) or not is_row_id(article_id):
            return None
        with self.sessions() as session:
            view = queries.article_view(session, self.config, language, article_id)
            if view is None:
                return None
            path = url_for_article(language, view.id, view.title)
            return path, self._render_article(session, view)

    def edition_index(self, language: str) -> EditionIndex:
        """What every article page of an edition shows from its neighbours, read at once
        (a full build passes it to `article_pages` instead of a few queries a page)."""
        related: dict[int, tuple[queries.Teaser, ...]] = {}
        with self.sessions() as session:
            for rule in self.config.sections:
                teasers = queries.teasers_where(session, language, ArticleRow.section == rule.slug)
                for index, teaser in enumerate(teasers):
                    related[teaser.id] = teasers[index + 1 : index + 1 + RELATED_ARTICLES]
            named = tags.tags_by_article(session, language)
        return EditionIndex(related=related, tags=named)

    def article_pages(
        self, language: str, article_id: int, index: EditionIndex | None = None
    ) -> list[tuple[str, str]]:
        """(path, html) of an article's page and its original-text view (for static builds)."""
        if not self.has_edition(language) or not is_row_id(article_id):
            return []
        with self.sessions() as session:
            view = queries.article_view(session, self.config, language, article_id)
            if view is None:
                return []
            path = url_for_article(language, view.id, view.title)
            result = [(path, self._render_article(session, view, index))]
        original = self._render_original(view)
        if original is not None:
            result.append((path + "original/", original))
        return result

    def _render_article(
        self, session: Session, view: queries.ArticleView, index: EditionIndex | None = None
    ) -> str:
        language = view.language
        alternates: dict[str, str] = {}
        alternates[language] = url_for_article(language, view.id, view.title)
        # Each edition's slug comes from its own title.
        for code, title in view.other_titles:
            if is_language_code(code):
                alternates[code] = url_for_article(code, view.id, title)
        if index is not None and view.id in index.related:
            related = index.related[view.id]
        else:
            related = queries.related_teasers(
                session,
                language,
                view.id,
                view.section,
                view.published_at or view.first_published_at,
                RELATED_ARTICLES,
            )
        if index is not None:
            named = index.tags.get(view.id, ())
        else:
            named = tags.tags_for_article(session, language, view.id)
        story = stories.story_of(session, language, view.story_id)
        related_stories = stories.related_stories(
            session, language, view.id, view.story_id, [tag.id for tag in named], RELATED_ARTICLES
        )
        path = alternates[language]
        rule = self.config.section(view.section) if view.section else None
        context = self._context(
            language, path=path, alternates=alternates, current_section=view.section
        )
        context.update(
            article=view,
            body=body_parts(view.blocks),
            other_editions=[
                Link(href, endonym(code), code)
                for code, href in alternates.items()
                if code != language
            ],
            section_name=rule.name(language) if rule else "",
            section_href=url_for_section(language, rule.slug)
            if rule and is_section_slug(rule.slug)
            else "",
            original_href=safe_url(view.original_url),
            notice=translation_notice(view),
            original_language=view.original_language or "",
            original_view_href=url_for_original(language, view.id, view.title)
            if view.status == TranslationStatus.TRANSLATED and view.original_blocks
            else "",
            source_href=url_for_source(language, view.source_id),
            related=related,
            tags=named,
            story=story if story and (story.source_count > 1 or story.article_count > 1) else None,
            related_stories=related_stories,
        )
        description = next((b.text for b in view.blocks if b.kind == "p" and b.text), "")[:300]
        context["og"] = {
            "og:type": "article",
            "og:title": view.title,
            "og:description": description or context["notice"],
            "og:url": self._absolute(path),
            "og:site_name": self.config.title,
            "og:locale": language.replace("-", "_"),
            "twitter:card": "summary",
            "twitter:title": view.title,
            "twitter:description": description or context["notice"],
        }
        context["json_ld"] = json_ld(
            news_article(
                view,
                url=self._absolute(path),
                site_title=self.config.title,
                site_url=self._absolute(url_for_front(language)),
                description=description or context["notice"],
            )
        )
        return self._render("article.html", context)

    def original(self, language: str, article_id: int) -> str | None:
        """The source text beside the translation, paragraph by paragraph."""
        if not self.has_edition(language) or not is_row_id(article_id):
            return None
        with self.sessions() as session:
            view = queries.article_view(session, self.config, language, article_id)
        return None if view is None else self._render_original(view)

    def _render_original(self, view: queries.ArticleView) -> str | None:
        if view.status != TranslationStatus.TRANSLATED or not view.original_blocks:
            return None
        language = view.language
        article_path = url_for_article(language, view.id, view.title)
        context = self._context(
            language,
            path=url_for_original(language, view.id, view.title),
            current_section=view.section,
        )
        pairs = []
        translated = [b for b in view.blocks if b.text.strip()]
        originals = [b for b in view.original_blocks if b.text.strip()]
        for index in range(max(len(translated), len(originals))):
            pairs.append(
                (
                    originals[index] if index < len(originals) else None,
                    translated[index] if index < len(translated) else None,
                )
            )
        context.update(
            article=view,
            article_href=article_path,
            pairs=pairs,
            original_language=view.original_language or "",
            original_href=safe_url(view.original_url),
            notice=translation_notice(view),
            robots="noindex, follow",
        )
        context["canonical"] = self._absolute(article_path)
        return self._render("original.html", context)

    def original_url(self, language: str, article_id: int) -> str | None:
        path = self.article_url(language, article_id)
        return None if path is None else path + "original/"

    # -- sources -----------------------------------------------------------------

    def _source_listing(
        self, language: str, source_id: int, page: int
    ) -> queries.SectionListing | None:
        if not self.has_edition(language) or not is_row_id(source_id):
            return None
        with self.sessions() as session:
            return queries.source_listing(session, self.config, language, source_id, page)

    def source_ids(self, language: str) -> list[int]:
        if not self.has_edition(language):
            return []
        with self.sessions() as session:
            return list(queries.source_ids(session, language))

    def source(self, language: str, source_id: int, page: int = 0) -> str | None:
        """What the site took from one source, newest first."""
        listing = self._source_listing(language, source_id, page)
        if listing is None:
            return None
        with self.sessions() as session:
            info = queries.source_info(session, source_id)
        assert info is not None
        return self._render_source(info, listing)

    def source_pages(
        self, language: str, source_id: int, since: tuple[int, int] | None = None
    ) -> Iterator[tuple[queries.SectionListing, str]]:
        """(listing, html) of the pages of a source, as `section_pages`."""
        if not self.has_edition(language) or not is_row_id(source_id):
            return
        with self.sessions() as session:
            info = queries.source_info(session, source_id)
        if info is None:
            return
        where = ArticleRow.source_id == source_id
        for listing in self._list_pages(language, str(source_id), info.name, where, since):
            yield listing, self._render_source(info, listing)

    def _render_source(self, info: queries.SourceInfo, listing: queries.SectionListing) -> str:
        language, source_id = listing.language, info.id
        context = self._context(language, path=url_for_source(language, source_id, listing.page))
        context["source"] = info
        context["source_href"] = safe_url(info.url)
        self._pager(context, listing, lambda n: url_for_source(language, source_id, n))
        return self._render("source.html", context)

    # -- stories and tags ------------------------------------------------------------

    def _top_stories(self, session: Session, language: str) -> tuple[stories.StoryTeaser, ...]:
        return stories.top_stories(
            session,
            language,
            datetime.now(UTC),
            hours=float(self.config.settings.site.story_hours),
            half_life_hours=self.config.settings.site.story_half_life_hours,
            min_sources=self.config.settings.site.story_min_sources,
            limit=self.config.settings.site.front_stories,
        )

    def story_ids(self, language: str) -> list[int]:
        if not self.has_edition(language):
            return []
        with self.sessions() as session:
            return list(stories.story_ids(session, language))

    def story(self, language: str, story_id: int) -> str | None:
        """Every report of one story: linked here when this edition shows it, else the original."""
        if not self.has_edition(language) or not is_row_id(story_id):
            return None
        with self.sessions() as session:
            view = stories.story_view(session, language, story_id)
        if view is None:
            return None
        context = self._context(language, path=url_for_story(language, story_id))
        context.update(
            story=view,
            members=[
                {
                    "member": member,
                    "href": url_for_article(language, member.article_id, member.title)
                    if member.shown_here
                    else "",
                    "original_href": safe_url(member.original_url),
                    "original_language": member.original_language or "",
                    "language_label": language_name(member.original_language, language)
                    if member.original_language
                    else "",
                }
                for member in view.members
            ],
            language_names=[language_name(code, language) for code in view.languages],
        )
        return self._render("story.html", context)

    def tag_slugs(self, language: str) -> list[str]:
        if not self.has_edition(language):
            return []
        with self.sessions() as session:
            return [tag.slug for tag in tags.shown_tags(session, language)]

    def tag(self, language: str, slug: str, page: int = 0) -> str | None:
        """Page `page` of the articles naming a tag."""
        if not self.has_edition(language) or not is_tag_slug(slug):
            return None
        with self.sessions() as session:
            found = tags.tag_listing(session, self.config, language, slug, page)
            if found is None:
                return None
            editions = tags.editions_showing(session, found[0].id) if page == 0 else set()
        return self._render_tag(*found, editions)

    def tag_pages(
        self, language: str, slug: str, since: tuple[int, int] | None = None
    ) -> Iterator[tuple[queries.SectionListing, str]]:
        """(listing, html) of the pages of a tag, as `section_pages`."""
        if not self.has_edition(language) or not is_tag_slug(slug):
            return
        with self.sessions() as session:
            info = tags.tag_info(session, language, slug)
            if info is None:
                return
            editions = tags.editions_showing(session, info.id)
        for listing in self._list_pages(language, slug, info.name, tags.named(info.id), since):
            yield listing, self._render_tag(info, listing, editions)

    def list_where(self, language: str, kind: str, key: str) -> ColumnElement[bool] | None:
        """The articles of a list ("section", "source" or "tag"), or None for no such list."""
        if kind == "section":
            return ArticleRow.section == key
        if kind == "source":
            return ArticleRow.source_id == int(key)
        with self.sessions() as session:
            info = tags.tag_info(session, language, key)
        return None if info is None else tags.named(info.id)

    def _list_pages(
        self,
        language: str,
        slug: str,
        name: str,
        where: ColumnElement[bool],
        since: tuple[int, int] | None,
        keep_empty: bool = False,
    ) -> Iterator[queries.SectionListing]:
        """Page 0 and the archive pages of a list (all, or with `since` = (archive page,
        the list's length) from that page on), reading only the articles they show."""
        size = queries.page_size(self.config)
        from_page = None if since is None else since[0]
        with self.sessions() as session:
            if since is None:
                teasers = queries.teasers_where(session, language, where)
                total = len(teasers)
            else:
                total = since[1]
                first = min(max(1, since[0]), queries.archive_pages(total, size) + 1)
                teasers = queries.teasers_where(
                    session, language, where, limit=total - (first - 1) * size
                )
        if total == 0 and not keep_empty:
            return
        archive = queries.archive_pages(total, size)
        numbers = range(max(1, from_page or 1), archive + 1)
        for page in (0, *numbers):
            bounds = queries.page_slice(total, size, page)
            assert bounds is not None
            yield queries.SectionListing(
                language=language,
                slug=slug,
                name=name,
                page=page,
                archive_pages=archive,
                page_size=size,
                total=total,
                teasers=tuple(teasers[bounds[0] : bounds[1]]),
            )

    def _pager(
        self,
        context: dict[str, Any],
        listing: queries.SectionListing,
        url: Callable[[int], str],
    ) -> None:
        """Links and label of a list page: newer is "previous", older is "next"."""
        t = context["t"]
        context["listing"] = listing
        if listing.page == 0:
            context["pager_label"] = t["articles_count"].format(count=listing.total)
            if listing.archive_pages:
                context["next_href"] = url(listing.archive_pages)
            return
        context["pager_label"] = t["archive_page"].format(page=listing.page)
        context["prev_href"] = url(listing.page + 1 if listing.page < listing.archive_pages else 0)
        if listing.page > 1:
            context["next_href"] = url(listing.page - 1)

    def _render_tag(
        self, info: tags.TagInfo, listing: queries.SectionListing, editions: set[str]
    ) -> str:
        """A tag page; `editions` show the tag too (page 0 names them as alternates)."""
        language, page = listing.language, listing.page
        context = self._context(
            language,
            path=url_for_tag(language, info.slug, page),
            alternates={
                code: url_for_tag(code, info.slug) for code in self.languages if code in editions
            }
            if page == 0
            else None,
        )
        context["feeds"] = [
            {"type": FEED_TYPES[kind], "href": url_for_feed(language, kind, tag=info.slug)}
            for kind in ("rss", "atom", "json")
        ]
        context["tag"] = info
        self._pager(context, listing, lambda n: url_for_tag(language, info.slug, n))
        return self._render("tag.html", context)

    # -- search --------------------------------------------------------------------

    def search(self, language: str, query: str = "", page: int = 1) -> str | None:
        """The search page: results from the database, or Pagefind's box in a static build."""
        if not self.has_edition(language):
            return None
        query = query.strip()[:200]
        results = None
        if query and not self.static:
            with self.sessions() as session:
                results = search.search(
                    session, language, query, page, queries.page_size(self.config)
                )
        context = self._context(language, path=url_for_search(language))
        context.update(query=query, results=results, robots="noindex, follow")
        if results is not None:
            base = url_for_search(language) + "?" + urlencode({"q": query})
            context["pager_label"] = context["t"]["page_of"].format(
                page=results.page, pages=results.page_count
            )
            if results.page > 1:
                context["prev_href"] = f"{base}&page={results.page - 1}"
            if results.page < results.page_count:
                context["next_href"] = f"{base}&page={results.page + 1}"
        return self._render("search.html", context)

    # -- takedowns -------------------------------------------------------------------

    def is_gone(self, article_id: int) -> bool:
        """True when the article was taken down (its old addresses answer 410)."""
        if not is_row_id(article_id):
            return False
        with self.sessions() as session:
            row = session.scalar(
                select(TombstoneRow.id).where(TombstoneRow.article_id == article_id).limit(1)
            )
            return row is not None

    def gone_paths(self) -> list[str]:
        with self.sessions() as session:
            paths: set[str] = set()
            for value in session.scalars(select(TombstoneRow.paths)):
                paths.update(p for p in value if isinstance(p, str))
        return sorted(paths)

    def gone(self, language: str | None = None) -> str:
        """The page at a taken-down article's old address (served with 410 Gone)."""
        if language is None or not self.has_edition(language):
            language = self._default_language()
        context = self._context(language, path=url_for_front(language))
        context["canonical"] = ""
        context["robots"] = "noindex"
        return self._render("gone.html", context)

    # -- feeds and sitemaps ------------------------------------------------------------

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
            title = f"{rule.name(language)} · {title}"
            home = url_for_section(language, section)
        slug = None if tag is None else tag.slug
        return feeds.FeedHead(
            title=title,
            description=self.config.settings.site.description,
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
        where = [] if section is None else [ArticleRow.section == section]
        with self.sessions() as session:
            info = None
            if tag is not None:
                info = tags.tag_info(session, language, tag)
                if info is None:
                    return None
                where.append(tags.named(info.id))
            items = queries.feed_items(session, language, *where, limit=FEED_ITEMS)
        if info is not None and not items:
            return None
        pairs = [
            (item, self._absolute(url_for_article(language, item.id, item.title))) for item in items
        ]
        head = self._feed_head(language, None if info else section, info)
        if kind == "rss":
            return feeds.rss_feed(head, pairs)
        if kind == "atom":
            return feeds.atom_feed(head, pairs)
        return feeds.json_feed(head, pairs)

    def sitemap_count(self, language: str) -> int:
        """How many numbered sitemaps an edition has (at least one: it lists the lists).

        Sitemap n holds the articles with ids in ((n-1)*SITEMAP_URLS, n*SITEMAP_URLS], so
        a new article changes only the last one and an update only its own.
        """
        if not self.has_edition(language):
            return 0
        with self.sessions() as session:
            highest = queries.highest_visible_id(session, language)
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

    def has_tags(self, language: str) -> bool:
        with self.sessions() as session:
            return tags.any_shown(session, language)

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
                for rule in self.config.sections
                if is_section_slug(rule.slug)
            ]
        size = sitemaps.SITEMAP_URLS
        with self.sessions() as session:
            items = queries.feed_items(
                session,
                language,
                ArticleRow.id > (number - 1) * size,
                ArticleRow.id <= number * size,
                limit=None,
                with_summary=False,
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
        """Articles this site first published in the last 48 hours, every edition."""
        since = (now or datetime.now(UTC)) - timedelta(hours=NEWS_SITEMAP_HOURS)
        urls: list[sitemaps.NewsUrl] = []
        with self.sessions() as session:
            for language in self.languages:
                items = queries.feed_items(
                    session,
                    language,
                    ArticleRow.first_published_at >= since,
                    limit=NEWS_SITEMAP_MAX,
                    with_summary=False,
                    recent=True,
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

    def robots(self) -> str:
        return sitemaps.robots_txt(
            self._absolute(url_for_sitemap_index()),
            [url_for_search(language) for language in self.languages],
        )

    def about(self, language: str) -> str | None:
        if not self.has_edition(language):
            return None
        context = self._context(
            language,
            path=url_for_about(language),
            alternates={code: url_for_about(code) for code in self.languages},
        )
        contact = self.config.settings.site.contact.strip()
        t = messages(language)
        before, _, after = t["about_3"].partition("{contact}")
        context.update(
            about_1=t["about_1"].format(title=self.config.title),
            contact=contact,
            contact_href=contact_href(contact),
            contact_before=before,
            contact_after=after,
        )
        return self._render("about.html", context)

    def not_found(self, language: str | None = None) -> str:
        """The 404 page, in `language` when it is an edition."""
        if language is None or not self.has_edition(language):
            language = self._default_language()
        context = self._context(language, path=url_for_front(language))
        context["canonical"] = ""
        return self._render("not_found.html", context)
