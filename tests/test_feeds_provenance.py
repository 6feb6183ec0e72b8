"""Every feed item says where its text comes from, as the article page does.

RSS 2.0 and Atom are validated against RELAX NG schemas (tests/schemas: RFC 4287's
Atom schema, and one written from the RSS 2.0 specification), JSON Feed 1.1 against
a JSON Schema written from its specification; then a translated, a revised and an
original article are read back from each format: the notice, the original's link,
the author, the categories and the whole text. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from lxml import etree
from lxml import html as lxml_html
from starlette.testclient import TestClient

from babelwire.config import Config
from babelwire.newsroom import Newsroom
from babelwire.publish.metadata import og_locale
from babelwire.publish.pages import SitePages
from babelwire.storage.tables import ArticleTagRow, StoryRow, TagRow
from babelwire.web.app import create_app
from tests.factory import make_article, make_source, make_translation

BASE = "https://wire.example"
SCHEMAS = Path(__file__).parent / "schemas"
ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
BODY = [
    {"kind": "p", "text": "First paragraph."},
    {"kind": "h", "text": "A heading"},
    {"kind": "p", "text": "Last paragraph <b>quoted</b>."},
]
NOTICES = {
    "translated": "Translated automatically from Catalan by Apertium 3.8.3; "
    "not edited by a person.",
    "revised": "Translated automatically from Catalan by Apertium 3.8.3; revised by a person.",
    "original": "Written in English.",
}
SPANISH_NOTICE = "Traducido automáticamente del catalán por Apertium 3.8.3; " + (
    "ninguna persona lo ha revisado."
)


@dataclass
class Feeds:
    pages: SitePages
    ids: dict[str, int]
    newsroom: Newsroom


@pytest.fixture
def feeds(database_url: str, tmp_path: Path) -> Iterator[Feeds]:
    config = Config.from_mapping(
        tmp_path,
        {
            "site": {"languages": ["en", "es"], "title": "Test Wire", "base_url": BASE},
            "database": {"url": database_url},
        },
    )
    newsroom = Newsroom.from_config(config)
    now = datetime.now(UTC)
    ids: dict[str, int] = {}
    try:
        with newsroom.sessions.begin() as session:
            catalan = make_source(session, url="https://diari.example/feed", name="Diari")
            english = make_source(session, url="https://daily.example/feed", name="Daily")
            tag = TagRow(slug="barcelona", kind="place", name="Barcelona", names={})
            story = StoryRow(headline="Budget vote", headline_language="en", source_count=2)
            session.add_all([tag, story])
            session.flush()
            ids["story"] = story.id
            ids["diari"], ids["daily"] = catalan.id, english.id
            for n, key in enumerate(("translated", "revised", "original")):
                source = english if key == "original" else catalan
                article = make_article(
                    session,
                    source,
                    url=f"https://{key}.example/story",
                    title=f"{key} story",
                    blocks=BODY,
                    language="en" if key == "original" else "ca",
                    section="politics",
                    author="Anna Puig" if key != "original" else "",
                    image="https://img.example/1.jpg" if key == "translated" else "",
                    published_at=now - timedelta(hours=n + 1),
                    story_id=None if key == "revised" else story.id,
                )
                if key == "original":
                    make_translation(session, article, "en", "original", blocks=BODY)
                else:
                    make_translation(
                        session,
                        article,
                        "en",
                        blocks=BODY,
                        revised_by="editor" if key == "revised" else None,
                        revised_at=now if key == "revised" else None,
                    )
                    make_translation(session, article, "es", blocks=BODY)
                session.add(ArticleTagRow(article_id=article.id, tag_id=tag.id, mentions=1))
                ids[key] = article.id
        yield Feeds(SitePages.for_site(newsroom), ids, newsroom)
    finally:
        newsroom.close()


def _feed(feeds: Feeds, kind: str, language: str = "en") -> bytes:
    body = feeds.pages.feed(language, kind)
    assert body is not None
    return body


def _article_url(feeds: Feeds, key: str, language: str = "en") -> str:
    path = feeds.pages.article_url(language, feeds.ids[key])
    assert path is not None
    return BASE + path


def _schema(name: str) -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMAS / name)))


def _html_text(fragment: str) -> Any:
    return lxml_html.fragment_fromstring(fragment, create_parent="div")


def _check_content(feeds: Feeds, key: str, markup: str) -> None:
    """The item's HTML: the notice and the original's link first, then the whole text,
    with nothing of the source's text read as markup."""
    doc = _html_text(markup)
    first = doc[0]
    assert NOTICES[key] in first.text_content()
    assert first.xpath(".//a/@href") == [f"https://{key}.example/story"]
    text = doc.text_content()
    for block in BODY:
        assert block["text"] in text
    assert not doc.xpath("//b")  # "<b>" in the source's text stays text


