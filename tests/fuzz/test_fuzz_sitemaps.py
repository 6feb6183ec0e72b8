"""Sitemaps: detection never raises; parsing gives a sitemap or NotASitemap, nothing else."""

from __future__ import annotations

import asyncio
import contextlib
import gzip

from hypothesis import given

from babelwire.model import FetchResult
from babelwire.pipeline.discover.sitemaps import (
    NotASitemap,
    is_sitemap,
    parse_sitemap,
    walk_sitemaps,
)
from babelwire.pipeline.fetch.http import FetchError
from tests.fuzz.mutate import mutated

URLSET = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
    b"<url><loc>https://news.example/a</loc><lastmod>2024-05-01T10:00:00+02:00</lastmod>"
    b"<news:news><news:publication_date>2024-05-01</news:publication_date>"
    b"<news:title>A &amp; B</news:title></news:news></url>"
    b"<url><loc>/relative</loc><lastmod>not a date</lastmod></url></urlset>"
)
INDEX = (
    b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    b"<sitemap><loc>https://news.example/s1.xml</loc></sitemap>"
    b"<sitemap><loc>https://news.example/sitemap.xml</loc></sitemap></sitemapindex>"
)
SEEDS = [URLSET, INDEX, gzip.compress(URLSET)]


@given(mutated(SEEDS))
def test_sitemap_detection_and_parsing_raise_only_not_a_sitemap(content: bytes) -> None:
    assert isinstance(is_sitemap(content), bool)
    try:
        sitemap = parse_sitemap(content, "https://news.example/sitemap.xml")
    except NotASitemap as exc:
        assert str(exc)
        return
    for entry in sitemap.entries:
        assert entry.url.lower().startswith(("http://", "https://"))


@given(mutated(SEEDS), mutated(SEEDS))
def test_walking_an_index_of_hostile_children_raises_only_not_a_sitemap(
    root: bytes, child: bytes
) -> None:
    async def fetch(url: str) -> FetchResult:
        if url.endswith("s1.xml"):
            return FetchResult(url=url, final_url=url, status=200, content=child, content_type="")
        raise FetchError(url, "HTTP 404 Not Found", 404)

    url = "https://news.example/sitemap.xml"
    result = FetchResult(url=url, final_url=url, status=200, content=root, content_type="")
    with contextlib.suppress(NotASitemap):
        asyncio.run(walk_sitemaps(result, fetch))
