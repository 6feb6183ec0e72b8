"""Full-text search of an edition in serve mode.

SQLite uses an FTS5 table, PostgreSQL a tsvector column with a GIN index (both
created by migration 0004). Articles are indexed in batches when they are
published, not by per-row triggers, which would slow every insert about
tenfold on SQLite. Readers' queries are reduced to words before they reach the
database, so no query syntax from a reader is ever interpreted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from babelwire.storage.published.articles import teasers_by_id
from babelwire.storage.published.listing import VISIBLE_STATUSES
from babelwire.storage.published.views import Teaser
from babelwire.storage.tables import ArticleRow, TranslationRow

MAX_TERMS = 12
BODY_MAX = 50_000
BATCH = 500

# PostgreSQL text search configurations that ship with the server; others use "simple".
PG_CONFIGS = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "pt": "portuguese",
    "de": "german",
    "it": "italian",
    "nl": "dutch",
    "ro": "romanian",
}


@dataclass(frozen=True, slots=True)
class SearchResults:
    language: str
    query: str
    page: int
    page_count: int
    total: int
    teasers: tuple[Teaser, ...]


def terms(query: str) -> list[str]:
    """The words of a reader's query (letters and digits only), at most MAX_TERMS."""
    return re.findall(r"\w+", query.lower())[:MAX_TERMS]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _body(blocks: Any) -> str:
    if not isinstance(blocks, list):
        return ""
    texts = [b["text"] for b in blocks if isinstance(b, dict) and isinstance(b.get("text"), str)]
    return "\n".join(texts)[:BODY_MAX]


def remove_articles(session: Session, article_ids: Iterable[int]) -> None:
    """Drop articles from the index (the caller commits)."""
    ids = [int(i) for i in article_ids]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        marks = ",".join(str(i) for i in chunk)  # integers only: safe to inline
        session.execute(text(f"DELETE FROM search_documents WHERE article_id IN ({marks})"))


def index_articles(session: Session, article_ids: Sequence[int]) -> int:
    """(Re)index the visible translations of these articles; returns documents written.

    The caller commits, so indexing joins the transaction that published them.
    """
    ids = list(dict.fromkeys(int(i) for i in article_ids))
    remove_articles(session, ids)
    written = 0
    postgres = _dialect(session) == "postgresql"
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = session.execute(
            select(
                TranslationRow.article_id,
                TranslationRow.language,
                TranslationRow.title,
                TranslationRow.blocks,
            )
            .join(ArticleRow, ArticleRow.id == TranslationRow.article_id)
            .where(
                TranslationRow.article_id.in_(chunk),
                TranslationRow.status.in_(VISIBLE_STATUSES),
                ArticleRow.first_published_at.is_not(None),
            )
        ).all()
        params = [
            {
                "article_id": row[0],
                "language": row[1],
                "title": row[2],
                "body": _body(row[3]),
                "config": PG_CONFIGS.get(row[1], "simple"),
            }
            for row in rows
        ]
        if not params:
            continue
        if postgres:
            statement = text(
                "INSERT INTO search_documents (article_id, language, title, body, document) "
                "VALUES (:article_id, :language, :title, :body, "
                "setweight(to_tsvector(CAST(:config AS regconfig), :title), 'A') || "
                "to_tsvector(CAST(:config AS regconfig), :body))"
            )
        else:
            statement = text(
                "INSERT INTO search_documents (article_id, language, title, body) "
                "VALUES (:article_id, :language, :title, :body)"
            )
        session.execute(statement, params)
        written += len(params)
    return written


def reindex_all(session: Session) -> int:
    """Rebuild the whole index from the published articles (the caller commits)."""
    session.execute(text("DELETE FROM search_documents"))
    ids = list(
        session.scalars(select(ArticleRow.id).where(ArticleRow.first_published_at.is_not(None)))
    )
    written = 0
    for start in range(0, len(ids), BATCH):
        written += index_articles(session, ids[start : start + BATCH])
    return written


def search(
    session: Session, language: str, query: str, page: int = 1, page_size: int = 20
) -> SearchResults:
    """Page `page` of the articles of an edition matching every word of `query`, best first."""
    words = terms(query)
    empty = SearchResults(language, query, 1, 1, 0, ())
    if not words or page < 1:
        return empty
    if _dialect(session) == "postgresql":
        config = PG_CONFIGS.get(language, "simple")
        tsquery = " & ".join(words)
        match = (
            "FROM search_documents WHERE language = :language AND document @@ "
            "to_tsquery(CAST(:config AS regconfig), :q)"
        )
        params: dict[str, Any] = {"language": language, "config": config, "q": tsquery}
        order = (
            "ORDER BY ts_rank(document, to_tsquery(CAST(:config AS regconfig), :q)) DESC, "
            "article_id DESC"
        )
    else:
        fts = " ".join('"' + w.replace('"', "") + '"' for w in words)
        match = "FROM search_documents WHERE search_documents MATCH :q AND language = :language"
        params = {"language": language, "q": fts}
        # bm25 weights: a word in the title counts ten times one in the body.
        order = "ORDER BY bm25(search_documents, 10.0, 1.0), article_id DESC"
    total = int(session.execute(text(f"SELECT count(*) {match}"), params).scalar() or 0)
    page_count = max(1, math.ceil(total / page_size))
    if page > page_count:
        return SearchResults(language, query, page, page_count, total, ())
    ids = [
        int(row[0])
        for row in session.execute(
            text(f"SELECT article_id {match} {order} LIMIT :limit OFFSET :offset"),
            {**params, "limit": page_size, "offset": (page - 1) * page_size},
        )
    ]
    return SearchResults(
        language, query, page, page_count, total, teasers_by_id(session, language, ids)
    )
