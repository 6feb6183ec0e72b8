"""Each parser, given what once crashed it, raises its own error with a clear message."""

from __future__ import annotations

import pytest

from babelwire.model import FeedEntry
from babelwire.pipeline.discover.feeds import NotAFeed, parse_feed
from babelwire.pipeline.discover.sitemaps import NotASitemap, is_sitemap, parse_sitemap
from babelwire.pipeline.discover.urls import absolute_http_url, canonical_url
from babelwire.pipeline.extract.article import ExtractionError
from babelwire.pipeline.extract.feed import article_brief, article_from_feed

BASE = "https://news.example/feed"


@pytest.mark.parametrize(
    "body",
    [
        b"<>&#x110000;",
        b"<>&#9999999999;",
        b"</width>",
        b"<item<textInput<description>",
        b'<?encoding="\xbf"?>',
    ],
)
def test_feeds_that_crashed_feedparser_are_not_a_feed(body: bytes) -> None:
    with pytest.raises(NotAFeed, match=r"too broken to read \(\w+Error: "):
        parse_feed(body, BASE)


def test_json_feed_id_of_thousands_of_digits_is_kept_as_its_digits() -> None:
    digits = "1" + "9" * 5000
    body = (
        '{"version": "https://jsonfeed.org/version/1.1", "items": '
        f'[{{"id": {digits}, "url": "https://news.example/a", "title": "A"}}]}}'
    ).encode()
    (entry,) = parse_feed(body, BASE).entries
    assert entry.guid == digits


def test_json_nested_deeper_than_the_parser_goes_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed, match="RecursionError"):
        parse_feed(b'{"items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", BASE)


@pytest.mark.parametrize(
    "body",
    [
        b"<:ss/>",
        b'<urlset xmlns="&#xD800;http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://news.example/a</loc></url></urlset>",
    ],
)
def test_unreadable_element_names_are_not_a_sitemap(body: bytes) -> None:
    assert is_sitemap(body) is False
    with pytest.raises(NotASitemap, match="not a sitemap"):
        parse_sitemap(body, BASE)


@pytest.mark.parametrize(
    "link",
    [
        "data:text/html,x",
        "javascript:alert(1)",
        "mailto:desk@news.example",
        "http://xn--/",
        "http://127.0.0.1:99999/",
        "http://127.0.0.1:0/",
        "http://[::1",
    ],
)
def test_links_that_could_never_be_fetched_are_no_links(link: str) -> None:
    assert absolute_http_url(link, BASE) == ""
    assert isinstance(canonical_url(link), str)


def test_a_feed_content_that_looks_like_a_document_without_a_body_is_no_text() -> None:
    entry = FeedEntry(
        guid="g", url="https://news.example/a", title="", content_html="<!doctype html><html>"
    )
    with pytest.raises(ExtractionError):
        article_from_feed(entry)
    with pytest.raises(ExtractionError, match="no headline"):
        article_brief(entry)
    brief = article_brief(FeedEntry(guid="g", url="https://news.example/a", title=" Headline "))
    assert (brief.title, brief.blocks, brief.extractor) == ("Headline", [], "brief")


@pytest.mark.parametrize("date", ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"])
def test_dates_beyond_the_calendar_in_utc_are_no_date(date: str) -> None:
    body = (
        '{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", '
        f'"url": "https://news.example/a", "date_published": "{date}"}}]}}'
    ).encode()
    (entry,) = parse_feed(body, BASE).entries
    assert entry.published is None
    sitemap = (
        f"<urlset><url><loc>https://news.example/a</loc><lastmod>{date}</lastmod></url></urlset>"
    ).encode()
    (listed,) = parse_sitemap(sitemap, BASE).entries
    assert listed.published is None and listed.updated is None
