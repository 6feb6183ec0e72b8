"""The public site's pages, rendered to HTML strings.

`SitePages` is used by both the live ASGI app (`babelwire.web.app`) and the
static export (`babelwire.publish.static`), so both serve the same pages at the
same paths. Templates are autoescaped: text from sources and engines is never
marked safe, and links to sources are only emitted for http(s) URLs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy.orm import Session, sessionmaker

from babelwire.config import Config
from babelwire.publish import queries
from babelwire.publish.paths import (
    contact_href,
    is_language_code,
    is_section_slug,
    safe_url,
    url_for_about,
    url_for_article,
    url_for_front,
    url_for_home,
    url_for_section,
    url_for_style,
)
from babelwire.publish.queries import TextBlock
from babelwire.publish.wording import direction, endonym, messages, translation_notice

if TYPE_CHECKING:
    from babelwire.jobs.newsroom import Newsroom

FRONT_PAGE_ARTICLES = 5


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


def make_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("babelwire.web", "templates"),
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
    )
    return env


class SitePages:
    """Renders every public page of a site; a method returns None when there is no such page.

    >>> pages = SitePages.for_newsroom(newsroom)
    >>> html = pages.article("en", 42)
    """

    def __init__(self, config: Config, sessions: sessionmaker[Session]) -> None:
        self.config = config
        self.sessions = sessions
        self.env = make_environment()

    @classmethod
    def for_newsroom(cls, newsroom: Newsroom) -> SitePages:
        return cls(newsroom.config, newsroom.sessions)

    # -- what exists ---------------------------------------------------------

    @property
    def languages(self) -> list[str]:
        """The editions whose codes are safe to put in a path, in configured order."""
        return [code for code in self.config.languages if is_language_code(code)]

    def has_edition(self, language: str) -> bool:
        return language in self.languages

    def has_section(self, slug: str) -> bool:
        return is_section_slug(slug) and self.config.section(slug) is not None

    def page_count(self, language: str, slug: str) -> int:
        """How many pages a section has in an edition (0 when it does not exist)."""
        listing = self._listing(language, slug, 1)
        return 0 if listing is None else listing.page_count

    def article_url(self, language: str, article_id: int) -> str | None:
        """The canonical path of an article in an edition, or None when it is not shown there."""
        if not self.has_edition(language):
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
            "description": str(self.config.get("site.description")),
            "front_href": url_for_front(language),
            "about_href": url_for_about(language),
            "nav_sections": sections,
            "editions": editions,
            "canonical": self._absolute(path),
            "alternates": alternate_links,
            "prev_href": "",
            "next_href": "",
        }

    def _render(self, template: str, context: Mapping[str, Any]) -> str:
        return self.env.get_template(template).render(context)

    def _default_language(self) -> str:
        languages = self.languages
        return languages[0] if languages else "en"

    def home(self) -> str:
        """The root page: a link to each edition."""
        language = self._default_language()
        with self.sessions() as session:
            editions = queries.editions(session, self.config)
        context = self._context(
            language,
            path=url_for_home(),
            alternates={code: url_for_front(code) for code in self.languages},
        )
        context["choices"] = [
            {
                "link": Link(url_for_front(e.language), endonym(e.language), e.language),
                "dir": direction(e.language),
                "t": messages(e.language),
                "count": e.articles,
                "latest": e.latest,
            }
            for e in editions
            if is_language_code(e.language)
        ]
        return self._render("home.html", context)

    def front(self, language: str) -> str | None:
        if not self.has_edition(language):
            return None
        with self.sessions() as session:
            front = queries.front_page(session, self.config, language, FRONT_PAGE_ARTICLES)
        context = self._context(
            language,
            path=url_for_front(language),
            alternates={code: url_for_front(code) for code in self.languages},
        )
        context["front"] = front
        context["sections"] = [s for s in front.sections if is_section_slug(s.slug)]
        return self._render("front.html", context)

    def _listing(self, language: str, slug: str, page: int) -> queries.SectionListing | None:
        if not self.has_edition(language) or not self.has_section(slug):
            return None
        with self.sessions() as session:
            return queries.section_listing(session, self.config, language, slug, page)

    def section(self, language: str, slug: str, page: int = 1) -> str | None:
        listing = self._listing(language, slug, page)
        if listing is None:
            return None
        context = self._context(
            language,
            path=url_for_section(language, slug, page),
            # Page n of one edition is not page n of another: only page 1 has alternates.
            alternates={code: url_for_section(code, slug) for code in self.languages}
            if page == 1
            else None,
            current_section=slug,
        )
        context["listing"] = listing
        if listing.page > 1:
            context["prev_href"] = url_for_section(language, slug, listing.page - 1)
        if listing.page < listing.page_count:
            context["next_href"] = url_for_section(language, slug, listing.page + 1)
        return self._render("section.html", context)

    def article(self, language: str, article_id: int) -> str | None:
        if not self.has_edition(language):
            return None
        alternates: dict[str, str] = {}
        with self.sessions() as session:
            view = queries.article_view(session, self.config, language, article_id)
            if view is None:
                return None
            alternates[language] = url_for_article(language, view.id, view.title)
            # Each edition's slug comes from its own title.
            for code in view.other_languages:
                title = queries.article_title(session, code, view.id)
                if title is not None and is_language_code(code):
                    alternates[code] = url_for_article(code, view.id, title)
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
        )
        return self._render("article.html", context)

    def about(self, language: str) -> str | None:
        if not self.has_edition(language):
            return None
        context = self._context(
            language,
            path=url_for_about(language),
            alternates={code: url_for_about(code) for code in self.languages},
        )
        contact = str(self.config.get("site.contact")).strip()
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
