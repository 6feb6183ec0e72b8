"""What every page of the public site shares: the templates, the page's frame (navigation,
editions, alternates, feeds), the formatting filters and what the site holds.

Each concern renders its pages in its own module (article_pages, list_pages,
edition_pages, search_page, edition_feeds, sitemap_files, robots) as a subclass of
`SiteRenderer`; `babelwire.publish.pages.SitePages` is all of them at once.
Templates are autoescaped: text from sources and engines is never marked safe, and
links to sources are only emitted for http(s) URLs.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import jinja2
from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    PackageLoader,
    StrictUndefined,
    pass_context,
    pass_eval_context,
)
from jinja2.nodes import EvalContext
from markupsafe import Markup

from babelwire.config import Config
from babelwire.publish import interface as interface_module
from babelwire.publish.interface import Interface, interface
from babelwire.publish.paths import (
    FEED_TYPES,
    is_language_code,
    is_section_slug,
    picture_src,
    picture_srcset,
    url_for_about,
    url_for_article,
    url_for_favicon,
    url_for_feed,
    url_for_front,
    url_for_home,
    url_for_search,
    url_for_section,
    url_for_source,
    url_for_story,
    url_for_style,
    url_for_tag,
)
from babelwire.publish.wording import direction, endonym, tagline, translated_mark
from babelwire.storage import Session, Sessions, sections
from babelwire.storage.published import articles, stories, tags
from babelwire.storage.published.listing import ArticleList, sections_with_articles

if TYPE_CHECKING:
    from babelwire.newsroom import Site
    from babelwire.pipeline.classify.sections import SectionRule

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


def page_size(config: Config) -> int:
    """How many articles a page of a list shows."""
    return max(1, config.settings.site.page_size)


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------


def iso_time(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pass_context
def display_time(context: Any, value: datetime | None) -> str:
    """A time as the page's edition writes it, in the site's time zone."""
    words: Interface = context["interface"]
    return words.datetime(value)


@pass_context
def display_number(context: Any, value: int | float) -> str:
    words: Interface = context["interface"]
    return words.number(value)


def _markup(eval_context: EvalContext, text: str) -> str:
    # Catalogue text is the project's own: with autoescaping it is markup, and the
    # values put into it are escaped when they are not markup themselves.
    return Markup(text) if eval_context.autoescape else text


def install_interface(env: Environment, words: Interface) -> None:
    """jinja2.ext.i18n's `_`, `gettext` and `ngettext` in `words`' language, "newstyle":
    `{{ _("Page %(page)s of %(pages)s", page=p, pages=n) }}`, and
    `{{ ngettext("%(num)s source", "%(num)s sources", n) }}` with `num` written in the
    edition's locale."""

    @pass_eval_context
    def gettext(eval_context: EvalContext, message: str, **values: Any) -> str:
        return _markup(eval_context, words.catalogue.gettext(message)) % values

    @pass_eval_context
    def ngettext(
        eval_context: EvalContext, singular: str, plural: str, count: int, **values: Any
    ) -> str:
        values.setdefault("num", words.number(count))
        text = words.catalogue.ngettext(singular, plural, count)
        return _markup(eval_context, text) % values

    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)


@dataclass(frozen=True, slots=True)
class Link:
    href: str
    text: str
    language: str = ""
    current: bool = False


def _code_digest() -> str:
    """A digest of the code compiled templates call (this module's filters, the
    interface), so that bytecode cached by another version of babelwire, whose filters
    took other arguments, is never loaded: the template's source alone is not enough."""
    digest = hashlib.sha256(jinja2.__version__.encode())
    for module in (__file__, interface_module.__file__):
        digest.update(Path(module).read_bytes())
    return digest.hexdigest()[:12]


_BYTECODE_PATTERN = f"__jinja2_babelwire_{_code_digest()}_%s.cache"


