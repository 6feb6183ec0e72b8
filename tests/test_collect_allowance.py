"""A private-network allowance belongs to the one source it was given to.

Two real servers on loopback, on two ports: "internal" stands for a machine on
the operator's own network, followed as a source with --allow-private, and
"public" for another source with an allowance of its own (on loopback it needs
one to be fetched at all). What the public source's entries link or redirect
to on the internal host:port must never be fetched, and the refusal is written
on its article; the internal source keeps working throughout.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.jobs.opml import import_opml
from babelwire.jobs.refresh import refresh_sources
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import add_source, list_sources
from babelwire.jobs.stages.extract import extract_articles
from babelwire.model import Stage
from babelwire.newsroom import Newsroom
from babelwire.runners.celery.stages import work_on
from babelwire.storage.tables import ArticleRow
from tests.hostile_server import Handler, HostileServer, Route

SECRET = "INTERNAL-ONLY-MEMO"
runner = CliRunner()


INTERNAL_TEXT = (
    "The committee met on Tuesday morning to discuss the budget for the coming year, and "
    "its members agreed that the roads and the schools come first. Several residents spoke "
    "about the state of the river bridge and the bus lines."
)
PUBLIC_TEXT = (
    "The harbour festival returns this summer after five years away, with boats from every "
    "village along the coast. Musicians will play on the old pier each evening, and the "
    "fish market stays open late for the visitors."
)


def _page(title: str, words: str, text: str = INTERNAL_TEXT) -> bytes:
    paragraphs = "".join(f"<p>{words} {n}. {text}</p>" for n in range(5))
    return (
        f"<!doctype html><html lang='en'><head><title>{title}</title></head><body>"
        f"<article><h1>{title}</h1>{paragraphs}</article></body></html>"
    ).encode()


def _rss(*items: tuple[str, str]) -> bytes:
    body = "".join(f"<item><title>{t}</title><link>{link}</link></item>" for t, link in items)
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
        f"<link>http://example.invalid/</link>{body}</channel></rss>"
    ).encode()


def _serve(body: bytes, content_type: str) -> Route:
    return lambda h: h.send(200, body, {"Content-Type": content_type})


def _redirect(target: str) -> Route:
    def route(handler: Handler) -> None:
        handler.send(302, b"", {"Location": target})

    return route


@pytest.fixture
def internal() -> Iterator[HostileServer]:
    with HostileServer() as server:
        server.routes["/feed.xml"] = _serve(
            _rss(("Internal memo", server.url("/memo.html"))), "application/rss+xml"
        )
        server.routes["/memo.html"] = _serve(_page("Memo", SECRET), "text/html")
        server.routes["/secret.html"] = _serve(_page("Secret", SECRET), "text/html")
        server.routes["/other.xml"] = _serve(_rss(), "application/rss+xml")
        yield server


@pytest.fixture
def public(internal: HostileServer) -> Iterator[HostileServer]:
    with HostileServer() as server:
        server.routes["/feed.xml"] = _serve(
            _rss(
                ("Linked inside", internal.url("/secret.html")),
                ("Redirected inside", server.url("/hop")),
                ("Own story", server.url("/story.html")),
            ),
            "application/rss+xml",
        )
        server.routes["/hop"] = _redirect(internal.url("/secret.html?via=hop"))
        server.routes["/story.html"] = _serve(_page("Story", "Public", PUBLIC_TEXT), "text/html")
        server.routes["/moved.xml"] = _redirect(internal.url("/feed.xml?via=moved"))
        server.routes["/sitemap.xml"] = _serve(
            b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
            b'sitemap/0.9"><sitemap><loc>' + internal.url("/other.xml").encode() + b"</loc>"
            b"</sitemap></sitemapindex>",
            "application/xml",
        )
        yield server


@pytest.fixture
def guarded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The site's global setting off: only per-source allowances let loopback through."""
    monkeypatch.setenv("BABELWIRE_FETCH_ALLOW_PRIVATE_NETWORKS", "false")


def _newsroom(root: Path, database_url: str) -> Newsroom:
    create_site(root, languages=["en", "es"], database_url=database_url)
    return Newsroom.open(root)


