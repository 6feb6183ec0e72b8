"""Near-duplicates: the same wire copy with a new headline, a trimmed paragraph or a byline.

Texts become sets of overlapping word shingles; MinHash estimates the Jaccard
similarity of two sets from 128 hash minima, and LSH banding finds the stored
texts likely to be similar without comparing against all of them. Candidates are
then checked against the threshold with the MinHash estimate itself.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH
from datasketch.lsh import _optimal_param

NUM_PERM = 128
# datasketch's hashing scheme; stored fingerprints are only comparable within one scheme.
SCHEME = "affine32"
SHINGLE_WORDS = 4
DEFAULT_THRESHOLD = 0.5

_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lowercased words without accents, so "Pashinián" and "Pashinian" match."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WORD.findall(plain)


def shingles(text: str, size: int = SHINGLE_WORDS) -> list[bytes]:
    """Overlapping runs of `size` words (the whole text when it is shorter)."""
    tokens = words(text)
    if len(tokens) <= size:
        return [" ".join(tokens).encode("utf-8")] if tokens else []
    return [" ".join(tokens[i : i + size]).encode("utf-8") for i in range(len(tokens) - size + 1)]


def fingerprints(texts: Sequence[str], num_perm: int = NUM_PERM) -> list[MinHash]:
    """MinHash of each text, computed in bulk (much faster than shingle by shingle)."""
    sets = [sorted(set(shingles(t))) or [b""] for t in texts]
    hashes = list(MinHash.bulk(sets, num_perm=num_perm))
    if hashes and hashes[0].scheme != SCHEME:
        raise RuntimeError(f"datasketch hashes with {hashes[0].scheme}, expected {SCHEME}")
    return hashes


def fingerprint_to_bytes(minhash: MinHash) -> bytes:
    """The hash minima, for storing next to the article."""
    return bytes(np.asarray(minhash.hashvalues, dtype=np.uint64).tobytes())


def fingerprint_from_bytes(data: bytes, num_perm: int = NUM_PERM) -> MinHash:
    values = np.frombuffer(data, dtype=np.uint64)
    if len(values) != num_perm:
        raise ValueError(f"fingerprint has {len(values)} values, expected {num_perm}")
    return MinHash(num_perm=num_perm, hashvalues=values, scheme=SCHEME)


def band_keys(
    minhash: MinHash, threshold: float = DEFAULT_THRESHOLD, num_perm: int = NUM_PERM
) -> list[int]:
    """The LSH bands of a fingerprint as signed 64-bit keys, for an index in the database.

    Two texts share a key when one band of their hash minima is equal: the same
    banding datasketch's MinHashLSH chooses for `threshold`, so a database lookup
    of these keys finds what an in-memory MinHashLSH would.
    """
    bands, rows = _banding(threshold, num_perm)
    values = np.asarray(minhash.hashvalues, dtype=np.uint64)
    keys = []
    for band in range(bands):
        chunk = values[band * rows : (band + 1) * rows].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8, person=band.to_bytes(2, "big")).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


_BANDINGS: dict[tuple[float, int], tuple[int, int]] = {}


def _banding(threshold: float, num_perm: int) -> tuple[int, int]:
    found = _BANDINGS.get((threshold, num_perm))
    if found is None:
        # The same choice MinHashLSH makes (equal weight to false positives and negatives).
        found = _BANDINGS[(threshold, num_perm)] = _optimal_param(threshold, num_perm, 0.5, 0.5)
    return found


@dataclass(frozen=True, slots=True)
class Match:
    key: Hashable
    similarity: float


class NearDuplicateIndex:
    """Stored fingerprints, queried for those at or above a Jaccard threshold."""

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, num_perm: int = NUM_PERM) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._stored: dict[Hashable, MinHash] = {}

    def __len__(self) -> int:
        return len(self._stored)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._stored

    def add(self, key: Hashable, minhash: MinHash) -> None:
        if key in self._stored:
            self.remove(key)
        self._lsh.insert(key, minhash)
        self._stored[key] = minhash

    def add_many(self, items: Iterable[tuple[Hashable, MinHash]]) -> None:
        for key, minhash in items:
            self.add(key, minhash)

    def remove(self, key: Hashable) -> None:
        if key in self._stored:
            self._lsh.remove(key)
            del self._stored[key]

    def matches(self, minhash: MinHash, *, exclude: Hashable | None = None) -> list[Match]:
        """Stored texts similar to `minhash`, most similar first."""
        found = []
        for key in self._lsh.query(minhash):
            if key == exclude:
                continue
            similarity = float(minhash.jaccard(self._stored[key]))
            if similarity >= self.threshold:
                found.append(Match(key, similarity))
        found.sort(key=lambda m: (-m.similarity, str(m.key)))
        return found