def test_rss_feed_is_valid_and_each_item_says_where_it_comes_from(feeds: Feeds) -> None:
    raw = _feed(feeds, "rss")
    root = etree.fromstring(raw)
    schema = _schema("rss2.rng")
    assert schema.validate(root), schema.error_log
    channel = root.find("channel")
    assert channel is not None
    # The channel links to the edition's page; the feed names itself with atom:link.
    assert channel.findtext("link") == BASE + "/en/"
    assert channel.find(f"{ATOM}link[@rel='self']").get("href") == BASE + "/en/feed.xml"
    items = {item.findtext("link"): item for item in channel.findall("item")}
    for key, notice in NOTICES.items():
        item = items[_article_url(feeds, key)]
        assert notice in (item.findtext("description") or "")
        source = item.find("source")
        assert source is not None and source.get("url") == f"https://{key}.example/story"
        assert item.findtext(DC_CREATOR) == ("Daily" if key == "original" else "Anna Puig")
        assert [c.text for c in item.findall("category")] == ["Politics", "Barcelona"]
        _check_content(feeds, key, item.findtext(CONTENT) or "")


def test_section_feed_channel_links_to_the_section(feeds: Feeds) -> None:
    body = feeds.pages.feed("en", "rss", "politics")
    assert body is not None
    channel = etree.fromstring(body).find("channel")
    assert channel is not None
    assert channel.findtext("link") == BASE + "/en/section/politics/"


def test_atom_feed_is_valid_and_each_entry_says_where_it_comes_from(feeds: Feeds) -> None:
    root = etree.fromstring(_feed(feeds, "atom"))
    schema = _schema("atom.rng")
    assert schema.validate(root), schema.error_log
    entries = {
        e.find(f"{ATOM}link[@rel='alternate']").get("href"): e for e in root.findall(f"{ATOM}entry")
    }
    for key, notice in NOTICES.items():
        entry = entries[_article_url(feeds, key)]
        assert notice in (entry.findtext(f"{ATOM}summary") or "")
        via = entry.find(f"{ATOM}link[@rel='via']")
        assert via is not None and via.get("href") == f"https://{key}.example/story"
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == (
            "Daily" if key == "original" else "Anna Puig"
        )
        terms = [c.get("term") for c in entry.findall(f"{ATOM}category")]
        assert terms == ["politics", "barcelona"]
        content = entry.find(f"{ATOM}content")
        assert content is not None and content.get("type") == "html"
        _check_content(feeds, key, content.text or "")


def test_json_feed_is_valid_and_each_item_says_where_it_comes_from(feeds: Feeds) -> None:
    doc = json.loads(_feed(feeds, "json"))
    schema = json.loads((SCHEMAS / "jsonfeed-1.1.json").read_text())
    jsonschema.validate(doc, schema, format_checker=jsonschema.FormatChecker())
    items = {item["url"]: item for item in doc["items"]}
    for key, notice in NOTICES.items():
        item = items[_article_url(feeds, key)]
        assert item["external_url"] == f"https://{key}.example/story"
        assert item["authors"] == [{"name": "Daily" if key == "original" else "Anna Puig"}]
        assert item["tags"] == ["Politics", "Barcelona"]
        assert item["summary"].endswith(notice)
        assert item["_babelwire"]["notice"] == notice
        assert item["_babelwire"]["revised_by_person"] is (key == "revised")
        _check_content(feeds, key, item["content_html"])
        # The whole text, not only the first paragraph, after the notice.
        text = item["content_text"]
        assert text.startswith(notice)
        assert f"https://{key}.example/story" in text
        assert all(block["text"] in text for block in BODY)
    # The source's own image address is never linked: a picture is named only once this
    # site has fetched and stored it (tests/test_pictures.py).
    assert "image" not in items[_article_url(feeds, "translated")]