def _articles(newsroom: Newsroom) -> dict[str, ArticleRow]:
    with newsroom.sessions() as session:
        rows = session.scalars(select(ArticleRow)).all()
        session.expunge_all()
    return {row.title: row for row in rows}


def _text(article: ArticleRow) -> str:
    return " ".join(block["text"] for block in article.blocks)


def _refresh_and_extract(newsroom: Newsroom, *source_ids: int) -> dict[str, ArticleRow]:
    reports = refresh_sources(newsroom, list(source_ids))
    assert [r.error for r in reports] == [None] * len(reports)
    extract_articles(newsroom, [a.id for a in _articles(newsroom).values()])
    return _articles(newsroom)


def _assert_leaks_refused(
    articles: dict[str, ArticleRow], internal: HostileServer, public: HostileServer
) -> None:
    memo = articles["Memo"]  # the internal source's own article, extracted
    assert memo.stage == Stage.EXTRACTED.value and SECRET in _text(memo)
    for title in ("Linked inside", "Redirected inside"):
        leak = articles[title]
        assert leak.stage != Stage.EXTRACTED.value and SECRET not in _text(leak)
        assert leak.error and "private networks are not allowed" in leak.error, leak.error
    assert articles["Story"].stage == Stage.EXTRACTED.value  # the public source's own page
    assert not [p for p in internal.paths() if p.startswith("/secret.html")]
    assert "/hop" in public.paths()  # the redirect was asked for, its target never


@pytest.mark.usefixtures("guarded")
def test_entries_of_one_source_never_reach_another_sources_private_host(
    internal: HostileServer, public: HostileServer, tmp_path: Path, database_url: str
) -> None:
    with _newsroom(tmp_path / "site", database_url) as newsroom:
        inside = add_source(newsroom, internal.url("/feed.xml"), allow_private=True)
        outside = add_source(newsroom, public.url("/feed.xml"), allow_private=True)
        articles = _refresh_and_extract(newsroom, inside.id, outside.id)
        _assert_leaks_refused(articles, internal, public)
        # The internal source keeps its allowance on the next round.
        assert refresh_sources(newsroom, [inside.id])[0].error is None


@pytest.mark.usefixtures("guarded")
def test_the_celery_stages_use_the_allowance_of_each_articles_source(
    internal: HostileServer, public: HostileServer, tmp_path: Path, database_url: str
) -> None:
    with _newsroom(tmp_path / "site", database_url) as newsroom:
        inside = add_source(newsroom, internal.url("/feed.xml"), allow_private=True)
        outside = add_source(newsroom, public.url("/feed.xml"), allow_private=True)
        fetched = work_on(newsroom, "fetch", [inside.id, outside.id])
        assert fetched.failed == 0 and len(fetched.next_ids) == 4
        extracted = work_on(newsroom, "extract", fetched.next_ids)
        assert extracted.failed == 2
        _assert_leaks_refused(_articles(newsroom), internal, public)


@pytest.mark.usefixtures("guarded")
def test_a_feed_or_child_sitemap_on_another_sources_host_is_refused(
    internal: HostileServer, public: HostileServer, tmp_path: Path
) -> None:
    with _newsroom(tmp_path / "site", f"sqlite:///{tmp_path / 'db.sqlite3'}") as newsroom:
        inside = add_source(newsroom, internal.url("/feed.xml"), allow_private=True)
        moved = add_source(newsroom, public.url("/moved.xml"), allow_private=True)
        sitemap = add_source(
            newsroom, public.url("/sitemap.xml"), kind="sitemap", allow_private=True
        )
        # One round: the three sources are polled at the same time.
        ok, redirected, index = refresh_sources(newsroom, [inside.id, moved.id, sitemap.id])
    assert ok.error is None and ok.new == 1
    assert redirected.error and "private networks are not allowed" in redirected.error
    assert index.error is None  # a bad child is a problem of the walk, not a failure
    paths = internal.paths()
    assert "/feed.xml" in paths and "/feed.xml?via=moved" not in paths
    assert "/other.xml" not in paths


