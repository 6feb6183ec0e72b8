"""Feeds, sitemaps, robots.txt and page metadata, checked against their specifications.

RSS 2.0 (https://www.rssboard.org/rss-specification), Atom (RFC 4287), JSON Feed 1.1,
sitemaps.org 0.9, the Google News sitemap and schema.org NewsArticle in JSON-LD.
Hostile text from sources and engines must come out as inert text in each.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree
from lxml import html as lxml_html
from protego import Protego
from starlette.testclient import TestClient

from babelwire.config import Config
from babelwire.newsroom import Newsroom
from babelwire.publish.pages import SitePages
from babelwire.storage.tables import ArticleRow, SourceRow, TranslationRow
from babelwire.web.app import create_app
from tests.factory import make_article, make_source, make_translation
from tests.test_site import HOSTILE_SCRIPT, HOSTILE_TITLE, populate_site

BASE = "https://wire.example"
ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
FEEDS = ("/en/feed.xml", "/en/atom.xml", "/en/feed.json")


@dataclass
class Site:
    newsroom: Newsroom
    client: TestClient
    ids: dict[str, int]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("feeds")
    config = Config.from_mapping(
        root,
        {
            "site": {"languages": ["en", "es"], "title": "Test Wire", "base_url": BASE},
            "database": {"url": "sqlite:///t.sqlite3"},
        },
    )
    newsroom = Newsroom.from_config(config)
    ids = populate_site(newsroom)
    now = datetime.now(UTC)
    with newsroom.sessions.begin() as session:
        source = session.query(SourceRow).one()
        fresh = ArticleRow(
            source_id=source.id,
            url="https://diari.example/fresh",
            canonical_url="https://diari.example/fresh",
            title="Notícia fresca",
            blocks=[{"kind": "p", "text": "Avui."}],
            stage="published",
            first_published_at=now - timedelta(hours=1),
            published_at=now - timedelta(hours=2),
            language="ca",
            version=1,
            attempts=0,
            extractor="trafilatura",
            image="",
            author="",
            from_feed=False,
            section="world",
        )
        session.add(fresh)
        session.flush()
        for language, title in (("en", "Fresh news"), ("es", "Noticia fresca")):
            session.add(
                TranslationRow(
                    article_id=fresh.id,
                    language=language,
                    status="translated",
                    title=title,
                    blocks=[{"kind": "p", "text": "Today."}],
                    engine="apertium",
                    engine_version="3.8.3",
                    model_version="",
                    unknown_words=0,
                    flags=[],
                    article_version=1,
                )
            )
        ids["fresh"] = fresh.id
    with TestClient(create_app(newsroom)) as client:
        yield Site(newsroom, client, ids)
    newsroom.close()


def _get(site: Site, path: str, media: str) -> bytes:
    response = site.client.get(path)
    assert response.status_code == 200, path
    assert response.headers["content-type"].startswith(media), response.headers
    return response.content


def _article_url(site: Site, key: str, language: str = "en") -> str:
    path = SitePages.for_site(site.newsroom).article_url(language, site.ids[key])
    assert path is not None
    return BASE + path


def test_rss_feed_follows_rss_2(site: Site) -> None:
    raw = _get(site, "/en/feed.xml", "application/rss+xml")
    root = etree.fromstring(raw)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    for required in ("title", "link", "description"):
        assert (channel.findtext(required) or "").strip(), required
    assert channel.findtext("language") == "en"
    assert channel.find(f"{ATOM}link[@rel='self']").get("href") == BASE + "/en/feed.xml"
    items = channel.findall("item")
    assert items
    guids = [item.findtext("guid") for item in items]
    assert len(set(guids)) == len(guids)
    for item in items:
        assert item.findtext("title") or item.findtext("description")
        assert item.findtext("link", "").startswith(BASE + "/en/article/")
        assert item.find("guid").get("isPermaLink") == "true"
        parsedate_to_datetime(item.findtext("pubDate"))  # RFC 822 date, or it raises
    # Newest first: the fresh article leads.
    assert items[0].findtext("link") == _article_url(site, "fresh")
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) == len(items)


def test_atom_feed_follows_rfc_4287(site: Site) -> None:
    raw = _get(site, "/es/atom.xml", "application/atom+xml")
    root = etree.fromstring(raw)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{required}") or "").strip(), required
    assert RFC3339.match(root.findtext(f"{ATOM}updated"))
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == BASE + "/es/atom.xml"
    entries = root.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{required}") or "").strip(), required
        assert RFC3339.match(entry.findtext(f"{ATOM}updated"))
        assert entry.find(f"{ATOM}link").get("href").startswith(BASE + "/es/article/")
    # Only articles shown in the Spanish edition (the hostile one is skipped there).
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert not any(f"/es/article/{site.ids['hostile']}-" in link for link in links)
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, parsed.get("bozo_exception")


def test_json_feed_follows_version_1_1(site: Site) -> None:
    doc = json.loads(_get(site, "/en/feed.json", "application/feed+json"))
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["title"] and doc["feed_url"] == BASE + "/en/feed.json"
    assert doc["home_page_url"] == BASE + "/en/"
    assert doc["language"] == "en"
    ids = [item["id"] for item in doc["items"]]
    assert len(set(ids)) == len(ids)
    for item in doc["items"]:
        assert isinstance(item["id"], str)
        assert "content_text" in item and "content_html" in item
        for key in ("date_published", "date_modified"):
            if key in item:
                assert RFC3339.match(item[key]), item[key]
    full = next(i for i in doc["items"] if i["url"] == _article_url(site, "full"))
    assert full["external_url"] == "https://diari.example/budget"
    assert full["summary"].startswith("The budget was approved on Tuesday.\n\n")


def test_section_feeds_hold_only_their_section(site: Site) -> None:
    parsed = feedparser.parse(_get(site, "/en/section/economy/feed.xml", "application/rss+xml"))
    assert not parsed.bozo
    assert parsed.entries and all("Economy story" in e.title for e in parsed.entries)
    assert len(parsed.entries) == 45
    doc = json.loads(_get(site, "/en/section/politics/feed.json", "application/feed+json"))
    assert doc["feed_url"] == BASE + "/en/section/politics/feed.json"
    assert site.client.get("/en/section/nowhere/feed.xml").status_code == 404
    assert site.client.get("/fr/feed.xml").status_code == 404


def test_hostile_text_is_inert_in_every_feed(site: Site) -> None:
    hostile_url = _article_url(site, "hostile")
    rss = _get(site, "/en/feed.xml", "application/rss+xml")
    atom = _get(site, "/en/atom.xml", "application/atom+xml")
    for raw in (rss, atom):
        assert b"<script" not in raw and b"<img" not in raw
        assert b"]]>" not in raw  # no CDATA section a title could close
    rss_titles = {
        item.findtext("link"): item.findtext("title") for item in etree.fromstring(rss).iter("item")
    }
    # RSS readers render a title as HTML: the same text, escaped as HTML inside the XML.
    assert "<" not in rss_titles[hostile_url]
    assert html.unescape(rss_titles[hostile_url]) == HOSTILE_TITLE
    atom_titles = {
        entry.find(f"{ATOM}link").get("href"): entry.findtext(f"{ATOM}title")
        for entry in etree.fromstring(atom).iter(f"{ATOM}entry")
    }
    assert atom_titles[hostile_url] == HOSTILE_TITLE
    doc = json.loads(_get(site, "/en/feed.json", "application/feed+json"))
    item = next(i for i in doc["items"] if i["url"] == hostile_url)
    assert item["title"] == HOSTILE_TITLE
    assert HOSTILE_SCRIPT in item["content_text"]
    # The HTML is built here: the hostile text is in it as characters only.
    fragment = _markup_of(item["content_html"])
    assert not fragment.xpath("//script | //img | //*[@onerror]")
    assert HOSTILE_SCRIPT in fragment.text_content()
    # The javascript: original URL is never offered as a link.
    traversal = next(i for i in doc["items"] if i["url"] == _article_url(site, "traversal"))
    assert "external_url" not in traversal


def _xml(site: Site, path: str) -> Any:
    return etree.fromstring(_get(site, path, "application/xml"))


def test_sitemap_index_lists_edition_and_news_sitemaps(site: Site) -> None:
    index = _xml(site, "/sitemap.xml")
    assert index.tag == f"{SM}sitemapindex"
    locs = [s.findtext(f"{SM}loc") for s in index.findall(f"{SM}sitemap")]
    assert locs == [
        BASE + "/sitemaps/en-1.xml",
        BASE + "/sitemaps/es-1.xml",
        BASE + "/sitemaps/news.xml",
    ]
    english = _xml(site, "/sitemaps/en-1.xml")
    assert english.tag == f"{SM}urlset"
    urls = english.findall(f"{SM}url")
    assert 0 < len(urls) <= 50_000
    locs = [u.findtext(f"{SM}loc") for u in urls]
    assert len(set(locs)) == len(locs)
    assert all(loc.startswith(BASE + "/en/") and len(loc) < 2048 for loc in locs)
    assert BASE + "/en/" in locs and _article_url(site, "full") in locs
    for url in urls:
        lastmod = url.findtext(f"{SM}lastmod")
        if lastmod is not None:
            assert RFC3339.match(lastmod), lastmod
    spanish = [u.findtext(f"{SM}loc") for u in _xml(site, "/sitemaps/es-1.xml")]
    assert not any(f"/es/article/{site.ids['hostile']}-" in loc for loc in spanish)
    assert not any(f"/article/{site.ids['draft']}-" in loc for loc in spanish + locs)
    assert site.client.get("/sitemaps/en-2.xml").status_code == 404


def test_news_sitemap_holds_the_last_two_days(site: Site) -> None:
    news = _xml(site, "/sitemaps/news.xml")
    urls = news.findall(f"{SM}url")
    # Only the fresh article, once per edition; the others are from March.
    assert [u.findtext(f"{SM}loc") for u in urls] == [
        _article_url(site, "fresh"),
        _article_url(site, "fresh", "es"),
    ]
    for url in urls:
        item = url.find(f"{NEWS}news")
        assert item.findtext(f"{NEWS}publication/{NEWS}name") == "Test Wire"
        assert item.findtext(f"{NEWS}publication/{NEWS}language") in {"en", "es"}
        assert RFC3339.match(item.findtext(f"{NEWS}publication_date"))
        assert item.findtext(f"{NEWS}title")


def test_robots_txt_allows_pages_hides_search_and_names_the_sitemap(site: Site) -> None:
    body = _get(site, "/robots.txt", "text/plain").decode()
    robots = Protego.parse(body)
    assert robots.can_fetch(_article_url(site, "full"), "AnyBot")
    assert not robots.can_fetch(BASE + "/en/search/?q=x", "AnyBot")
    assert list(robots.sitemaps) == [BASE + "/sitemap.xml"]


def _page(site: Site, url: str) -> Any:
    response = site.client.get(url.removeprefix(BASE))
    assert response.status_code == 200
    return lxml_html.fromstring(response.text)


def test_article_metadata_json_ld_opengraph_and_hreflang(site: Site) -> None:
    url = _article_url(site, "full")
    doc = _page(site, url)
    blocks = doc.xpath("//script[@type='application/ld+json']/text()")
    assert len(blocks) == 1
    data = json.loads(blocks[0])
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "The government approves the budget"
    assert data["inLanguage"] == "en"
    assert data["url"] == url
    assert RFC3339.match(data["datePublished"]) and RFC3339.match(data["dateModified"])
    assert data["isBasedOn"]["url"] == "https://diari.example/budget"
    assert data["isBasedOn"]["inLanguage"] == "ca"
    # The translator is the site (an Organization, as schema.org asks); the engine is named.
    assert data["translator"]["@type"] == "Organization"
    assert data["translator"]["name"] == "Test Wire"
    assert data["translator"]["additionalProperty"]["value"] == "Apertium 3.8.3"
    assert "Apertium 3.8.3" in data["translator"]["description"]
    assert data["publisher"]["name"] == "Test Wire"
    meta = {(m.get("property") or m.get("name")): m.get("content") for m in doc.xpath("//meta")}
    assert meta["og:type"] == "article"
    assert meta["og:title"] == data["headline"]
    assert meta["og:url"] == url
    assert meta["twitter:card"] == "summary"
    assert meta["og:locale"] == "en_US"
    assert doc.xpath("//link[@rel='canonical']/@href") == [url]
    # hreflang alternates point both ways.
    spanish = _article_url(site, "full", "es")
    alternates = dict(
        zip(
            doc.xpath("//link[@hreflang]/@hreflang"),
            doc.xpath("//link[@hreflang]/@href"),
            strict=True,
        )
    )
    assert alternates == {"en": url, "es": spanish, "x-default": BASE + "/"}
    back = _page(site, spanish)
    assert url in back.xpath("//link[@hreflang='en']/@href")
    # Feeds are announced in the head.
    assert set(doc.xpath("//link[@rel='alternate'][@type]/@type")) == {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
    }


def test_json_ld_of_hostile_article_parses_and_cannot_close_its_element(site: Site) -> None:
    response = site.client.get(_article_url(site, "hostile").removeprefix(BASE))
    start = response.text.index('<script type="application/ld+json">')
    block = response.text[start:].split(">", 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block
    data = json.loads(block)
    assert data["headline"] == HOSTILE_TITLE[:110]
    # Escaped, still the engine's text.
    assert data["translator"]["additionalProperty"]["value"].startswith("<script>")


def test_original_language_article_has_no_translator(site: Site) -> None:
    doc = _page(site, _article_url(site, "original", "es"))
    data = json.loads(doc.xpath("//script[@type='application/ld+json']/text()")[0])
    assert "translator" not in data
    assert data["inLanguage"] == "es"


def test_static_build_writes_feeds_and_sitemaps(site: Site, tmp_path: Path) -> None:
    from babelwire.publish.static import build_site

    out = tmp_path / "public"
    build_site(site.newsroom, out, search_index=False)
    for path in ("en/feed.xml", "en/atom.xml", "es/feed.json", "en/section/economy/feed.xml"):
        assert (out / path).read_bytes() == site.client.get("/" + path).content, path
    for path in ("sitemap.xml", "sitemaps/en-1.xml", "sitemaps/es-1.xml", "robots.txt"):
        assert (out / path).is_file(), path


QUOTED_MARKUP = '<img src=x onerror="alert(5)"> and <script>alert(6)</script> & AT&T'


def _markup_of(fragment: str) -> Any:
    """`fragment` read as a feed reader reads an item's HTML."""
    return lxml_html.fragment_fromstring(fragment, create_parent="div")


