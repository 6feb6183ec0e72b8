"""An article's page and its original-text view."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from babelwire.model import TranslationStatus
from babelwire.publish.interface import interface
from babelwire.publish.metadata import json_ld, news_article, og_locale
from babelwire.publish.paths import (
    is_language_code,
    is_section_slug,
    picture_src,
    safe_url,
    url_for_article,
    url_for_front,
    url_for_original,
    url_for_section,
    url_for_source,
)
from babelwire.publish.rendering import Link, SiteRenderer, is_row_id
from babelwire.publish.untranslated import mark_untranslated
from babelwire.publish.wording import direction, endonym, shown_editor, translation_notice
from babelwire.storage import Session
from babelwire.storage.published import articles, stories, tags
from babelwire.storage.published.views import ArticleView, TextBlock

RELATED_ARTICLES = 5


@dataclass(frozen=True, slots=True)
class BodyPart:
    """Consecutive blocks rendered as one element: "h", "p", "quote" or a "list" of items."""

    kind: str
    texts: tuple[str, ...]


def body_parts(
    blocks: Sequence[TextBlock], shown: Sequence[str] | None = None
) -> tuple[BodyPart, ...]:
    """Group an article's blocks for rendering: consecutive list items make one list.

    ``shown``: each block's text as the page shows it (marked up), if not its text."""
    parts: list[BodyPart] = []
    for index, block in enumerate(blocks):
        if not block.text.strip():
            continue
        text = block.text if shown is None else shown[index]
        if block.kind == "li":
            if parts and parts[-1].kind == "list":
                parts[-1] = BodyPart("list", (*parts[-1].texts, text))
            else:
                parts.append(BodyPart("list", (text,)))
        elif block.kind in {"h", "quote"}:
            parts.append(BodyPart(block.kind, (text,)))
        else:
            parts.append(BodyPart("p", (text,)))
    return tuple(parts)


def shown_texts(view: ArticleView) -> tuple[str, list[str]]:
    """The headline and each block as the page shows them: untranslated words marked."""
    left = dict(view.untranslated)
    # TRANSLATORS: the tooltip of a word the engine left as it was in the source.
    tooltip = interface(view.language).gettext("Left untranslated by the machine translation")
    language = view.untranslated_language

    def shown(index: int, text: str) -> str:
        return mark_untranslated(text, left.get(index, ()), language, tooltip)

    return shown(0, view.title), [shown(i + 1, b.text) for i, b in enumerate(view.blocks)]


@dataclass(frozen=True, slots=True)
class EditionIndex:
    """Per article of an edition: its tags."""

    tags: Mapping[int, tuple[tags.TagInfo, ...]]


class ArticlePages(SiteRenderer):
    """Article pages: the translation with its provenance, and the source text beside it."""

    def _view(self, session: Session, language: str, article_id: int) -> ArticleView | None:
        return articles.article_view(session, language, article_id, self.config.languages)

    def _notice(self, view: ArticleView) -> str:
        return translation_notice(
            view, show_editor_names=self.config.settings.desk.show_editor_names
        )

    def article(self, language: str, article_id: int) -> str | None:
        if not self.has_edition(language) or not is_row_id(article_id):
            return None
        with self.sessions() as session:
            view = self._view(session, language, article_id)
            if view is None:
                return None
            return self._render_article(session, view)

    def article_at(self, language: str, article_id: int) -> tuple[str, str] | None:
        """(canonical path, html) of an article in an edition, from one read of it."""
        if not self.has_edition(language) or not is_row_id(article_id):
            return None
        with self.sessions() as session:
            view = self._view(session, language, article_id)
            if view is None:
                return None
            path = url_for_article(language, view.id, view.title)
            return path, self._render_article(session, view)

    def edition_index(self, language: str) -> EditionIndex:
        """What every article page of an edition shows from its neighbours, read at once
        (a full build passes it to `article_pages` instead of a query a page)."""
        with self.sessions() as session:
            named = tags.tags_by_article(session, language)
        return EditionIndex(tags=named)

    def article_pages(
        self, language: str, article_id: int, index: EditionIndex | None = None
    ) -> list[tuple[str, str]]:
        """(path, html) of an article's page and its original-text view (for static builds)."""
        if not self.has_edition(language) or not is_row_id(article_id):
            return []
        with self.sessions() as session:
            view = self._view(session, language, article_id)
            if view is None:
                return []
            path = url_for_article(language, view.id, view.title)
            result = [(path, self._render_article(session, view, index))]
        original = self._render_original(view)
        if original is not None:
            result.append((path + "original/", original))
        return result

    def _render_article(
        self, session: Session, view: ArticleView, index: EditionIndex | None = None
    ) -> str:
        language = view.language
        alternates: dict[str, str] = {}
        alternates[language] = url_for_article(language, view.id, view.title)
        # Each edition's slug comes from its own title.
        for code, title in view.other_titles:
            if is_language_code(code):
                alternates[code] = url_for_article(code, view.id, title)
        related = articles.related_teasers(session, language, view.id, RELATED_ARTICLES)
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
            language,
            path=path,
            alternates=alternates,
            current_section=view.section,
            session=session,
        )
        headline, shown = shown_texts(view)
        context.update(
            article=view,
            headline=headline,
            body=body_parts(view.blocks, shown),
            other_editions=[
                Link(href, endonym(code), code)
                for code, href in alternates.items()
                if code != language
            ],
            section_name=self.section_name(rule, language, session) if rule else "",
            section_href=url_for_section(language, rule.slug)
            if rule and is_section_slug(rule.slug)
            else "",
            original_href=safe_url(view.original_url),
            notice=self._notice(view),
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
            "og:locale": og_locale(language),
            "twitter:card": "summary",
            "twitter:title": view.title,
            "twitter:description": description or context["notice"],
        }
        image = ""
        if view.picture is not None:
            # The widest JPEG: every previewer reads it. Served from this site.
            image = self._absolute(picture_src(view.picture.digest, view.picture.sizes))
            context["og"].update(
                {
                    "og:image": image,
                    "og:image:width": str(view.picture.width),
                    "og:image:height": str(view.picture.height),
                    "og:image:alt": view.picture.alt,
                    "twitter:card": "summary_large_image",
                    "twitter:image": image,
                    "twitter:image:alt": view.picture.alt,
                }
            )
            if not view.picture.alt:
                del context["og"]["og:image:alt"], context["og"]["twitter:image:alt"]
        context["json_ld"] = json_ld(
            news_article(
                view,
                url=self._absolute(path),
                site_title=self.config.title,
                site_url=self._absolute(url_for_front(language)),
                description=description or context["notice"],
                editor=shown_editor(view, self.config.settings.desk.show_editor_names),
                image=image,
            )
        )
        return self._render("article.html", context)

    def original(self, language: str, article_id: int) -> str | None:
        """The source text beside the translation, paragraph by paragraph."""
        if not self.has_edition(language) or not is_row_id(article_id):
            return None
        with self.sessions() as session:
            view = self._view(session, language, article_id)
        return None if view is None else self._render_original(view)

    def _render_original(self, view: ArticleView) -> str | None:
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
            # The original column reads in its own direction, whatever the edition's.
            original_dir=direction(view.original_language) if view.original_language else "",
            original_href=safe_url(view.original_url),
            notice=self._notice(view),
            robots="noindex, follow",
        )
        context["canonical"] = self._absolute(article_path)
        return self._render("original.html", context)

    def original_url(self, language: str, article_id: int) -> str | None:
        path = self.article_url(language, article_id)
        return None if path is None else path + "original/"
