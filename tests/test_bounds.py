"""Titles, authors, summaries and bodies from sources are cut to bounds where they are
stored, and the cut is recorded where the operator sees it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from babelwire.jobs.refresh import refresh_sources
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import add_source
from babelwire.jobs.stages.extract import extract_articles
from babelwire.model import Block, BlockKind, ExtractedArticle, FeedEntry
from babelwire.newsroom import Newsroom
from babelwire.pipeline.bounds import (
    AUTHOR_CHARS,
    BODY_BLOCKS,
    BODY_CHARS,
    GUID_CHARS,
    SUMMARY_CHARS,
    TITLE_CHARS,
    bounded_article,
    bounded_entry,
)
from babelwire.storage.tables import ArticleRow, EntryRow, FetchLogRow, SourceRow
from tests.hostile_server import Handler, HostileServer


def test_an_entry_within_bounds_is_left_as_it_is() -> None:
    entry = FeedEntry(guid="g", url="https://news.example/a", title="Title", author="Ann")
    assert bounded_entry(entry) == (entry, "")


def test_each_text_of_an_entry_is_cut_and_the_cut_said() -> None:
    entry = FeedEntry(
        guid="g" * (GUID_CHARS + 1),
        url="https://news.example/a",
        title="T" * 9_900_000,
        summary="s" * (SUMMARY_CHARS * 3),
        author="A" * 1_000,
    )
    bounded, note = bounded_entry(entry)
    assert len(bounded.title) == TITLE_CHARS and bounded.title.endswith("…")
    assert len(bounded.summary) == SUMMARY_CHARS
    assert len(bounded.author) == AUTHOR_CHARS
    assert len(bounded.guid) < GUID_CHARS and bounded_entry(entry)[0].guid == bounded.guid
    for part in ("title cut from 9,900,000 to 1,000", "summary", "author", "guid"):
        assert part in note


def test_an_article_body_is_cut_by_characters_and_by_blocks() -> None:
    long = ExtractedArticle(
        title="x",
        blocks=[Block(BlockKind.PARAGRAPH, "w" * 1000) for _ in range(BODY_CHARS // 1000 + 50)],
        canonical_url="",
    )
    bounded, note = bounded_article(long)
    assert sum(len(b.text) for b in bounded.blocks) <= BODY_CHARS
    assert "body cut" in note
    many = ExtractedArticle(
        title="x", blocks=[Block(BlockKind.LIST_ITEM, "a")] * (BODY_BLOCKS * 2), canonical_url=""
    )
    assert len(bounded_article(many)[0].blocks) == BODY_BLOCKS
    fine = ExtractedArticle(title="x", blocks=[Block(BlockKind.PARAGRAPH, "a b")], canonical_url="")
    assert bounded_article(fine) == (fine, "")


HUGE_TITLE = "Breaking " * 250_000  # 2.25 million characters


def _feed(server: HostileServer) -> bytes:
    return f"""<?xml version="1.0"?><rss version="2.0"
    xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>{"Big " * 1_000}</title>
    <item><guid>one</guid><title>{HUGE_TITLE}</title><link>{server.url("/story")}</link>
    <dc:creator>{"Reporter " * 60}</dc:creator>
    <description>{"summary " * 5_000}</description></item></channel></rss>""".encode()


PAGE = (
    "<html><head><title>Story</title></head><body><article><h1>Story</h1>"
    + "".join(f"<p>Paragraph {i} {'word ' * 80}</p>" for i in range(1_600))
    + "</article></body></html>"
).encode()


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as hostile:

        def feed(handler: Handler) -> None:
            handler.send(200, _feed(hostile), {"Content-Type": "application/rss+xml"})

        def page(handler: Handler) -> None:
            handler.send(200, PAGE, {"Content-Type": "text/html; charset=utf-8"})

        hostile.routes["/feed.xml"] = feed
        hostile.routes["/story"] = page
        yield hostile


def test_huge_texts_from_a_source_are_stored_cut_with_a_note(
    tmp_path: Path, database_url: str, server: HostileServer
) -> None:
    create_site(tmp_path / "site", database_url=database_url)
    with Newsroom.open(tmp_path / "site") as newsroom:
        info = add_source(newsroom, server.url("/feed.xml"), allow_private=True)
        report = refresh_sources(newsroom, [info.id])[0]
        assert report.error is None and report.new == 1, report.error
        with newsroom.sessions() as session:
            entry = session.scalars(select(EntryRow)).one()
            assert len(entry.title) == TITLE_CHARS
            assert len(entry.author) <= AUTHOR_CHARS
            log = session.scalars(select(FetchLogRow)).one()
            assert log.error and "1 entries cut to size" in log.error
            assert "title cut from 2,249,999" in log.error  # feedparser strips the last space
            assert "feed title of 3,999 characters cut to its first 500" in log.error
            source = session.get(SourceRow, info.id)
            assert source is not None and source.feed_title == ("Big " * 125).strip()
        done = extract_articles(newsroom, report.article_ids)
        assert done.done == report.article_ids, done.failed
        with newsroom.sessions() as session:
            article = session.scalars(select(ArticleRow)).one()
            assert len(article.title) <= TITLE_CHARS
            assert sum(len(b["text"]) for b in article.blocks) <= BODY_CHARS
            assert article.error and "body cut" in article.error
