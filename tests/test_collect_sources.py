"""`source add` works out what a URL is; pages and sitemaps are followed; OPML goes both ways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.jobs.opml import export_opml, import_opml
from babelwire.jobs.refresh import refresh_sources
from babelwire.jobs.sources import add_source, list_sources
from babelwire.newsroom import Newsroom
from babelwire.pipeline.discover.pages import article_links, feed_links
from babelwire.storage.tables import EntryRow
from tests.hostile_server import Handler, HostileServer, Route

runner = CliRunner()

HOME = b"""<!doctype html><html><head><title>Valley Times</title>
<link rel="alternate" type="application/rss+xml" title="All" href="/rss.xml">
<link rel="alternate" type="application/atom+xml" href="https://valley.example/atom.xml">
<link rel="stylesheet" href="/style.css"></head><body></body></html>"""

NO_FEED = b"""<!doctype html><html><head><title>Plain Gazette</title></head><body>
<nav><a href="/politics/">Politics and everything about government today</a></nav>
<main>
<h2><a href="/2024/05/01/council-approves-new-budget">
Council approves the new budget for schools</a></h2>
<h2><a href="/2024/05/01/river-festival-returns">River festival returns after five years</a></h2>
<a href="/tag/budget">budget</a> <a href="/about">About this newspaper and its team</a>
<a href="https://elsewhere.example/story/x">A story on another website entirely</a>
<a href="/2024/05/01/river-festival-returns#comments">Comments on the river festival story</a>
</main><footer><a href="/2024/legal-notice-page">Legal notice and terms of this site</a></footer>
</body></html>"""

FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Valley RSS</title>
<item><title>Hello valley</title><link>http://example.invalid/h</link></item></channel></rss>"""

SITEMAP = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>/s1</loc>
<news:news><news:publication_date>2024-05-01</news:publication_date>
<news:title>Sitemap headline</news:title></news:news></url></urlset>"""


def test_feed_autodiscovery() -> None:
    assert feed_links(HOME, "https://valley.example/") == [
        "https://valley.example/rss.xml",
        "https://valley.example/atom.xml",
    ]


def test_article_links_skip_navigation_tags_and_other_sites() -> None:
    links = article_links(NO_FEED, "https://gazette.example/")
    assert [url for url, _ in links] == [
        "https://gazette.example/2024/05/01/council-approves-new-budget",
        "https://gazette.example/2024/05/01/river-festival-returns",
    ]
    assert links[0][1] == "Council approves the new budget for schools"


def _route(body: bytes, content_type: str) -> Route:
    def route(handler: Handler) -> None:
        handler.send(200, body, {"Content-Type": content_type})

    return route


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as hostile:
        hostile.routes["/"] = _route(HOME, "text/html; charset=utf-8")
        hostile.routes["/rss.xml"] = _route(FEED, "application/rss+xml")
        hostile.routes["/plain"] = _route(NO_FEED, "text/html")
        hostile.routes["/news-sitemap.xml"] = _route(SITEMAP, "application/xml")
        hostile.routes["/empty"] = _route(b"<html><body><p>Nothing</p></body></html>", "text/html")
        yield hostile


@pytest.fixture
def site(tmp_path: Path) -> str:
    root = str(tmp_path / "site")
    assert runner.invoke(app, ["init", root]).exit_code == 0
    return root


def _add(site: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["source", "add", *args, "--site", site])
    return result.exit_code, result.output


def test_source_add_detects_each_kind(server: HostileServer, site: str) -> None:
    code, out = _add(site, server.url("/"))
    assert code == 0, out
    assert "announcing the feed" in out and server.url("/rss.xml") in out and "(feed)" in out
    # The announced feed is read too: its entries, a title of them, its name.
    assert "a feed with 1 entries" in out and "Hello valley" in out and "Valley RSS" in out
    code, out = _add(site, server.url("/rss.xml"), "--name", "Direct")
    assert code == 0 and "a feed with 1 entries" in out
    code, out = _add(site, server.url("/plain"))
    assert code == 0 and "no feed; following its 2 article links" in out and "(page)" in out
    code, out = _add(site, server.url("/news-sitemap.xml"))
    assert code == 0 and "sitemap (Google News) with 1 pages" in out and "(sitemap)" in out
    code, out = _add(site, server.url("/empty"))
    assert code == 2 and "no feed and no article links" in out
    listing = runner.invoke(app, ["source", "list", "--site", site]).output
    for kind in ("feed", "page", "sitemap"):
        assert kind in listing


def test_source_add_refuses_private_address_unless_allowed(
    server: HostileServer, site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BABELWIRE_FETCH_ALLOW_PRIVATE_NETWORKS", raising=False)
    code, out = _add(site, server.url("/rss.xml"))
    assert code == 2 and "--allow-private" in out
    code, out = _add(site, server.url("/rss.xml"), "--allow-private")
    assert code == 0, out
    assert "private ok" in runner.invoke(app, ["source", "list", "--site", site]).output


def test_per_source_allowance_survives_a_new_process(
    server: HostileServer, site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BABELWIRE_FETCH_ALLOW_PRIVATE_NETWORKS", raising=False)
    with Newsroom.open(Path(site)) as newsroom:
        allowed = add_source(newsroom, server.url("/rss.xml"), allow_private=True)
        refused = add_source(newsroom, server.url("/rss.xml").replace("127.0.0.1", "localhost"))
    with Newsroom.open(Path(site)) as newsroom:  # a fresh process would start the same way
        ok, blocked = refresh_sources(newsroom, [allowed.id, refused.id])
    assert ok.error is None and ok.new == 1
    assert blocked.error and "not allowed" in blocked.error


def test_page_and_sitemap_sources_give_entries(server: HostileServer, site: str) -> None:
    with Newsroom.open(Path(site)) as newsroom:
        page = add_source(newsroom, server.url("/plain"), kind="page", allow_private=True)
        sitemap = add_source(
            newsroom, server.url("/news-sitemap.xml"), kind="sitemap", allow_private=True
        )
        reports = refresh_sources(newsroom, [page.id, sitemap.id])
        assert [r.error for r in reports] == [None, None]
        with newsroom.sessions() as session:
            titles = set(session.scalars(select(EntryRow.title)))
    assert {"Council approves the new budget for schools", "Sitemap headline"} <= titles


def test_opml_export_round_trip(server: HostileServer, site: str, tmp_path: Path) -> None:
    with Newsroom.open(Path(site)) as newsroom:
        add_source(newsroom, "https://one.example/feed", name="One & Co", language="ca")
        add_source(newsroom, "https://two.example/sitemap.xml", name="Two", kind="sitemap")
        text = export_opml(newsroom)
    path = tmp_path / "out.opml"
    result = runner.invoke(app, ["source", "export-opml", str(path), "--site", site])
    assert result.exit_code == 0 and "Exported 2 sources" in result.output
    assert path.read_text(encoding="utf-8") == text
    other = tmp_path / "other"
    assert runner.invoke(app, ["init", str(other)]).exit_code == 0
    with Newsroom.open(other) as newsroom:
        import_opml(newsroom, path)
        copied = {(s.url, s.name, s.language, s.kind) for s in list_sources(newsroom)}
    assert copied == {
        ("https://one.example/feed", "One & Co", "ca", "feed"),
        ("https://two.example/sitemap.xml", "Two", None, "sitemap"),
    }
