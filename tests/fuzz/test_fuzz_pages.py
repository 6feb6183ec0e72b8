"""Page link discovery: parse_page gives entries or NotAPage, nothing else."""

from __future__ import annotations

from hypothesis import given, settings

from babelwire.pipeline.discover.pages import NotAPage, feed_links, parse_page
from tests.conftest import SHARED_DATA
from tests.fuzz.mutate import mutated, seed_files

SEEDS = seed_files(SHARED_DATA / "extraction" / "trafilatura-eval-300", "*.html", limit=60)
HOME = (
    b"<!doctype html><html><head><title>News</title>"
    b'<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>'
    b"<nav><a href='/about'>About this site here</a></nav>"
    b"<main><a href='/2024/05/a-story'>A story with a headline</a>"
    b"<a href='https://news.example/b#x'>Another story with words</a></main></body></html>"
)


@settings(max_examples=40)
@given(mutated([*SEEDS, HOME]))
def test_parse_page_raises_only_not_a_page(content: bytes) -> None:
    try:
        feed = parse_page(content, "https://news.example/")
        links = feed_links(content, "https://news.example/")
    except NotAPage as exc:
        assert str(exc)
        return
    assert all(e.url.lower().startswith(("http://", "https://")) for e in feed.entries)
    assert all(u.lower().startswith(("http://", "https://")) for u in links)
