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

from babelwire.clock import utcnow
from babelwire.model import Block
from babelwire.pipeline.dedup.near import (
    DEFAULT_THRESHOLD,
    band_keys,
    fingerprint_from_bytes,
    fingerprint_to_bytes,
    fingerprints,
)
from babelwire.storage import Session, stories
from babelwire.storage.locks import serialise
from babelwire.storage.tables import ArticleRow

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
    stories.replace_bands(session, article.id, keys, now)
    return found


def _find(
    session: Session,
    article_id: int,
    digest: str,
    minhash: MinHash,
    keys: list[int],
    cutoff: datetime,
) -> Copy | None:
    same = stories.same_content(session, article_id, digest, cutoff)
    if same:
        first, duplicate_of = min(same)
        return _root(session, article_id, first, duplicate_of, 1.0, exact=True)
    shared = Counter(stories.sharing_bands(session, article_id, keys, cutoff, MAX_BAND_ROWS))
    # The articles sharing the most bands are the likeliest copies.
    candidates = [other for other, _count in shared.most_common(MAX_CANDIDATES)]
    if not candidates:
        return None
    best: tuple[float, int, int | None] | None = None
    for other_id, stored, duplicate_of in stories.stored_fingerprints(
        session, candidates, besides=article_id
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
    if not stories.not_removed(session, duplicate_of):
        return Copy(found, similarity, exact)
    return Copy(duplicate_of, similarity, exact)


def forget_fingerprint(session: Session, article: ArticleRow) -> None:
    """A removed article is nobody's original: later copies of it stand on their own."""
    article.minhash = None
    stories.forget_bands(session, article.id)


def prune_bands(session: Session, hours: float) -> int:
    """Drop the band keys of articles extracted before the window; returns how many."""
    return stories.prune_bands(session, utcnow() - timedelta(hours=hours))