def test_text_quoting_markup_stays_text_for_feed_readers(tmp_path: Path) -> None:
    """A page that quotes markup (`&lt;img onerror=...&gt;` in its source) has it as text;
    every feed hands it to readers as characters, never as an element."""
    config = Config.from_mapping(
        tmp_path,
        {
            "site": {"languages": ["en"], "title": "Quote & Co", "base_url": BASE},
            "database": {"url": "sqlite:///t.sqlite3"},
        },
    )
    newsroom = Newsroom.from_config(config)
    try:
        with newsroom.sessions.begin() as session:
            source = make_source(session, url="https://q.example/feed.xml", name="Quoter")
            article = make_article(
                session,
                source,
                url="https://q.example/a",
                title=QUOTED_MARKUP,
                blocks=[{"kind": "p", "text": QUOTED_MARKUP}],
                published_at=datetime.now(UTC),
                language="en",
                section="world",
            )
            make_translation(session, article, "en", "original")
        pages = SitePages.for_site(newsroom)
        rss = pages.feed("en", "rss")
        atom = pages.feed("en", "atom")
        feed_json = pages.feed("en", "json")
        assert rss is not None and atom is not None and feed_json is not None
    finally:
        newsroom.close()
    item = etree.fromstring(rss).find("channel/item")
    assert item is not None
    for name in ("title", "description", f"{{{CONTENT_NS}}}encoded"):
        fragment = _markup_of(item.findtext(name) or "")
        assert not fragment.xpath("//img | //script | //*[@onerror]"), name
        assert QUOTED_MARKUP in fragment.text_content(), name
    assert _markup_of(item.findtext("title") or "").text_content() == QUOTED_MARKUP
    channel_title = _markup_of(etree.fromstring(rss).findtext("channel/title") or "")
    assert channel_title.text_content() == "Quote & Co"
    # feedparser, as readers built on it do, takes RSS text as HTML: the text comes back.
    entry = feedparser.parse(rss).entries[0]
    assert entry.title_detail.type == "text/html"
    assert html.unescape(entry.summary).startswith(QUOTED_MARKUP + "\n\nWritten in English.")
    # Atom declares its title and summary text: the XML holds the characters themselves.
    atom_entry = etree.fromstring(atom).find(f"{ATOM}entry")
    assert atom_entry is not None
    for name in ("title", "summary"):
        element = atom_entry.find(f"{ATOM}{name}")
        assert element is not None and element.get("type") in (None, "text"), name
        assert (element.text or "").startswith(QUOTED_MARKUP), name
    content = atom_entry.find(f"{ATOM}content")
    assert content is not None and content.get("type") == "html"
    fragment = _markup_of(content.text or "")
    assert not fragment.xpath("//img | //script | //*[@onerror]")
    assert QUOTED_MARKUP in fragment.text_content()
    parsed = feedparser.parse(atom).entries[0]
    assert parsed.title_detail.type == "text/plain" and parsed.title == QUOTED_MARKUP
    # JSON Feed: the text as text, and as HTML built here with the text escaped.
    doc = json.loads(feed_json)
    assert doc["items"][0]["content_text"].endswith("\n\n" + QUOTED_MARKUP)
    fragment = _markup_of(doc["items"][0]["content_html"])
    assert not fragment.xpath("//img | //script | //*[@onerror]")
    assert doc["items"][0]["title"] == QUOTED_MARKUP