def test_a_feed_says_it_in_the_editions_language(feeds: Feeds) -> None:
    doc = json.loads(_feed(feeds, "json", "es"))
    item = next(i for i in doc["items"] if i["url"] == _article_url(feeds, "translated", "es"))
    assert item["_babelwire"]["notice"] == SPANISH_NOTICE
    assert item["content_text"].startswith(SPANISH_NOTICE + " Original: ")
    assert item["tags"][0] == "Política"


def test_a_schema_refuses_what_the_format_refuses(feeds: Feeds) -> None:
    """The schemas are not so loose that anything passes."""
    rss = etree.fromstring(_feed(feeds, "rss"))
    channel = rss.find("channel")
    assert channel is not None
    channel.remove(channel.find("link"))
    assert not _schema("rss2.rng").validate(rss)
    atom = etree.fromstring(_feed(feeds, "atom"))
    entry = atom.find(f"{ATOM}entry")
    assert entry is not None
    entry.remove(entry.find(f"{ATOM}id"))
    assert not _schema("atom.rng").validate(atom)
    doc = json.loads(_feed(feeds, "json"))
    del doc["items"][0]["id"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, json.loads((SCHEMAS / "jsonfeed-1.1.json").read_text()))


NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_news_sitemap_counts_two_days_from_the_sources_date(feeds: Feeds) -> None:
    """An article the source published five days ago is old news, however recently this
    site published it; one with no date at its source counts from when this site did."""
    now = datetime.now(UTC)
    with feeds.newsroom.sessions.begin() as session:
        source = make_source(session, url="https://late.example/feed", name="Late")
        stale = make_article(
            session,
            source,
            url="https://late.example/old",
            language="en",
            section="politics",
            published_at=now - timedelta(days=5),
            first_published_at=now - timedelta(minutes=5),
        )
        make_translation(session, stale, "en", "original")
        undated = make_article(
            session,
            source,
            url="https://late.example/undated",
            language="en",
            section="politics",
            published_at=None,
            first_published_at=now - timedelta(hours=3),
        )
        make_translation(session, undated, "en", "original")
        stale_id, undated_id = stale.id, undated.id
    root = etree.fromstring(feeds.pages.news_sitemap(now))
    shown = {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{NEWS}news/{NEWS}publication/{NEWS}language")
        for url in root.findall(f"{SITEMAP}url")
    }
    assert f"/en/article/{stale_id}-" not in " ".join(shown)
    assert any(f"/en/article/{undated_id}-" in loc for loc in shown)
    assert shown[_article_url(feeds, "translated")] == "en"
    assert shown[_article_url(feeds, "translated", "es")] == "es"


def test_tag_pages_name_their_other_editions_and_x_default(feeds: Feeds) -> None:
    page = feeds.pages.tag("en", "barcelona")
    assert page is not None
    doc = lxml_html.fromstring(page)
    alternates = dict(
        zip(
            doc.xpath("//link[@hreflang]/@hreflang"),
            doc.xpath("//link[@hreflang]/@href"),
            strict=True,
        )
    )
    assert alternates == {
        "en": BASE + "/en/tag/barcelona/",
        "es": BASE + "/es/tag/barcelona/",
        "x-default": BASE + "/",
    }


def test_og_locale_is_a_full_locale() -> None:
    assert [og_locale(c) for c in ("es", "en", "ca", "fr", "pt-BR")] == [
        "es_ES",
        "en_US",
        "ca_ES",
        "fr_FR",
        "pt_BR",
    ]


def test_json_ld_names_no_image_the_site_has_not_stored(feeds: Feeds) -> None:
    page = feeds.pages.article("en", feeds.ids["translated"])
    assert page is not None
    data = json.loads(
        lxml_html.fromstring(page).xpath("//script[@type='application/ld+json']/text()")[0]
    )
    assert "image" not in data  # only a picture stored here is named (test_pictures.py)
    assert "logo" not in data["publisher"]  # no logo setting: none is invented


