"""Sitemaps, sitemap indexes and Google News sitemaps, parsed and walked on a real server."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest

from babelwire.model import FetchResult, ParsedFeed
from babelwire.pipeline.discover.sitemaps import NotASitemap, parse_sitemap, walk_sitemaps
from babelwire.pipeline.fetch.http import AsyncFetcher
from tests.hostile_server import Handler, HostileServer, Route

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS_NS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def urlset(*locs: str, news: bool = False) -> bytes:
    items = []
    for n, loc in enumerate(locs):
        extra = (
            f"<news:news><news:publication><news:name>Wire</news:name>"
            f"<news:language>en</news:language></news:publication>"
            f"<news:publication_date>2024-05-0{n + 1}T10:00:00+02:00</news:publication_date>"
            f"<news:title>Headline {n}</news:title></news:news>"
            if news
            else f"<lastmod>2024-04-0{n + 1}</lastmod>"
        )
        items.append(f"<url><loc>{loc}</loc>{extra}</url>")
    return f'<?xml version="1.0"?><urlset {NS} {NEWS_NS}>{"".join(items)}</urlset>'.encode()


def index(*locs: str) -> bytes:
    items = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return f'<?xml version="1.0"?><sitemapindex {NS}>{items}</sitemapindex>'.encode()


def test_google_news_sitemap_gives_titles_and_dates() -> None:
    sitemap = parse_sitemap(urlset("/a", "/b", news=True), "https://news.example/sitemap.xml")
    assert not sitemap.is_index
    assert [(e.url, e.title) for e in sitemap.entries] == [
        ("https://news.example/a", "Headline 0"),
        ("https://news.example/b", "Headline 1"),
    ]
    first = sitemap.entries[0].published
    assert first is not None and first.isoformat() == "2024-05-01T08:00:00+00:00"


def test_plain_sitemap_uses_lastmod_and_skips_bad_locs() -> None:
    body = urlset("https://x.example/1", "javascript:alert(1)", "https://x.example/1")
    sitemap = parse_sitemap(body, "https://x.example/sitemap.xml")
    assert [e.url for e in sitemap.entries] == ["https://x.example/1"]
    assert sitemap.entries[0].published is not None


def test_gzipped_sitemap() -> None:
    sitemap = parse_sitemap(gzip.compress(urlset("https://x.example/z")), "https://x.example/s.gz")
    assert [e.url for e in sitemap.entries] == ["https://x.example/z"]


def test_gzip_bomb_sitemap_is_capped() -> None:
    bomb = gzip.compress(b" " * (20 * 1024 * 1024))
    with pytest.raises(NotASitemap, match="larger than"):
        parse_sitemap(bomb, "https://x.example/s.gz", max_bytes=1024 * 1024)


def test_not_a_sitemap() -> None:
    with pytest.raises(NotASitemap, match="root <rss>"):
        parse_sitemap(b"<rss><channel/></rss>", "https://x.example/")


def test_sitemap_xxe_and_entity_bomb_are_inert(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("SECRET-SITEMAP")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file://{secret}">'
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f"<urlset {NS}><url><loc>https://x.example/&x;&b;</loc></url></urlset>"
    ).encode()
    sitemap = parse_sitemap(body, "https://x.example/")
    assert all("SECRET" not in e.url and "aaaaaaaaaa" not in e.url for e in sitemap.entries)


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as hostile:
        yield hostile


def _xml(body: bytes) -> Route:
    def route(handler: Handler) -> None:
        handler.send(200, body, {"Content-Type": "application/xml"})

    return route


def _walk(server: HostileServer, path: str, **caps: int) -> ParsedFeed:
    async def go() -> ParsedFeed:
        async with AsyncFetcher("test", allow_private=True) as fetcher:
            root = await fetcher.fetch(server.url(path))

            async def fetch(url: str) -> FetchResult:
                return await fetcher.fetch(url)

            return await walk_sitemaps(root, fetch, **caps)

    return asyncio.run(go())


def test_index_walked_newest_first_without_loops(server: HostileServer) -> None:
    r = server.routes
    r["/index.xml"] = _xml(index("/index.xml", "/news.xml", "/more-index.xml"))
    r["/more-index.xml"] = _xml(index("/index.xml", "/old.xml", "/missing.xml"))
    r["/news.xml"] = _xml(urlset("/n1", "/n2", news=True))
    r["/old.xml"] = _xml(urlset("/o1"))
    feed = _walk(server, "/index.xml")
    assert [e.url.rsplit("/", 1)[1] for e in feed.entries] == ["n2", "n1", "o1"]
    assert server.paths().count("/index.xml") == 1  # listed three times, fetched once
    assert "missing.xml" in feed.problem and "404" in feed.problem


def test_depth_and_count_caps(server: HostileServer) -> None:
    for level in range(6):
        server.routes[f"/deep{level}.xml"] = _xml(index(f"/deep{level + 1}.xml"))
    feed = _walk(server, "/deep0.xml", max_depth=2)
    assert "deeper than 2 levels" in feed.problem
    assert "/deep3.xml" not in server.paths() and "/deep2.xml" in server.paths()

    server.routes["/wide.xml"] = _xml(index(*(f"/leaf{n}.xml" for n in range(20))))
    for n in range(20):
        server.routes[f"/leaf{n}.xml"] = _xml(urlset(f"/p{n}"))
    feed = _walk(server, "/wide.xml", max_sitemaps=5)
    assert len(feed.entries) == 4 and "more than 5 sitemaps" in feed.problem
