"""Near-duplicates: an edited wire copy is found, a different story is not."""

from __future__ import annotations

from babelwire.demo.server import load_samples
from babelwire.pipeline.dedup.near import (
    NearDuplicateIndex,
    band_keys,
    fingerprint_from_bytes,
    fingerprint_to_bytes,
    fingerprints,
    words,
)


def _texts() -> dict[str, str]:
    return {
        f"{o.slug}/{a.slug}": "\n".join(t for _k, t in a.body)
        for o in load_samples()
        for a in o.articles
    }


def test_edited_wire_copies_are_recognised() -> None:
    texts = _texts()
    key, original = next(iter(texts.items()))
    paragraphs = original.split("\n")
    copies = {
        "headline-and-byline": "NEW HEADLINE\nBy a staff reporter\n" + original,
        "trimmed": "\n".join(paragraphs[:-1]),
        "credit-line": original + "\n(With agencies.)",
    }
    index = NearDuplicateIndex()
    keys = list(texts)
    for k, minhash in zip(keys, fingerprints([texts[k] for k in keys]), strict=True):
        index.add(k, minhash)
    for name, copy in copies.items():
        (minhash,) = fingerprints([copy])
        matches = index.matches(minhash)
        assert matches and matches[0].key == key, name
        assert matches[0].similarity >= 0.5
        assert all(m.key == key for m in matches), name  # nothing else is "the same"


def test_different_reports_on_the_same_place_are_not_duplicates() -> None:
    texts = _texts()
    index = NearDuplicateIndex()
    keys = list(texts)
    hashes = fingerprints([texts[k] for k in keys])
    for k, minhash in zip(keys, hashes, strict=True):
        assert not index.matches(minhash), k
        index.add(k, minhash)


def test_fingerprints_survive_storage_and_accents_do_not_matter() -> None:
    a, b = fingerprints(
        ["El primer ministro Pashinián habló hoy", "el primer ministro pashinian hablo hoy"]
    )
    assert a.jaccard(b) == 1.0
    again = fingerprint_from_bytes(fingerprint_to_bytes(a))
    assert again.jaccard(a) == 1.0
    assert words("L'equip, pel·lícula!") == ["l", "equip", "pel", "licula"]


def test_band_keys_find_what_the_in_memory_index_finds() -> None:
    texts = _texts()
    original = next(iter(texts.values()))
    copy = "A new headline\nBy a staff reporter\n" + "\n".join(original.split("\n")[:-1])
    hashes = fingerprints([original, copy, *list(texts.values())[1:]])
    keys = [set(band_keys(h)) for h in hashes]
    assert len(keys[0]) == 25 and all(isinstance(k, int) and -(2**63) <= k < 2**63 for k in keys[0])
    assert keys[0] & keys[1]  # the copy shares a band with its original
    assert band_keys(fingerprint_from_bytes(fingerprint_to_bytes(hashes[0]))) == band_keys(
        hashes[0]
    )
    for other in keys[2:]:  # and no other sample article does
        assert not keys[0] & other
