"""The pages of an edition that are neither lists nor articles: the root, the front
page, a story, about, the 404 page and a taken-down article's page."""

from __future__ import annotations

from datetime import UTC, datetime

from babelwire.publish.paths import (
    contact_href,
    is_section_slug,
    safe_url,
    url_for_about,
    url_for_article,
    url_for_front,
    url_for_home,
    url_for_story,
)
from babelwire.publish.rendering import Link, SiteRenderer, is_row_id
from babelwire.publish.stories import top_stories
from babelwire.publish.wording import direction, endonym, language_name, site_text
from babelwire.storage import Session
from babelwire.storage.published import articles, stories
from babelwire.storage.published.listing import ArticleList
from babelwire.storage.published.views import Teaser
from babelwire.storage.takedowns import tombstone_for_article, tombstoned_paths

FRONT_PAGE_ARTICLES = 5


class EditionPages(SiteRenderer):
    """The root, front, story, about, 404 and "removed" pages."""

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
                "latest": self.interface(code).gettext("Latest news"),
            }
            for code in self.languages
        ]
        return self._render("home.html", context)

    def front(self, language: str) -> str | None:
        if not self.has_edition(language):
            return None
        with self.sessions() as session:
            front = articles.front_page(
                session,
                language,
                [(rule.slug, self.section_name(rule, language)) for rule in self.config.sections],
                FRONT_PAGE_ARTICLES,
            )
            top = self._top_stories(session, language)
            lead = self._lead_teaser(session, language, top[0]) if top else None
        context = self._context(
            language,
            path=url_for_front(language),
            alternates={code: url_for_front(code) for code in self.languages},
        )
        context["front"] = front
        context["top_stories"] = top
        context["lead_teaser"] = lead
        context["sections"] = [s for s in front.sections if is_section_slug(s.slug)]
        return self._render("front.html", context)

    # -- stories and tags ------------------------------------------------------------

    @staticmethod
    def _lead_teaser(session: Session, language: str, story: stories.StoryTeaser) -> Teaser | None:
        """The report the lead story's standfirst comes from: the one whose title is its
        headline, else its newest in this edition."""
        if story.headline_article_id is not None:
            found = articles.teasers_by_id(
                session, language, [story.headline_article_id], standfirst=True
            )
            if found:
                return found[0]
        newest = ArticleList(language).in_story(story.id).teasers(session, limit=1, standfirst=True)
        return newest[0] if newest else None

    def _top_stories(self, session: Session, language: str) -> tuple[stories.StoryTeaser, ...]:
        return top_stories(
            session,
            language,
            datetime.now(UTC),
            hours=float(self.config.settings.site.story_hours),
            half_life_hours=self.config.settings.site.story_half_life_hours,
            min_sources=self.config.settings.site.story_min_sources,
            limit=self.config.settings.site.front_stories,
        )

    def story(self, language: str, story_id: int) -> str | None:
        """Every report of one story: linked here when this edition shows it, else the original."""
        if not self.has_edition(language) or not is_row_id(story_id):
            return None
        with self.sessions() as session:
            view = stories.story_view(session, language, story_id)
            if view is None:
                return None
            # The editions that have this story's page too (a handful of editions).
            alternates = {
                code: url_for_story(code, story_id)
                for code in self.languages
                if code == language or stories.story_view(session, code, story_id) is not None
            }
        context = self._context(
            language, path=url_for_story(language, story_id), alternates=alternates
        )
        context["feeds"] = self.feed_links(language, story=story_id)
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

    def about(self, language: str) -> str | None:
        if not self.has_edition(language):
            return None
        context = self._context(
            language,
            path=url_for_about(language),
            alternates={code: url_for_about(code) for code in self.languages},
        )
        contact = self.config.settings.site.contact.strip()
        own = site_text(self.config.settings.site.about, language)
        context.update(
            about_texts=[p.strip() for p in own.split("\n\n") if p.strip()],
            contact=contact,
            contact_href=contact_href(contact),
        )
        return self._render("about.html", context)

    def not_found(self, language: str | None = None) -> str:
        """The 404 page, in `language` when it is an edition."""
        if language is None or not self.has_edition(language):
            language = self._default_language()
        context = self._context(language, path=url_for_front(language))
        context["canonical"] = ""
        return self._render("not_found.html", context)

    # -- takedowns -------------------------------------------------------------------

    def is_gone(self, article_id: int) -> bool:
        """True when the article was taken down (its old addresses answer 410)."""
        if not is_row_id(article_id):
            return False
        with self.sessions() as session:
            return tombstone_for_article(session, article_id) is not None

    def gone_paths(self) -> list[str]:
        with self.sessions() as session:
            return tombstoned_paths(session)

    def gone(self, language: str | None = None) -> str:
        """The page at a taken-down article's old address (served with 410 Gone)."""
        if language is None or not self.has_edition(language):
            language = self._default_language()
        context = self._context(language, path=url_for_front(language))
        context["canonical"] = ""
        context["robots"] = "noindex"
        return self._render("gone.html", context)
