"""Story and tag pages, the front page's top stories and the article page's links to
them, in serve mode and in static builds (full, incremental, after a takedown).

The organising stage fills stories and tags; these tests insert the rows directly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree
from lxml import html as lxml_html
from sqlalchemy import update
from starlette.testclient import TestClient

from babelwire.config import Config
from babelwire.jobs.takedown import take_down
from babelwire.newsroom import Newsroom
from babelwire.publish.pages import SitePages
from babelwire.publish.static import build_site_report
from babelwire.storage.published.articles import related_teasers
from babelwire.storage.published.stories import story_view
from babelwire.storage.stories import set_edited_headline
from babelwire.storage.tables import (
    ArticleRow,
    ArticleTagRow,
    StoryRow,
    TagRow,
    TranslationRow,
)
from babelwire.web.app import create_app
from tests.test_site import (
    HOSTILE_IMG,
    HOSTILE_SCRIPT,
    _article,
    _translation,
    add_source_row,
    populate_site,
)

BASE = "https://wire.example"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
HOSTILE_TAG = f"{HOSTILE_SCRIPT} Tag {HOSTILE_IMG}"


def populate_organised(newsroom: Newsroom, ids: dict[str, int]) -> dict[str, int]:
    """Stories and tags over `populate_site`'s articles, as the organising stage leaves them.

    - "budget": the Catalan budget article (central), an English report of it from a
      second source, and a hidden near-duplicate of that report from a third;
    - "strike": two reports from two sources, seen two hours ago;
    - "old": five sources, but last seen five days ago (not on the front page);
    - "lonely": one source only (not on the front page);
    - tags: "govern" (named per edition) on the budget reports and the strike,
      "anna-puig" (one name for all) on the budget article, "economy" on the 45
      economy articles (three pages), and a tag whose name is hostile text.
    """
    now = datetime.now(UTC)
    with newsroom.sessions.begin() as session:
        courier = add_source_row(session, "https://courier.example/feed", "Harbour Courier")
        faro = add_source_row(session, "https://faro.example/feed", "El Faro")
        copier = add_source_row(session, "https://copy.example/feed", "Copy Wire")

        def story(key: str, *, sources: int, seen: datetime) -> StoryRow:
            row = StoryRow(
                headline=f"headline of {key}",
                headline_language="en",
                first_seen=seen,
                last_seen=seen,
                article_count=sources,
                source_count=sources,
                languages=["ca", "en"],
                terms={},
                updated_at=seen,
            )
            session.add(row)
            session.flush()
            ids[f"story-{key}"] = row.id
            return row

        budget = story("budget", sources=3, seen=now - timedelta(minutes=10))
        strike = story("strike", sources=2, seen=now - timedelta(hours=2))
        old = story("old", sources=5, seen=now - timedelta(days=5))
        lonely = story("lonely", sources=1, seen=now)

        full = session.get(ArticleRow, ids["full"])
        assert full is not None
        full.story_id = budget.id
        budget.central_article_id = full.id
        report = _article(
            session,
            courier,
            "parliament-report",
            n=95,
            language="en",
            title="Parliament passes the spending plan",
            url="https://courier.example/budget",
            canonical_url="https://courier.example/budget",
            story_id=budget.id,
        )
        _translation(session, report, "en", status="original", title=report.title)
        _translation(session, report, "es", title="El Parlamento aprueba los presupuestos")
        ids["budget-report"] = report.id
        copy = _article(
            session,
            copier,
            "parliament-copy",
            n=96,
            language="en",
            title="Parliament passes the spending plan (copy)",
            url="https://copy.example/budget",
            canonical_url="https://copy.example/budget",
            first_published_at=None,
            duplicate_of=report.id,
            story_id=budget.id,
            stage="duplicate",
        )
        ids["budget-copy"] = copy.id

        for n, (source, key) in enumerate(((courier, "strike-1"), (faro, "strike-2"))):
            row = _article(
                session,
                source,
                key,
                n=10 + n,
                language="es",
                title=f"Huelga {n}",
                story_id=strike.id,
                url=f"https://x{n}.example/{key}",
                canonical_url=f"https://x{n}.example/{key}",
            )
            _translation(session, row, "en", title=f"Strike report {n}")
            _translation(session, row, "es", status="original", title=f"Huelga {n}")
            ids[key] = row.id
        strike.central_article_id = ids["strike-2"]

        for n, key in enumerate(("old-1", "lonely-1")):
            row = _article(
                session,
                faro,
                key,
                n=5 + n,
                story_id=(old if key.startswith("old") else lonely).id,
                url=f"https://faro.example/{key}",
                canonical_url=f"https://faro.example/{key}",
            )
            _translation(session, row, "en", title=f"Story {key}")
            ids[key] = row.id

        def tag(slug: str, name: str, names: dict[str, str], articles: list[int]) -> None:
            row = TagRow(slug=slug, kind="other", name=name, names=names, origin="gazetteer")
            session.add(row)
            session.flush()
            ids[f"tag-{slug}"] = row.id
            for article_id in articles:
                session.add(ArticleTagRow(article_id=article_id, tag_id=row.id, mentions=1))

        tag(
            "govern",
            "Govern",
            {"en": "Catalan government", "es": "Gobierno catalán"},
            [ids["full"], ids["budget-report"], ids["strike-1"]],
        )
        tag("anna-puig", "Anna Puig", {}, [ids["full"]])
        economy = [
            a.id
            for a in session.query(ArticleRow).filter(ArticleRow.section == "economy").all()
            if a.first_published_at is not None
        ]
        tag("economy", "Economy", {"es": "Economía"}, economy)
        tag("hostile", HOSTILE_TAG, {}, [ids["full"]])
        tag("Bad Slug/..", "Unsafe", {}, [ids["full"]])
    return ids


@dataclass
class Site:
    newsroom: Newsroom
    client: TestClient
    ids: dict[str, int]


def _newsroom(
    root: Path, database_url: str = "sqlite:///t.sqlite3"
) -> tuple[Newsroom, dict[str, int]]:
    root.mkdir(parents=True, exist_ok=True)
    config = Config.from_mapping(
        root,
        {
            "site": {
                "languages": ["en", "es"],
                "title": "Test Wire",
                "base_url": BASE,
                "page_size": 20,
            },
            "database": {"url": database_url},
        },
    )
    newsroom = Newsroom.from_config(config)
    ids = populate_organised(newsroom, populate_site(newsroom))
    return newsroom, ids


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    newsroom, ids = _newsroom(tmp_path_factory.mktemp("stories") / "site")
    with TestClient(create_app(newsroom)) as client:
        yield Site(newsroom, client, ids)
    newsroom.close()


def _get(site: Site, path: str, status: int = 200) -> Any:
    response = site.client.get(path, follow_redirects=False)
    assert response.status_code == status, (path, response.status_code)
    return lxml_html.fromstring(response.text)


def _text(element: Any) -> str:
    return " ".join(element.text_content().split())


def _article_path(site: Site, key: str, language: str = "en") -> str:
    path = SitePages.for_site(site.newsroom).article_url(language, site.ids[key])
    assert path is not None
    return path


def test_story_page_lists_every_report_with_its_source_and_original(site: Site) -> None:
    doc = _get(site, f"/en/story/{site.ids['story-budget']}/")
    # The central report is Catalan; the English report's own title leads in English.
    assert _text(doc.xpath("//h1")[0]) == "Parliament passes the spending plan"
    members = doc.xpath("//ul[contains(@class, 'story-members')]/li")
    assert len(members) == 3
    texts = [_text(m) for m in members]
    assert any("Diari Example" in t and "in Catalan" in t for t in texts)
    assert any("Harbour Courier" in t and "in English" in t for t in texts)
    copy = next(m for m in members if "Copy Wire" in _text(m))
    # The hidden near-duplicate: its original link only, nothing on this site.
    assert copy.xpath(".//a/@href") == ["https://copy.example/budget"]
    assert "not republished here" in _text(copy)
    # Reports shown here link to their page here and to their original.
    for key, original in (
        ("full", "https://diari.example/budget"),
        ("budget-report", "https://courier.example/budget"),
    ):
        member = next(m for m in members if _article_path(site, key) in m.xpath(".//a/@href"))
        assert original in member.xpath(".//a/@href")
    assert "Reported by 3 sources" in _text(doc.xpath("//main")[0])


def test_story_page_in_spanish_uses_the_spanish_headline(site: Site) -> None:
    # No report is written in Spanish: the central (Catalan) report's translation.
    doc = _get(site, f"/es/story/{site.ids['story-budget']}/")
    assert doc.getroottree().getroot().get("lang") == "es"
    assert _text(doc.xpath("//h1")[0]) == "El Gobierno aprueba el presupuesto"
    assert "Contada por 3 fuentes" in _text(doc.xpath("//main")[0])


def test_story_page_names_its_other_editions_and_x_default(site: Site) -> None:
    story = site.ids["story-budget"]
    doc = _get(site, f"/en/story/{story}/")
    alternates = dict(
        zip(
            doc.xpath("//link[@hreflang]/@hreflang"),
            doc.xpath("//link[@hreflang]/@href"),
            strict=True,
        )
    )
    base = site.newsroom.config.base_url
    assert alternates == {
        "en": f"{base}/en/story/{story}/",
        "es": f"{base}/es/story/{story}/",
        "x-default": f"{base}/",
    }


def test_unknown_story_and_tag_are_not_found(site: Site) -> None:
    _get(site, "/en/story/999999/", 404)
    _get(site, "/en/tag/no-such-tag/", 404)
    _get(site, "/en/tag/economy/page/9/", 404)
    _get(site, "/en/tag/economy/page/0/", 404)
    _get(site, "/en/tag/economy/page/1/", 404)
    _get(site, "/en/tag/economy/archive/2/", 404)
    _get(site, "/xx/story/1/", 404)


def test_tag_pages_are_named_per_edition_and_paginated(site: Site) -> None:
    doc = _get(site, "/en/tag/govern/")
    assert _text(doc.xpath("//h1")[0]) == "Catalan government"
    hrefs = doc.xpath("//main//a/@href")
    for key in ("full", "budget-report", "strike-1"):
        assert _article_path(site, key) in hrefs
    assert _text(_get(site, "/es/tag/govern/").xpath("//h1")[0]) == "Gobierno catalán"
    # No name for the edition: the tag's own name.
    assert _text(_get(site, "/es/tag/anna-puig/").xpath("//h1")[0]) == "Anna Puig"

    first = _get(site, "/en/tag/economy/")
    assert _text(first.xpath("//h1")[0]) == "Economy"
    assert len(first.xpath("//ul[contains(@class, 'teasers')]/li")) == 25  # 45 articles, 20 a page
    assert first.xpath("//link[@rel='next']/@href") == ["/en/tag/economy/page/2/"]
    second = _get(site, "/en/tag/economy/page/2/")
    assert len(second.xpath("//ul[contains(@class, 'teasers')]/li")) == 20
    assert second.xpath("//link[@rel='prev']/@href") == ["/en/tag/economy/"]
    assert second.xpath("//link[@rel='canonical']/@href") == [BASE + "/en/tag/economy/archive/1/"]
    archive = _get(site, "/en/tag/economy/archive/1/")
    assert _teaser_links(archive) == _teaser_links(second)
    assert archive.xpath("//link[@rel='prev']/@href") == ["/en/tag/economy/"]
    # The economy articles are English only: no Spanish tag page, and no link to one.
    _get(site, "/es/tag/economy/", 404)
    assert not first.xpath("//link[@hreflang='es']")
    assert doc.xpath("//link[@hreflang='es']/@href") == [BASE + "/es/tag/govern/"]


def _teaser_links(doc: lxml_html.HtmlElement) -> list[str]:
    return [str(h) for h in doc.xpath("//ul[contains(@class, 'teasers')]/li//a/@href")]


def test_tag_feeds_hold_only_the_tagged_articles(site: Site) -> None:
    rss = site.client.get("/en/tag/govern/feed.xml")
    assert rss.status_code == 200 and rss.headers["content-type"].startswith("application/rss+xml")
    parsed = feedparser.parse(rss.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.feed.title == "Catalan government · Test Wire"
    links = {entry.link for entry in parsed.entries}
    assert links == {BASE + _article_path(site, k) for k in ("full", "budget-report", "strike-1")}
    atom = feedparser.parse(site.client.get("/en/tag/govern/atom.xml").content)
    assert not atom.bozo and len(atom.entries) == 3
    feed = json.loads(site.client.get("/en/tag/govern/feed.json").content)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == BASE + "/en/tag/govern/feed.json"
    assert len(feed["items"]) == 3
    assert site.client.get("/en/tag/no-such-tag/feed.xml").status_code == 404
    # The tag page announces its own feeds.
    doc = _get(site, "/en/tag/govern/")
    assert "/en/tag/govern/feed.xml" in doc.xpath("//link[@rel='alternate']/@href")


def test_tag_and_story_pages_are_in_the_sitemaps(site: Site) -> None:
    index = etree.fromstring(site.client.get("/sitemap.xml").content)
    locs = [s.findtext(f"{SM}loc") for s in index.findall(f"{SM}sitemap")]
    assert BASE + "/sitemaps/en-tags.xml" in locs and BASE + "/sitemaps/es-tags.xml" in locs
    english = etree.fromstring(site.client.get("/sitemaps/en-tags.xml").content)
    urls = [u.findtext(f"{SM}loc") for u in english.findall(f"{SM}url")]
    assert BASE + "/en/tag/govern/" in urls and BASE + "/en/tag/economy/" in urls
    assert not any("Bad" in u for u in urls)
    spanish = etree.fromstring(site.client.get("/sitemaps/es-tags.xml").content)
    assert BASE + "/es/tag/economy/" not in [u.findtext(f"{SM}loc") for u in spanish]
    # Story pages have their own sitemap per edition.
    assert BASE + "/sitemaps/en-stories.xml" in locs
    stories = etree.fromstring(site.client.get("/sitemaps/en-stories.xml").content)
    story_urls = {u.findtext(f"{SM}loc") for u in stories.findall(f"{SM}url")}
    assert BASE + f"/en/story/{site.ids['story-budget']}/" in story_urls
    assert site.client.get("/sitemaps/xx-stories.xml").status_code == 404


def test_front_page_leads_with_the_biggest_recent_stories(site: Site) -> None:
    doc = _get(site, "/en/")
    top = doc.xpath("//section[contains(@class, 'top-stories')]")[0]
    headlines = [_text(a) for a in top.xpath(".//h3//a")]
    # Three sources ten minutes ago beat two sources two hours ago; the five-day-old
    # story and the one-source story are not top stories.
    assert headlines == ["Parliament passes the spending plan", "Strike report 1"]
    # The lead story: its headline, a standfirst from the report whose title it is and
    # how widely and in how many languages it is reported.
    lead = top.xpath(".//article[contains(@class, 'lead-story')]")[0]
    assert _text(lead.xpath(".//h3")[0]) == "Parliament passes the spending plan"
    assert _text(lead.xpath(".//p[@class='standfirst']")[0])
    assert "3 sources · 2 languages" in _text(lead.xpath(".//p[@class='meta']")[0])
    # Top stories first, then the sections.
    sections = doc.xpath("//main//section")
    assert sections[0] is top and len(sections) > 1
    assert all("front-section" in s.get("class") for s in sections[1:])
    spanish = _get(site, "/es/").xpath("//section[contains(@class, 'top-stories')]//h3//a")
    assert _text(spanish[0]) == "El Gobierno aprueba el presupuesto"


def test_article_page_links_its_tags_story_and_related_stories(site: Site) -> None:
    doc = _get(site, _article_path(site, "full"))
    assert _text(doc.xpath("//title")[0]) == "The government approves the budget · Test Wire"
    tag_links = doc.xpath("//nav[@class='tags']//a")
    assert [a.get("href") for a in tag_links] == [
        "/en/tag/anna-puig/",
        "/en/tag/govern/",
        "/en/tag/hostile/",
    ]
    assert _text(tag_links[1]) == "Catalan government"
    story = doc.xpath("//p[@class='story-link']/a")[0]
    assert story.get("href") == f"/en/story/{site.ids['story-budget']}/"
    assert _text(story) == "This story: 3 sources"
    # A one-source story gets no story link.
    lonely = _get(site, _article_path(site, "lonely-1"))
    assert not lonely.xpath("//p[@class='story-link']")


def test_related_stories_share_two_tags_with_the_article(tmp_path: Path) -> None:
    newsroom, ids = _newsroom(tmp_path / "site")
    try:
        related = "//aside[contains(@class, 'related-stories')]//a/@href"
        path = SitePages.for_site(newsroom).article_url("en", ids["full"])
        assert path is not None
        with TestClient(create_app(newsroom)) as client:
            # The strike, published earlier, names one of the budget article's tags.
            page = lxml_html.fromstring(client.get(path).text)
            assert page.xpath(related) == []
        with newsroom.sessions.begin() as session:
            tag = ids["tag-anna-puig"]
            session.add(ArticleTagRow(article_id=ids["strike-1"], tag_id=tag, mentions=1))
        with TestClient(create_app(newsroom)) as client:
            page = lxml_html.fromstring(client.get(path).text)
            assert page.xpath(related) == [f"/en/story/{ids['story-strike']}/"]
    finally:
        newsroom.close()


def test_hostile_tag_names_are_inert(site: Site) -> None:
    for path in ("/en/tag/hostile/", _article_path(site, "full"), "/en/tag/hostile/feed.xml"):
        body = site.client.get(path).text
        assert HOSTILE_SCRIPT not in body and HOSTILE_IMG not in body, path
    assert "Tag" in _text(_get(site, "/en/tag/hostile/").xpath("//h1")[0])


def _read(out: Path, path: str) -> str:
    return (out / path.strip("/") / "index.html").read_text(encoding="utf-8")


def test_static_build_writes_story_and_tag_pages_and_keeps_them_current(tmp_path: Path) -> None:
    newsroom, ids = _newsroom(tmp_path / "site")
    with newsroom.sessions.begin() as session:
        # Written long before any build here, as a site's archive is.
        long_ago = datetime(2026, 3, 2, tzinfo=UTC)
        session.execute(update(TranslationRow).values(updated_at=long_ago))
        session.execute(update(StoryRow).values(updated_at=long_ago))
    try:
        out = tmp_path / "public"
        pages = SitePages.for_site(newsroom)
        full = build_site_report(newsroom, out, search_index=False)
        assert full.full
        story_path = f"/en/story/{ids['story-budget']}/"
        assert "Parliament passes the spending plan" in _read(out, story_path)
        economy = out / "en" / "tag" / "economy"
        assert (economy / "page" / "2" / "index.html").is_file()
        assert (economy / "archive" / "1" / "index.html").is_file()
        assert (out / "en" / "tag" / "govern" / "feed.xml").is_file()
        assert (out / "sitemaps" / "en-tags.xml").is_file()
        assert story_path in (out / "sitemaps" / "en-stories.xml").read_text(encoding="utf-8")
        assert not (out / "es" / "tag" / "economy").exists()
        front = _read(out, "/en/")
        assert f'href="{story_path}"' in front
        # Every internal link resolves, the story and tag pages' included; hostile tag
        # names are inert.
        linked = set()
        for page in out.rglob("*.html"):
            doc = lxml_html.fromstring(page.read_bytes())
            assert not doc.xpath("//*[@onerror] | //img"), page
            for href in doc.xpath("//a/@href | //link/@href"):
                href = href.removeprefix(BASE) if href.startswith(BASE) else href
                if href.startswith("/") and not href.startswith(("//", "/pagefind/")):
                    path = href.split("?")[0]
                    target = out / path.lstrip("/")
                    target = target / "index.html" if path.endswith("/") else target
                    assert target.is_file(), (page.relative_to(out).as_posix(), href)
                    linked.add(path)
        assert story_path in linked and "/en/tag/govern/" in linked
        assert "/es/tag/govern/feed.xml" in linked
        # A full build reads each edition's neighbours and tags at once: its article
        # pages are the ones rendered one by one.
        static_pages = SitePages.for_site(newsroom, static=True)
        for key in ("full", "strike-1", "budget-report", "lonely-1"):
            ((path, html), *_rest) = static_pages.article_pages("en", ids[key])
            assert _read(out, path) == html, key

        # A new report joins the budget story and names "govern".
        now = datetime.now(UTC)
        with newsroom.sessions.begin() as session:
            source = add_source_row(session, "https://gazette.example/feed", "Gazette")
            row = _article(
                session,
                source,
                "budget-late",
                n=0,
                language="en",
                title="Budget: what it means",
                url="https://gazette.example/budget",
                canonical_url="https://gazette.example/budget",
                first_published_at=now,
                story_id=ids["story-budget"],
            )
            _translation(session, row, "en", status="original", title=row.title)
            session.add(ArticleTagRow(article_id=row.id, tag_id=ids["tag-govern"], mentions=2))
            fresh = TagRow(slug="budget-office", kind="org", name="Budget Office", names={})
            session.add(fresh)
            session.flush()
            session.add(ArticleTagRow(article_id=row.id, tag_id=fresh.id, mentions=1))
            story = session.get(StoryRow, ids["story-budget"])
            assert story is not None
            story.source_count, story.last_seen, story.updated_at = 4, now, now
            late = row.id
        report = build_site_report(newsroom, out, search_index=False)
        assert not report.full and report.articles_changed == 1
        assert "Budget: what it means" in _read(out, story_path)
        assert "Budget: what it means" in _read(out, "/en/tag/govern/")
        assert "Budget: what it means" in _read(out, "/en/tag/budget-office/")
        tag_map = (out / "sitemaps" / "en-tags.xml").read_text(encoding="utf-8")
        assert "/en/tag/budget-office/" in tag_map
        assert "Budget: what it means" in (out / "en" / "tag" / "govern" / "feed.xml").read_text()
        # The other reports' pages now say four sources.
        assert "This story: 4 sources" in _read(out, pages.article_url("en", ids["full"]) or "")

        # A takedown removes it from the story page and the tag page.
        take_down(newsroom, str(late), "Removal requested")
        build_site_report(newsroom, out, search_index=False)
        assert "Budget: what it means" not in _read(out, story_path)
        assert "Budget: what it means" not in _read(out, "/en/tag/govern/")
        assert not (out / "en" / "tag" / "budget-office").exists()  # it named nothing else
        assert "This story: 3 sources" in _read(out, pages.article_url("en", ids["full"]) or "")

        # A story whose last shown report is taken down loses its page.
        take_down(newsroom, str(ids["lonely-1"]), "Removal requested")
        build_site_report(newsroom, out, search_index=False)
        assert not (out / "en" / "story" / str(ids["story-lonely"])).exists()
    finally:
        newsroom.close()


def test_takedown_leaves_story_and_tag_pages_in_serve_mode(
    tmp_path: Path, database_url: str
) -> None:
    newsroom, ids = _newsroom(tmp_path / "site", database_url)
    try:
        with TestClient(create_app(newsroom)) as client:
            story_path = f"/en/story/{ids['story-budget']}/"
            assert "Parliament passes the spending plan" in client.get(story_path).text
            front = lxml_html.fromstring(client.get("/en/").text)
            top = front.xpath("//section[contains(@class, 'top-stories')]//h3//a/@href")
            assert top == [story_path, f"/en/story/{ids['story-strike']}/"]
            article = client.get(f"/en/article/{ids['full']}/", follow_redirects=True).text
            assert "/en/tag/govern/" in article
            assert client.get("/en/tag/economy/page/2/").status_code == 200
            take_down(newsroom, str(ids["budget-report"]), "Removal requested")
            story = client.get(story_path).text
            assert "Harbour Courier" not in story and "courier.example/budget" not in story
            assert "Copy Wire" in story  # another outlet's copy of it is not taken down
            assert "Parliament passes the spending plan" not in client.get("/en/tag/govern/").text
            assert (
                "Parliament passes the spending plan"
                not in client.get("/en/tag/govern/feed.xml").text
            )
    finally:
        newsroom.close()


def test_a_headline_a_person_wrote_beats_the_native_report(tmp_path: Path) -> None:
    newsroom, ids = _newsroom(tmp_path / "site")
    story = ids["story-budget"]
    with newsroom.sessions() as session:
        view = story_view(session, "en", story)
        assert view is not None and view.headline == "Parliament passes the spending plan"
        assert not view.headline_by_person
    with newsroom.sessions.begin() as session:
        set_edited_headline(session, story, "en", "Budget passes", "editor", datetime.now(UTC))
    with newsroom.sessions() as session:
        view = story_view(session, "en", story)
        assert view is not None and view.headline == "Budget passes"
        assert view.headline_by_person
        spanish = story_view(session, "es", story)
        assert spanish is not None and spanish.headline == "El Gobierno aprueba el presupuesto"


def test_related_articles_come_from_the_story_or_two_shared_tags(tmp_path: Path) -> None:
    newsroom, ids = _newsroom(tmp_path / "site")
    full, report = ids["full"], ids["budget-report"]
    with newsroom.sessions() as session:
        # The two budget reports are one story: the later one lists the earlier one.
        lists = {
            article: [t.id for t in related_teasers(session, "en", article)]
            for article in (full, report)
        }
        assert full in lists[report] or report in lists[full]
        # The strike shares one tag (the Catalan government) with the budget: unrelated.
        strike = ids["strike-1"]
        assert strike not in lists[full] and strike not in lists[report]
        assert full not in [t.id for t in related_teasers(session, "en", strike)]
    with newsroom.sessions.begin() as session:
        session.add(ArticleTagRow(article_id=strike, tag_id=ids["tag-anna-puig"], mentions=1))
    with newsroom.sessions() as session:
        # A second shared name (Anna Puig) makes them related, whichever came first.
        either = [t.id for t in related_teasers(session, "en", strike)] + [
            t.id for t in related_teasers(session, "en", full)
        ]
        assert full in either or strike in either
