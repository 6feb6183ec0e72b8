"""Translating published articles again (a better engine, a new glossary), and the
review of translations held back by the quality gate.

Re-translation goes through the same path as the pipeline (memory, glossary,
checks, gate); the site reads translations when a page is asked for, so a page
shows the new text at once, and the search index is refreshed in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from babelwire.clock import utcnow
from babelwire.jobs.stages.result import StageResult
from babelwire.jobs.stages.translate import (
    LanguagePairs,
    path_settings,
    quality_gate,
    translate_in_batches,
)
from babelwire.model import TranslationStatus
from babelwire.newsroom import Newsroom
from babelwire.storage import Session, articles, translations
from babelwire.storage.tables import ArticleRow
from babelwire.storage.translations import edited_by_a_person


def reindex_articles(session: Session, article_ids: Sequence[int]) -> None:
    """Bring the search index up to the articles' current text (within the session)."""
    try:
        from babelwire.storage.published.search import index_articles
    except ImportError:  # a site without the search index
        return
    index_articles(session, article_ids)


def retranslate(
    newsroom: Newsroom,
    *,
    engine: str | None = None,
    since: datetime | None = None,
    section: str | None = None,
    article_ids: Sequence[int] | None = None,
    overwrite_edits: bool = False,
) -> StageResult:
    """Translate again every published article matching the filters, in every edition.

    ``engine`` forces that engine (with pivots if it has no direct pair); the
    translation in each edition is replaced when the new one is produced, so a
    failure leaves the old one in place. A translation a person revised is left
    as it is unless ``overwrite_edits`` (its revisions stay on record, so the
    person's text can be restored).
    """
    result = StageResult()
    with newsroom.sessions() as session:
        published = articles.published_articles(
            session, since=since, section=section, ids=article_ids
        )
        if not published:
            return result
        settings = path_settings(newsroom, session)
        gate = quality_gate(newsroom)
        pairs = LanguagePairs(newsroom.translators, only=engine)
        for article in published:
            source = article.language or "und"
            current = {t.language: t.status for t in article.translations}
            kept = {t.language for t in article.translations if edited_by_a_person(t)}
            for target in newsroom.config.languages:
                if target in kept and not overwrite_edits:
                    continue
                # Unlike the translate stage, an edition in the article's own
                # language keeps its row, and a pair with no route leaves the
                # old translation in place rather than marking it skipped.
                if target == source or current.get(target) == TranslationStatus.ORIGINAL:
                    continue
                if pairs.routes_for(source, target):
                    pairs.add(article, source, target)
                else:
                    result.failed[article.id] = f"no route for {source} -> {target}"

        def reindex(chunk: list[ArticleRow]) -> None:
            # The site shows the new text at once: the search index follows it.
            session.flush()
            reindex_articles(session, [a.id for a in chunk])

        errors = translate_in_batches(
            newsroom, session, pairs, settings, gate, result, before_commit=reindex
        )
        now = utcnow()
        translated = pairs.members()
        for article in published:
            if article.id in errors:
                result.failed[article.id] = errors[article.id]
            elif article.id in translated:
                article.updated_at = now
                result.done.append(article.id)
        session.commit()
    return result


@dataclass(frozen=True, slots=True)
class HeldTranslation:
    article_id: int
    language: str
    quality: float | None
    flags: tuple[str, ...]
    reason: str
    title: str
    source_title: str
    engine: str


def held_translations(newsroom: Newsroom) -> list[HeldTranslation]:
    """Translations the quality gate held back, worst first."""
    with newsroom.sessions() as session:
        return [
            HeldTranslation(
                article_id=row.article_id,
                language=row.language,
                quality=row.quality,
                flags=tuple(row.flags or ()),
                reason=row.reason or "",
                title=row.title,
                source_title=source_title,
                engine=row.engine,
            )
            for row, source_title in translations.held_translations(session)
        ]


def release_translation(newsroom: Newsroom, article_id: int, language: str) -> bool:
    """Publish a held translation as it is (an editor read it); False if none was held."""
    with newsroom.sessions() as session:
        row = translations.held_translation(session, article_id, language)
        if row is None:
            return False
        row.status = TranslationStatus.TRANSLATED
        row.reason = f"released by an editor ({row.reason})" if row.reason else None
        row.updated_at = utcnow()
        session.flush()
        reindex_articles(session, [article_id])
        session.commit()
        return True