@pytest.mark.usefixtures("guarded")
def test_an_opml_import_gets_no_allowance_on_an_allowed_host(
    internal: HostileServer, tmp_path: Path
) -> None:
    opml = tmp_path / "list.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        f'<outline text="Other" xmlUrl="{internal.url("/other.xml")}"/></body></opml>'
    )
    with _newsroom(tmp_path / "site", f"sqlite:///{tmp_path / 'db.sqlite3'}") as newsroom:
        inside = add_source(newsroom, internal.url("/feed.xml"), allow_private=True)
        done = import_opml(newsroom, opml)
        # Refused at import, with the reason listed for the operator ...
        assert done.added == 0
        assert len(done.skipped) == 1 and "private" in done.skipped[0]
        # ... and a source on that host without its own allowance is refused at fetch.
        other = add_source(newsroom, internal.url("/other.xml"))
        assert not other.allow_private
        ok, refused = refresh_sources(newsroom, [inside.id, other.id])
    assert ok.error is None
    assert refused.error and "private networks are not allowed" in refused.error
    assert "/other.xml" not in internal.paths()


def test_the_global_setting_still_lets_every_source_reach_private_networks(
    internal: HostileServer, public: HostileServer, tmp_path: Path
) -> None:
    # tests/conftest.py turns fetch.allow_private_networks on for the suite.
    with _newsroom(tmp_path / "site", f"sqlite:///{tmp_path / 'db.sqlite3'}") as newsroom:
        outside = add_source(newsroom, public.url("/feed.xml"))
        articles = _refresh_and_extract(newsroom, outside.id)
    assert SECRET in _text(articles["Secret"])
    assert "/secret.html" in internal.paths()


# --- discovery ----------------------------------------------------------------------------


def _home(feed: str) -> Route:
    return _serve(
        f'<!doctype html><html><head><link rel="alternate" type="application/rss+xml" '
        f'href="{feed}"></head><body></body></html>'.encode(),
        "text/html",
    )


def _add(site: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["source", "add", *args, "--site", str(site)])
    return result.exit_code, result.output


@pytest.mark.usefixtures("guarded")
@pytest.mark.parametrize("where", ["other port", "metadata"])
def test_a_feed_discovered_elsewhere_is_offered_not_added(
    internal: HostileServer, public: HostileServer, tmp_path: Path, where: str
) -> None:
    feed = (
        internal.url("/feed.xml")
        if where == "other port"
        else "http://169.254.169.254/latest/meta-data/feed.xml"
    )
    public.routes["/"] = _home(feed)
    site = tmp_path / "site"
    assert runner.invoke(app, ["init", str(site)]).exit_code == 0
    code, out = _add(site, public.url("/"), "--allow-private")
    assert code == 1, out
    assert "Not added" in out and f"babelwire source add {feed} --site {site}" in out
    with Newsroom.open(site) as newsroom:
        assert list_sources(newsroom) == []
    assert internal.paths() == []  # detection read the page only


@pytest.mark.usefixtures("guarded")
def test_a_feed_discovered_on_the_same_host_and_port_keeps_the_allowance(
    public: HostileServer, tmp_path: Path
) -> None:
    public.routes["/"] = _home("/feed.xml")
    site = tmp_path / "site"
    assert runner.invoke(app, ["init", str(site)]).exit_code == 0
    code, out = _add(site, public.url("/"), "--allow-private")
    assert code == 0, out
    with Newsroom.open(site) as newsroom:
        (info,) = list_sources(newsroom)
        assert info.url == public.url("/feed.xml") and info.allow_private
        assert refresh_sources(newsroom, [info.id])[0].error is None


@pytest.mark.usefixtures("guarded")
def test_a_source_added_with_the_allowance_may_not_redirect_elsewhere(
    internal: HostileServer, public: HostileServer, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    assert runner.invoke(app, ["init", str(site)]).exit_code == 0
    code, out = _add(site, public.url("/moved.xml"), "--allow-private")
    assert code == 2 and "private networks are not allowed" in out
    assert "not where it redirects" in " ".join(out.split())  # the console wraps long lines
    assert internal.paths() == []