@functools.cache
def make_environment(language: str = "en") -> Environment:
    """The templates with an edition's interface installed, made once per process and
    edition and shared by every renderer; the compiled code (the same for every
    edition) is kept in Jinja's per-user cache folder, so a `babelwire build` process
    that writes a few pages does not spend most of its time compiling."""
    env = Environment(
        loader=PackageLoader("babelwire.web", "templates"),
        extensions=["jinja2.ext.i18n"],
        bytecode_cache=FileSystemBytecodeCache(pattern=_BYTECODE_PATTERN),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["iso_time"] = iso_time
    env.filters["display_time"] = display_time
    env.filters["number"] = display_number
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    install_interface(env, interface(language))
    env.globals.update(
        picture_src=picture_src,
        picture_srcset=picture_srcset,
        url_for_home=url_for_home,
        url_for_front=url_for_front,
        url_for_section=url_for_section,
        url_for_article=url_for_article,
        url_for_about=url_for_about,
        url_for_style=url_for_style,
        url_for_favicon=url_for_favicon,
        url_for_source=url_for_source,
        url_for_story=url_for_story,
        url_for_tag=url_for_tag,
        translated_mark=translated_mark,
    )
    return env


class SiteRenderer:
    """The site a page is rendered for: its settings, database and templates, and what it holds."""

    def __init__(self, config: Config, sessions: Sessions, *, static: bool = False) -> None:
        self.config = config
        self.sessions = sessions
        # Static builds search with Pagefind in the browser; serve mode searches the database.
        self.static = static
        # The names people gave sections, read once by a static build (serve mode reads
        # them per page: its page cache forgets every page when the database changes).
        self._edited_sections: dict[str, dict[str, str]] | None = None
        self._shown_sections: dict[str, set[str]] = {}

    @classmethod
    def for_site(cls, site: Site, *, static: bool = False) -> Self:
        return cls(site.config, site.sessions, static=static)

    # -- what exists ---------------------------------------------------------

    @property
    def languages(self) -> list[str]:
        """The editions whose codes are safe to put in a path, in configured order."""
        return [code for code in self.config.languages if is_language_code(code)]

    def has_edition(self, language: str) -> bool:
        return language in self.languages

    def has_section(self, slug: str) -> bool:
        return is_section_slug(slug) and self.config.section(slug) is not None

    def _reading(self, session: Session | None) -> contextlib.AbstractContextManager[Session]:
        """`session` when the caller is already reading in one, else a new one: a page
        rendered inside a session never waits for a second connection of the pool."""
        return contextlib.nullcontext(session) if session is not None else self.sessions()

    def section_name(self, rule: SectionRule, language: str, session: Session | None = None) -> str:
        """A section's name in an edition: the one a person gave it there, else the
        configured one."""
        edited = self._edited_sections
        if edited is None:
            with self._reading(session) as reading:
                edited = sections.edited_names(reading)
            if self.static:
                self._edited_sections = edited
        return edited.get(rule.slug, {}).get(language) or rule.name(language)

    def shown_sections(self, language: str, session: Session | None = None) -> list[SectionRule]:
        """The configured sections with at least one article visible in the edition, in
        configured order: the menu and the sitemaps leave empty ones out."""
        found = self._shown_sections.get(language)
        if found is None:
            slugs = [rule.slug for rule in self.config.sections if is_section_slug(rule.slug)]
            with self._reading(session) as reading:
                found = sections_with_articles(reading, language, slugs)
            if self.static:
                self._shown_sections[language] = found
        return [rule for rule in self.config.sections if rule.slug in found]

    def section_names(self, language: str, session: Session | None = None) -> dict[str, str]:
        """Every section's name in an edition, as `section_name` gives it, read at once."""
        edited = self._edited_sections
        if edited is None:
            with self._reading(session) as reading:
                edited = sections.edited_names(reading)
        return {
            rule.slug: edited.get(rule.slug, {}).get(language) or rule.name(language)
            for rule in self.config.sections
        }

    def article_url(self, language: str, article_id: int) -> str | None:
        """The canonical path of an article in an edition, or None when it is not shown there."""
        if not self.has_edition(language) or not is_row_id(article_id):
            return None
        with self.sessions() as session:
            title = articles.article_title(session, language, article_id)
        return None if title is None else url_for_article(language, article_id, title)

    def article_ids(self, language: str) -> list[tuple[int, str]]:
        """(id, canonical path) of every article shown in an edition, newest first."""
        if not self.has_edition(language):
            return []
        with self.sessions() as session:
            teasers = articles.edition_teasers(session, language)
        return [(t.id, url_for_article(language, t.id, t.title)) for t in teasers]

    def source_ids(self, language: str) -> list[int]:
        if not self.has_edition(language):
            return []
        with self.sessions() as session:
            return list(ArticleList(language).source_ids(session))

    def story_ids(self, language: str) -> list[int]:
        if not self.has_edition(language):
            return []
        with self.sessions() as session:
            return list(stories.story_ids(session, language))

    def tag_slugs(self, language: str) -> list[str]:
        if not self.has_edition(language):
            return []
        with self.sessions() as session:
            return [tag.slug for tag in tags.shown_tags(session, language)]

    def has_tags(self, language: str) -> bool:
        with self.sessions() as session:
            return tags.any_shown(session, language)

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
        session: Session | None = None,
    ) -> dict[str, Any]:
        """What every page's template reads; `session`: the one the caller reads in."""
        names = self.section_names(language, session)  # one read for the whole menu
        sections = [
            Link(
                url_for_section(language, rule.slug),
                names[rule.slug],
                "",
                rule.slug == current_section,
            )
            for rule in self.shown_sections(language, session)
        ]
        editions = [
            Link(url_for_front(code), endonym(code), code, code == language)
            for code in self.languages
        ]
        alternate_links = [
            Link(self._absolute(href), endonym(code), code)
            for code, href in (alternates or {}).items()
        ]
        if alternate_links:
            # For a reader whose language has no edition: the page that lists them.
            alternate_links.append(Link(self._absolute(url_for_home()), "", "x-default"))
        return {
            "lang": language,
            "dir": direction(language),
            "interface": self.interface(language),
            "site_title": self.config.title,
            "description": tagline(self.config.settings.site.description, language),
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
            "feeds": self.feed_links(language, feed_section),
            "robots": "",
            "og": {},
            "json_ld": "",
            "static": self.static,
            "csp": STATIC_CSP if self.static else "",
        }

    def feed_links(
        self,
        language: str,
        section: str | None = None,
        *,
        tag: str | None = None,
        source: int | None = None,
        story: int | None = None,
    ) -> list[dict[str, str]]:
        """A page's feed links (RSS first: the footer's "feed" link is the first)."""
        return [
            {
                "type": FEED_TYPES[kind],
                "href": url_for_feed(language, kind, section, tag, source=source, story=story),
            }
            for kind in ("rss", "atom", "json")
        ]

    def interface(self, language: str) -> Interface:
        """An edition's words, dates and numbers, in the site's time zone."""
        return interface(language, self.config.timezone)

    def _render(self, template: str, context: Mapping[str, Any]) -> str:
        env = make_environment(context["lang"])
        return env.get_template(template).render(context)

    def _default_language(self) -> str:
        languages = self.languages
        return languages[0] if languages else "en"
