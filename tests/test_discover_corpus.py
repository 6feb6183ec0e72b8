"""The whole feedparser test corpus through parse_feed: no exception escapes, and a count.

The corpus (../shared/data/feeds/) holds about 2,100 small feeds, well-formed,
ill-formed and in exotic encodings. Each either parses (flagged in `problem`
when it is malformed) or is refused as NotAFeed with a description; the
summary line says how many were flagged and how many entries they still gave.
"""

from __future__ import annotations

import unicodedata

import pytest

from babelwire.pipeline.discover.feeds import NotAFeed, parse_feed
from tests.conftest import SHARED_DATA

CORPUS = SHARED_DATA / "feeds"
FILES = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".xml", ".json"))


@pytest.mark.skipif(not FILES, reason=f"no feed corpus in {CORPUS}")
def test_whole_corpus_parses_without_exception(capsys: pytest.CaptureFixture[str]) -> None:
    parsed = flagged = refused = entries = recovered = 0
    for path in FILES:
        content_type = "application/feed+json" if path.suffix == ".json" else ""
        try:
            feed = parse_feed(path.read_bytes(), "http://example.org/feed", content_type)
        except NotAFeed as exc:
            refused += 1
            assert str(exc), path  # always says what the document is instead
            continue
        parsed += 1
        entries += len(feed.entries)
        if feed.problem:
            flagged += 1
            recovered += len(feed.entries)
        for entry in feed.entries:
            for text in (entry.title, entry.summary, entry.author, entry.guid):
                assert not any(unicodedata.category(c) == "Cc" for c in text), (path, text)
    ill_formed = [p for p in FILES if "illformed" in p.parts]
    with capsys.disabled():
        print(
            f"\nfeed corpus: {len(FILES)} files, {parsed} parsed, {flagged} flagged malformed "
            f"({recovered} entries recovered from them), {refused} refused as not a feed, "
            f"{entries} entries in all"
        )
    assert parsed + refused == len(FILES)
    assert parsed > 0.95 * len(FILES)
    assert flagged >= len(ill_formed) // 2  # most ill-formed feeds are noticed
    assert recovered > 0


def test_corpus_json_feed_read() -> None:
    path = CORPUS / "feedparser-tests" / "tests" / "json" / "example.json"
    if not path.exists():
        pytest.skip("no JSON Feed in the corpus")
    feed = parse_feed(path.read_bytes(), "https://example.org/feed.json", "application/feed+json")
    assert feed.entries and all(e.url.startswith("https://") for e in feed.entries)
