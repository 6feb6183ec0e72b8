"""Rows and small sites for tests, with defaults that make a valid row.

Each `*_row` function builds a row without storing it (for tests that add it
themselves, such as the unique-key checks); each `make_*` function adds the
row to the session and flushes, so that it has an id. Keyword arguments
override any column. Defaults that must be unique (URLs, GUIDs) take a number
from a counter, so two rows made in one test never collide; a test that
asserts on a value passes it explicitly.

Example::

    with newsroom.sessions.begin() as session:
        source = make_source(session, language="ca")
        article = make_article(session, source, title="El Govern aprova el pressupost")
        make_translation(session, article, "en", title="The government approves the budget")
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from babelwire.clock import utcnow
from babelwire.jobs.site import create_site
from babelwire.newsroom import Newsroom
from babelwire.storage.tables import ArticleRow, EntryRow, SourceRow, TranslationRow

__all__ = [
    "article_row",
    "entry_row",
    "make_article",
    "make_entry",
    "make_source",
    "make_translation",
    "small_site",
    "source_row",
    "translation_row",
]

_numbers = itertools.count(1)


def _id(row_or_id: Any) -> int:
    return row_or_id if isinstance(row_or_id, int) else int(row_or_id.id)


def _stored(session: Session, row: Any) -> Any:
    session.add(row)
    session.flush()
    return row


def source_row(**overrides: Any) -> SourceRow:
    """A followed feed, enabled, polled every 30 minutes, not failing."""
    n = next(_numbers)
    values: dict[str, Any] = {
        "url": f"https://news{n}.example/feed.xml",
        "name": f"News {n}",
        "enabled": True,
        "interval_minutes": 30,
        "consecutive_failures": 0,
    }
    values.update(overrides)
    return SourceRow(**values)


def make_source(session: Session, **overrides: Any) -> SourceRow:
    row: SourceRow = _stored(session, source_row(**overrides))
    return row


def article_row(source: SourceRow | int, **overrides: Any) -> ArticleRow:
    """A published article of `source` in Spanish (or the source's language), version 1.

    `first_published_at` defaults to now for a published article and to None otherwise.
    """
    n = next(_numbers)
    language = getattr(source, "language", None) or "es"
    url = overrides.get("url", f"https://news.example/article-{n}")
    values: dict[str, Any] = {
        "source_id": _id(source),
        "url": url,
        "canonical_url": url,
        "title": f"Article {n}",
        "blocks": [{"kind": "p", "text": f"Text of article {n}."}],
        "stage": "published",
        "language": language,
        "version": 1,
        "attempts": 0,
        "extractor": "trafilatura",
        "image": "",
        "author": "",
        "from_feed": False,
    }
    values.update(overrides)
    values.setdefault("first_published_at", utcnow() if values["stage"] == "published" else None)
    return ArticleRow(**values)


def make_article(session: Session, source: SourceRow | int, **overrides: Any) -> ArticleRow:
    row: ArticleRow = _stored(session, article_row(source, **overrides))
    return row


def translation_row(
    article: ArticleRow, language: str, status: str = "translated", **overrides: Any
) -> TranslationRow:
    """`article` in `language`: by Apertium when translated, as written when original."""
    translated = status == "translated"
    values: dict[str, Any] = {
        "article_id": article.id,
        "language": language,
        "status": status,
        "title": article.title if status == "original" else f"{article.title} [{language}]",
        "blocks": article.blocks,
        "engine": "apertium" if translated else "",
        "engine_version": "3.8.3" if translated else "",
        "model_version": "",
        "unknown_words": 0,
        "flags": [],
        "article_version": article.version,
    }
    values.update(overrides)
    return TranslationRow(**values)


def make_translation(
    session: Session,
    article: ArticleRow,
    language: str,
    status: str = "translated",
    **overrides: Any,
) -> TranslationRow:
    row: TranslationRow = _stored(session, translation_row(article, language, status, **overrides))
    return row


def entry_row(source: SourceRow | int, **overrides: Any) -> EntryRow:
    """A feed entry of `source`, not yet linked to an article."""
    n = next(_numbers)
    values: dict[str, Any] = {
        "source_id": _id(source),
        "guid": f"entry-{n}",
        "url": f"https://news.example/entry-{n}",
        "fingerprint": f"{n:064x}",
    }
    values.update(overrides)
    return EntryRow(**values)


def make_entry(session: Session, source: SourceRow | int, **overrides: Any) -> EntryRow:
    row: EntryRow = _stored(session, entry_row(source, **overrides))
    return row


def small_site(
    root: Path,
    *,
    languages: Sequence[str] = ("es", "en"),
    database_url: str = "sqlite:///babelwire.sqlite3",
    title: str = "T",
) -> Newsroom:
    """A new site in `root`, open; the caller closes it (or uses it in a `with`)."""
    create_site(root, title=title, languages=languages, database_url=database_url)
    return Newsroom.open(root)
