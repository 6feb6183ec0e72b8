"""Feeds (RSS, Atom, RDF, JSON Feed) through parse_feed: a feed or NotAFeed, nothing else."""

from __future__ import annotations

from hypothesis import given

from babelwire.model import ParsedFeed
from babelwire.pipeline.discover.feeds import NotAFeed, parse_feed
from tests.conftest import SHARED_DATA
from tests.fuzz.mutate import mutated, seed_files

CORPUS = SHARED_DATA / "feeds" / "feedparser-tests"
SEEDS = seed_files(CORPUS, "*.xml", limit=300) + seed_files(CORPUS, "*.json")
JSON_FEED = (
    b'{"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": ['
    b'{"id": "1", "url": "https://news.example/a", "title": "A", "content_html": "<p>x</p>", '
    b'"date_published": "2024-05-01T10:00:00+02:00", "date_modified": "2024-05-01"}]}'
)


@given(mutated([*SEEDS, JSON_FEED]))
def test_parse_feed_raises_only_not_a_feed(content: bytes) -> None:
    for content_type in ("", "application/feed+json"):
        try:
            feed = parse_feed(content, "https://news.example/feed", content_type)
        except NotAFeed as exc:
            assert str(exc)  # says what the document is instead
            continue
        assert isinstance(feed, ParsedFeed)
        for entry in feed.entries:
            assert entry.guid
            assert not entry.url or entry.url.lower().startswith(("http://", "https://"))
