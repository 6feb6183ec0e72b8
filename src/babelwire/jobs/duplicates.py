"""Copies: an article that is the same text as one extracted recently, exactly or nearly.

Exact copies share the content hash (a page that declares an article we have as
its canonical URL is merged at extract, see jobs/stages/extract.py). Near copies (a
wire story with a new headline, a trimmed last paragraph or an added byline) share
at least one LSH band of their MinHash fingerprints: the band keys of every
article extracted within `stories.duplicate_hours` are stored in
`article_bands`, so the check is a few indexed lookups and a handful of
fingerprint comparisons, however many articles are stored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from datasketch import MinHash
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from babelwire.clock import utcnow
from babelwire.model import Block, Stage
from babelwire.pipeline.dedup.near import (
    DEFAULT_THRESHOLD,
    band_keys,
    fingerprint_from_bytes,
    fingerprint_to_bytes,
    fingerprints,
)
from babelwire.storage.locks import serialise
from babelwire.storage.tables import ArticleBandRow, ArticleRow

COPIES_LOCK = "babelwire.copies"
# Articles sharing a band with the new one that are compared with it (a band shared
# by very many articles, such as a boilerplate text's, must not make the check slow).
MAX_CANDIDATES = 64
MAX_BAND_ROWS = 2000


@dataclass(frozen=True, slots=True)
class Copy:
    """The article a new one copies, and how alike they are (Jaccard estimate)."""

    original_id: int
    similarity: float
    exact: bool


def fingerprint_text(title: str, blocks: Sequence[Block]) -> str:
    return "\n".join([title, *(b.text for b in blocks)])


def record_and_find_original(
    session: Session,
    article: ArticleRow,
    title: str,
    blocks: Sequence[Block],
    digest: str,
    *,
    hours: float,
    look: bool = True,
) -> Copy | None:
    """Store the article's fingerprint and band keys; with `look`, the article it copies.

    The original is the earliest article of the window with the same content hash,
    else the most similar near-duplicate at Jaccard >= 0.5; a copy of a copy
    names the first original. Serialised across processes, so two copies
    extracted at the same moment are not both taken for originals.
    """
    serialise(session, COPIES_LOCK)
    now = utcnow()
    cutoff = now - timedelta(hours=hours)
    (minhash,) = fingerprints([fingerprint_text(title, blocks)])
    article.minhash = fingerprint_to_bytes(minhash)
    keys = sorted(set(band_keys(minhash)))
    found = _find(session, article.id, digest, minhash, keys, cutoff) if look else None
    session.execute(delete(ArticleBandRow).where(ArticleBandRow.article_id == article.id))
    session.execute(
        insert(ArticleBandRow), [{"article_id": article.id, "key": k, "seen_at": now} for k in keys]
    )
    return found


def _find(
    session: Session,
    article_id: int,
    digest: str,
    minhash: MinHash,
    keys: list[int],
    cutoff: datetime,
) -> Copy | None:
    # Plain equality lookups, no ORDER BY ... LIMIT: a planner might otherwise walk the
    # primary key hoping to meet a match early, reading the whole table when there is none.
    live = (ArticleRow.id != article_id, ArticleRow.stage != Stage.REMOVED)
    same = session.execute(
        select(ArticleRow.id, ArticleRow.duplicate_of).where(
            ArticleRow.content_hash == digest, ArticleRow.fetched_at >= cutoff, *live
        )
    ).all()
    if same:
        first, duplicate_of = min(same)
        return _root(session, article_id, first, duplicate_of, 1.0, exact=True)
    shared = Counter(
        session.scalars(
            select(ArticleBandRow.article_id)
            .where(
                ArticleBandRow.key.in_(keys),
                ArticleBandRow.seen_at >= cutoff,
                ArticleBandRow.article_id != article_id,
            )
            .limit(MAX_BAND_ROWS)
        )
    )
    # The articles sharing the most bands are the likeliest copies.
    candidates = [other for other, _count in shared.most_common(MAX_CANDIDATES)]
    if not candidates:
        return None
    best: tuple[float, int, int | None] | None = None
    for other_id, stored, duplicate_of in session.execute(
        select(ArticleRow.id, ArticleRow.minhash, ArticleRow.duplicate_of).where(
            ArticleRow.id.in_(candidates), ArticleRow.minhash.is_not(None), *live
        )
    ):
        try:
            similarity = float(fingerprint_from_bytes(stored or b"").jaccard(minhash))
        except ValueError:
            continue  # a fingerprint from another scheme: not comparable
        if similarity < DEFAULT_THRESHOLD:
            continue
        if best is None or (similarity, -other_id) > (best[0], -best[1]):
            best = (similarity, other_id, duplicate_of)
    if best is None:
        return None
    return _root(session, article_id, best[1], best[2], best[0], exact=False)


def _root(
    session: Session,
    article_id: int,
    found: int,
    duplicate_of: int | None,
    similarity: float,
    *,
    exact: bool,
) -> Copy | None:
    """The first original behind `found` (itself, or the article it copies)."""
    if duplicate_of is None or duplicate_of == article_id:
        return Copy(found, similarity, exact)
    stage = session.scalar(select(ArticleRow.stage).where(ArticleRow.id == duplicate_of))
    if stage is None or stage == Stage.REMOVED:
        return Copy(found, similarity, exact)
    return Copy(duplicate_of, similarity, exact)


def forget_fingerprint(session: Session, article: ArticleRow) -> None:
    """A removed article is nobody's original: later copies of it stand on their own."""
    article.minhash = None
    session.execute(delete(ArticleBandRow).where(ArticleBandRow.article_id == article.id))


def prune_bands(session: Session, hours: float) -> int:
    """Drop the band keys of articles extracted before the window; returns how many."""
    cutoff = utcnow() - timedelta(hours=hours)
    result = session.execute(delete(ArticleBandRow).where(ArticleBandRow.seen_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def release_orphans(session: Session) -> int:
    """Copies whose original was deleted (with its source) stand on their own: they go
    on to translation and publication. Returns how many."""
    result = session.execute(
        update(ArticleRow)
        .where(ArticleRow.stage == Stage.DUPLICATE.value, ArticleRow.duplicate_of.is_(None))
        .values(stage=Stage.EXTRACTED.value)
    )
    return int(getattr(result, "rowcount", 0) or 0)