def test_empty_sections_are_left_out_of_the_menu_and_the_sitemap(feeds: Feeds) -> None:
    from babelwire.publish.build_state import fingerprint

    sitemap = etree.fromstring(feeds.pages.sitemap("en", 1) or b"")
    locs = {url.findtext(f"{SITEMAP}loc") for url in sitemap.findall(f"{SITEMAP}url")}
    assert BASE + "/en/section/politics/" in locs
    assert BASE + "/en/section/science/" not in locs
    front = lxml_html.fromstring(feeds.pages.front("en") or "")
    assert front.xpath("//nav//a[@href='/en/section/politics/']")
    assert not front.xpath("//nav//a[@href='/en/section/science/']")
    # A section's first article puts it in every page's menu: a static build is full.
    before = fingerprint(feeds.pages)
    with feeds.newsroom.sessions.begin() as session:
        source = make_source(session, url="https://lab.example/feed", name="Lab")
        article = make_article(session, source, language="en", section="science")
        make_translation(session, article, "en", "original")
    assert fingerprint(feeds.pages) != before
    front = lxml_html.fromstring(feeds.pages.front("en") or "")
    assert front.xpath("//nav//a[@href='/en/section/science/']")


def _items(body: bytes | None) -> list[str]:
    assert body is not None
    root = etree.fromstring(body)
    assert _schema("rss2.rng").validate(root)
    return [item.findtext("link") or "" for item in root.iter("item")]


def test_a_source_and_a_story_have_feeds_of_their_own(feeds: Feeds) -> None:
    diari, story = feeds.ids["diari"], feeds.ids["story"]
    source_feed = feeds.pages.feed("en", "rss", source_id=diari)
    assert sorted(_items(source_feed)) == sorted(
        _article_url(feeds, key) for key in ("translated", "revised")
    )
    assert source_feed is not None
    channel = etree.fromstring(source_feed).find("channel")
    assert channel is not None
    assert channel.findtext("link") == f"{BASE}/en/source/{diari}/"
    assert (channel.findtext("title") or "").startswith("Diari · ")
    # The story's feed: its reports in this edition, each with its notice.
    story_feed = feeds.pages.feed("es", "atom", story_id=story)
    assert story_feed is not None
    root = etree.fromstring(story_feed)
    assert _schema("atom.rng").validate(root), _schema("atom.rng").error_log
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1  # the English original has no Spanish translation here
    assert SPANISH_NOTICE in (entries[0].findtext(f"{ATOM}content") or "")
    english = json.loads(feeds.pages.feed("en", "json", story_id=story) or b"{}")
    assert sorted(item["url"] for item in english["items"]) == sorted(
        _article_url(feeds, key) for key in ("translated", "original")
    )
    assert english["home_page_url"] == f"{BASE}/en/story/{story}/"
    # No such source or story, or one the edition does not show: no feed.
    assert feeds.pages.feed("en", "rss", source_id=diari + 100) is None
    assert feeds.pages.feed("en", "rss", story_id=story + 100) is None
    assert feeds.pages.feed("es", "rss", source_id=feeds.ids["daily"]) is None


def test_source_and_story_pages_name_their_feeds_and_a_build_writes_them(
    feeds: Feeds, tmp_path: Path
) -> None:
    from babelwire.publish.static import build_site

    diari, story = feeds.ids["diari"], feeds.ids["story"]
    for page, path in (
        (feeds.pages.source("en", diari), f"/en/source/{diari}/"),
        (feeds.pages.story("en", story), f"/en/story/{story}/"),
    ):
        assert page is not None
        doc = lxml_html.fromstring(page)
        links = doc.xpath("//head/link[@rel='alternate'][@type='application/rss+xml']/@href")
        assert links == [path + "feed.xml"]
    out = tmp_path / "public"
    build_site(feeds.newsroom, out, search_index=False)
    for path, body in (
        (f"en/source/{diari}/feed.xml", feeds.pages.feed("en", "rss", source_id=diari)),
        (f"en/story/{story}/atom.xml", feeds.pages.feed("en", "atom", story_id=story)),
        (f"es/story/{story}/feed.json", feeds.pages.feed("es", "json", story_id=story)),
    ):
        assert body is not None
        assert (out / path).read_bytes() == body, path
    assert not (out / f"es/source/{feeds.ids['daily']}").exists()
    # The served site answers the same paths with the same documents.
    with TestClient(create_app(feeds.newsroom)) as client:
        for path in (f"en/source/{diari}/feed.xml", f"es/story/{story}/feed.json"):
            response = client.get("/" + path)
            assert response.status_code == 200, path
            assert response.content == (out / path).read_bytes(), path
        assert client.get(f"/en/story/{story + 100}/feed.xml").status_code == 404
        assert client.get(f"/es/source/{feeds.ids['daily']}/atom.xml").status_code == 404
