"""HTML extraction: extract_article gives an article or ExtractionError, nothing else."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings

from babelwire.model import FeedEntry
from babelwire.pipeline.extract.article import (
    ExtractionError,
    extract_article,
)
from babelwire.pipeline.extract.feed import article_brief, article_from_feed
from tests.conftest import SHARED_DATA
from tests.fuzz.mutate import mutated, seed_files

SEEDS = seed_files(SHARED_DATA / "extraction" / "trafilatura-eval-300", "*.html", limit=60)
ARTICLE = (
    b"<!doctype html><html><head><title>A headline | Site</title>"
    b'<link rel="canonical" href="/a"><meta property="og:image" content="/i.jpg"></head>'
    b"<body><article><h1>A headline</h1><p>" + b"Words in a paragraph of the story. " * 20 + b"</p>"
    b"<h2>A part</h2><blockquote>A quote</blockquote><ul><li>one</li></ul></article></body></html>"
)


@settings(max_examples=30)  # trafilatura takes tens of milliseconds a page
@given(mutated([*SEEDS, ARTICLE]))
def test_extract_article_raises_only_extraction_error(content: bytes) -> None:
    try:
        article = extract_article(content, "https://news.example/a")
    except ExtractionError as exc:
        assert str(exc)
        return
    assert article.blocks


@given(mutated([ARTICLE]), mutated([ARTICLE]))
def test_feed_text_and_briefs_raise_only_extraction_error(content: bytes, title: bytes) -> None:
    text = content.decode("utf-8", "replace")
    entry = FeedEntry(
        guid="g",
        url="https://news.example/a",
        title=title.decode("utf-8", "replace"),
        summary=text[:200],
        content_html=text,
    )
    for build in (article_from_feed, article_brief):
        with contextlib.suppress(ExtractionError):
            build(entry)
