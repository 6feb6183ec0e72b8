"""The public site: pages through the ASGI app in-process, and the static export."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html
from starlette.testclient import TestClient

from babelwire.config import Config
from babelwire.jobs.takedown import take_down
from babelwire.newsroom import Newsroom
from babelwire.publish.output_folder import BuildRefusedError
from babelwire.publish.pages import SitePages
from babelwire.publish.paths import slugify, url_for_article
from babelwire.publish.static import build_site
from babelwire.publish.wording import direction, translation_notice
from babelwire.storage.published.views import ArticleView
from babelwire.storage.tables import ArticleRow, SourceRow, TranslationRow
from babelwire.web.app import create_app
from tests.factory import make_article, make_source, make_translation

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_IMG = '<img src=x onerror="alert(2)">'
HOSTILE_TITLE = f"{HOSTILE_SCRIPT} Hostile {HOSTILE_IMG} ]]> <![CDATA[x]]>"
PAGE_SIZE = 20
ECONOMY_ARTICLES = 45
SITE_URL = "https://wire.example"


@dataclass
class Site:
    newsroom: Newsroom
    client: TestClient
    ids: dict[str, int]


def _article(session: Any, source: SourceRow, key: str, *, n: int, **overrides: Any) -> ArticleRow:
    values: dict[str, Any] = {
        "url": f"https://diari.example/{key}?utm=feed",
        "canonical_url": f"https://diari.example/{key}",
        "title": f"Original {key}",
        "blocks": [{"kind": "p", "text": f"Text {key}"}],
        "first_published_at": T0 + timedelta(minutes=n),
        "language": "es",
        "section": "politics",
    }
    values.update(overrides)
    return make_article(session, source, **values)


def _translation(
    session: Any, article: ArticleRow, language: str, status: str = "translated", **overrides: Any
) -> TranslationRow:
    return make_translation(session, article, language, status, **overrides)


def add_source_row(session: Any, url: str, name: str) -> SourceRow:
    """A followed source, flushed so that it has an id."""
    return make_source(session, url=url, name=name)


def populate_site(newsroom: Newsroom) -> dict[str, int]:
    ids: dict[str, int] = {}
    with newsroom.sessions.begin() as session:
        source = add_source_row(session, "https://diari.example/feed.xml", "Diari Example")

        # A Catalan article translated into both editions, with a structured body.
        full = _article(
            session,
            source,
            "budget",
            n=100,
            language="ca",
            title="El Govern aprova el pressupost",
            author="Anna Puig",
            updated_at=T0 + timedelta(hours=5),
        )
        _translation(
            session,
            full,
            "en",
            title="The government approves the budget",
            blocks=[
                {"kind": "p", "text": "The budget was approved on Tuesday."},
                {"kind": "h", "text": "What changes"},
                {"kind": "li", "text": "More money for schools"},
                {"kind": "li", "text": "Fewer taxes"},
                {"kind": "p", "text": "The opposition voted against."},
                {"kind": "quote", "text": "It is a good day, said the minister."},
            ],
        )
        _translation(session, full, "es", title="El Gobierno aprueba el presupuesto")
        ids["full"] = full.id

        # Hostile text in every field a source or engine controls; skipped in Spanish.
        hostile = _article(
            session,
            source,
            "hostile",
            n=90,
            title=f"{HOSTILE_SCRIPT} original",
            author=HOSTILE_IMG,
        )
        _translation(
            session,
            hostile,
            "en",
            title=HOSTILE_TITLE,
            blocks=[
                {"kind": "h", "text": HOSTILE_IMG},
                {"kind": "p", "text": f"{HOSTILE_SCRIPT} body"},
                {"kind": "li", "text": HOSTILE_IMG},
                {"kind": "quote", "text": HOSTILE_SCRIPT},
            ],
            engine=f"{HOSTILE_SCRIPT}",
        )
        _translation(session, hostile, "es", status="skipped", reason="too short")
        ids["hostile"] = hostile.id

        # A title that tries to climb out of the export folder; an unsafe original URL.
        traversal = _article(
            session,
            source,
            "traversal",
            n=80,
            url="javascript:alert(3)",
            canonical_url="javascript:alert(4)",
        )
        _translation(session, traversal, "en", title="../../../../etc/passwd\\..\\evil")
        ids["traversal"] = traversal.id

        # A Spanish article shown as is in the Spanish edition.
        original = _article(session, source, "original", n=70, title="Noticia en español")
        _translation(session, original, "es", status="original", title="Noticia en español")
        ids["original"] = original.id

        # Never published: not visible anywhere.
        draft = _article(
            session, source, "draft", n=60, stage="translated", first_published_at=None
        )
        _translation(session, draft, "en", title="Draft")
        ids["draft"] = draft.id

        # Enough economy articles for three pages.
        for i in range(ECONOMY_ARTICLES):
            row = _article(session, source, f"economy-{i}", n=i, section="economy")
            _translation(session, row, "en", title=f"Economy story {i}")
    return ids


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("site")
    config = Config.from_mapping(
        root,
        {
            "site": {
                "languages": ["en", "es"],
                "title": "Test Wire",
                "base_url": "https://wire.example",
                "contact": "corrections@wire.example",
                "page_size": PAGE_SIZE,
            },
            "database": {"url": "sqlite:///t.sqlite3"},
        },
    )
    newsroom = Newsroom.from_config(config)
    ids = populate_site(newsroom)
    with TestClient(create_app(newsroom)) as client:
        yield Site(newsroom, client, ids)
    newsroom.close()


def _get(site: Site, path: str, status: int = 200) -> Any:
    response = site.client.get(path, follow_redirects=False)
    assert response.status_code == status, (path, response.status_code)
    assert response.headers["content-type"].startswith("text/html")
    return lxml_html.fromstring(response.text)


def _article_path(site: Site, key: str, language: str = "en") -> str:
    pages = SitePages.for_site(site.newsroom)
    path = pages.article_url(language, site.ids[key])
    assert path is not None
    return path


def _text(element: Any) -> str:
    return " ".join(element.text_content().split())


JSON_LD_OPEN = '<script type="application/ld+json">'


def _without_json_ld(page: str) -> tuple[str, str]:
    """The page with its JSON-LD block cut out, and that block's text."""
    if JSON_LD_OPEN not in page:
        return page, ""
    before, _, rest = page.partition(JSON_LD_OPEN)
    data, _, after = rest.partition("</script>")
    return before + after, data


def test_article_page_carries_attribution_notice_and_structure(site: Site) -> None:
    path = _article_path(site, "full")
    assert path == f"/en/article/{site.ids['full']}-the-government-approves-the-budget/"
    doc = _get(site, path)

    root = doc.getroottree().getroot()
    assert root.get("lang") == "en"
    assert root.get("dir") == "ltr"
    for landmark in ("header", "nav", "main", "article", "footer"):
        assert doc.xpath(f"//{landmark}"), landmark
    assert doc.xpath("//main[@id]")

    h1 = doc.xpath("//h1")
    assert len(h1) == 1
    assert _text(h1[0]) == "The government approves the budget"

    section_links = doc.xpath("//article//a[@href='/en/section/politics/']")
    assert section_links and _text(section_links[0]) == "Politics"

    times = doc.xpath("//article//time/@datetime")
    assert (T0 + timedelta(minutes=100)).strftime("%Y-%m-%dT%H:%M:%SZ") in times
    updated = doc.xpath("//*[contains(@class, 'updated')]")
    assert updated and "Updated" in _text(updated[0])
    assert updated[0].xpath(".//time/@datetime") == ["2026-03-01T17:00:00Z"]

    source = doc.xpath("//a[normalize-space()='Diari Example']")
    assert source and source[0].get("href") == "https://diari.example/budget"
    assert "Anna Puig" in _text(doc.xpath("//article")[0])

    body = doc.xpath("//article//div[@class='body']")[0]
    assert [_text(h) for h in body.xpath(".//h2")] == ["What changes"]
    lists = body.xpath(".//ul")
    assert len(lists) == 1
    assert [_text(li) for li in lists[0].xpath("./li")] == ["More money for schools", "Fewer taxes"]
    assert [_text(q) for q in body.xpath(".//blockquote")] == [
        "It is a good day, said the minister."
    ]
    assert len(body.xpath("./p")) == 2

    notice = doc.xpath("//*[contains(@class, 'notice')]")[0]
    assert _text(notice) == (
        "Translated automatically from Catalan by Apertium 3.8.3; not edited by a person. "
        "Original: El Govern aprova el pressupost"
    )
    assert notice.xpath(".//a/@href") == ["https://diari.example/budget"]
    assert notice.xpath(".//a/@lang") == ["ca"]

    other = doc.xpath("//a[@hreflang='es' and @lang='es' and contains(@href, '/es/article/')]")
    assert other and _text(other[0]) == "Español"
    assert other[0].get("href") == (
        f"/es/article/{site.ids['full']}-el-gobierno-aprueba-el-presupuesto/"
    )
    assert doc.xpath("//a[@href='#top']")
    assert doc.xpath("//*[@id='top']")

    assert doc.xpath("//link[@rel='canonical']/@href") == ["https://wire.example" + path]
    assert "es" in doc.xpath("//link[@rel='alternate']/@hreflang")


def test_spanish_edition_notice_is_in_spanish(site: Site) -> None:
    doc = _get(site, _article_path(site, "full", "es"))
    assert doc.getroottree().getroot().get("lang") == "es"
    notice = _text(doc.xpath("//*[contains(@class, 'notice')]")[0])
    assert notice.startswith("Traducido automáticamente del catalán por Apertium 3.8.3;")
    assert doc.xpath("//a[@hreflang='en' and @lang='en' and normalize-space()='English']")


def test_original_language_article_says_so(site: Site) -> None:
    doc = _get(site, _article_path(site, "original", "es"))
    notice = _text(doc.xpath("//*[contains(@class, 'notice')]")[0])
    assert notice == "Publicado en su idioma original. Original: Noticia en español"
    assert "Traducido" not in notice
    # Not translated into English: no link to an English edition of it.
    assert not doc.xpath("//a[contains(@href, '/en/article/')]")


def test_original_note_in_english() -> None:
    view = ArticleView(
        id=1,
        language="en",
        status="original",
        title="t",
        blocks=(),
        original_title="t",
        original_blocks=(),
        original_language="en",
        original_url="https://x.example/",
        source_name="X",
        source_url="https://x.example/feed",
        engine="",
        engine_version="",
        model_version="",
        author="",
        section=None,
        published_at=None,
        first_published_at=T0,
        updated_at=None,
        other_languages=(),
    )
    assert translation_notice(view) == "Published in its original language."


def test_wrong_slug_redirects_and_id_alone_resolves(site: Site) -> None:
    canonical = _article_path(site, "full")
    article_id = site.ids["full"]
    for path in (f"/en/article/{article_id}/", f"/en/article/{article_id}-wrong-slug/"):
        response = site.client.get(path, follow_redirects=False)
        assert response.status_code in (301, 308), path
        assert response.headers["location"].endswith(canonical)
    assert site.client.get(f"/en/article/{article_id}").status_code == 200


def test_hostile_text_is_escaped(site: Site) -> None:
    response = site.client.get(_article_path(site, "hostile"))
    assert response.status_code == 200
    text, data = _without_json_ld(response.text)
    assert "<" not in data and "alert(1)" in data
    assert "<script" not in text
    assert "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    doc = lxml_html.fromstring(text)
    assert not doc.xpath("//script | //img | //*[@onerror]")
    assert HOSTILE_SCRIPT in _text(doc.xpath("//h1")[0])
    assert HOSTILE_IMG in _text(doc.xpath("//article//h2")[0])
    # The same text in lists is escaped too.
    front = site.client.get("/en/section/politics/").text
    assert "<script" not in front and "<img" not in front


def test_unsafe_original_url_is_not_linked(site: Site) -> None:
    response = site.client.get(_article_path(site, "traversal"))
    assert response.status_code == 200
    doc = lxml_html.fromstring(response.text)
    assert not [h for h in doc.xpath("//a/@href") if "javascript" in h.lower()]
    assert "Diari Example" in _text(doc.xpath("//article")[0])


def test_skipped_and_unpublished_articles_are_not_shown(site: Site) -> None:
    hostile = site.ids["hostile"]
    _get(site, f"/es/article/{hostile}/", status=404)
    _get(site, f"/en/article/{site.ids['draft']}/", status=404)
    _get(site, "/en/article/999999/", status=404)
    _get(site, "/en/article/not-a-number/", status=404)
    _get(site, f"/fr/article/{site.ids['full']}/", status=404)
    doc = _get(site, "/en/")
    assert not doc.xpath("//a[normalize-space()='Draft']")
    # The hostile article has no Spanish edition, so no link to one.
    english = _get(site, _article_path(site, "hostile"))
    assert not english.xpath("//a[@hreflang='es' and contains(@href, '/article/')]")


def test_section_pages_count_from_the_newest_and_keep_a_stable_archive(site: Site) -> None:
    # 45 articles, 20 a page: archive page 1 holds the 20 oldest and never changes as
    # articles arrive; the section's own address holds the 25 newest. Readers count
    # from the newest: their page 2 shows archive page 1, which is its canonical address.
    first = _get(site, "/en/section/economy/")
    teasers = first.xpath("//main//li[contains(@class, 'teaser')]")
    assert len(teasers) == 25
    assert _text(teasers[0].xpath(".//a")[0]) == f"Economy story {ECONOMY_ARTICLES - 1}"
    assert _text(teasers[-1].xpath(".//a")[0]) == "Economy story 20"
    assert "45 articles" in _text(first)
    assert first.xpath("//a[@rel='next']/@href") == ["/en/section/economy/page/2/"]
    assert not first.xpath("//a[@rel='prev']")
    assert first.xpath("//h1")[0].text_content() == "Economy"
    assert first.xpath("//link[@rel='canonical']/@href") == [f"{SITE_URL}/en/section/economy/"]

    oldest = [f"Economy story {i}" for i in range(19, -1, -1)]
    second = _get(site, "/en/section/economy/page/2/")
    items = second.xpath("//main//li[contains(@class, 'teaser')]//a")
    assert [_text(a) for a in items] == oldest
    assert "Page 2 of 2" in _text(second.xpath("//nav[@class='pagination']")[0])
    assert "(Page 2 of 2)" in second.xpath("//title")[0].text_content()
    assert second.xpath("//a[@rel='prev']/@href") == ["/en/section/economy/"]
    assert not second.xpath("//a[@rel='next']")
    assert second.xpath("//link[@rel='canonical']/@href") == [
        f"{SITE_URL}/en/section/economy/archive/1/"
    ]

    archive = _get(site, "/en/section/economy/archive/1/")
    items = archive.xpath("//main//li[contains(@class, 'teaser')]//a")
    assert [_text(a) for a in items] == oldest
    assert "Archive, page 1" in _text(archive)
    assert "(Archive, page 1" in archive.xpath("//title")[0].text_content()
    assert archive.xpath("//a[@rel='prev']/@href") == ["/en/section/economy/"]
    assert archive.xpath("//link[@rel='prev']/@href") == ["/en/section/economy/"]
    assert not archive.xpath("//a[@rel='next']")
    assert archive.xpath("//link[@rel='canonical']/@href") == [
        f"{SITE_URL}/en/section/economy/archive/1/"
    ]

    for missing in ("page/1/", "page/3/", "page/0/", "archive/2/", "archive/0/"):
        _get(site, f"/en/section/economy/{missing}", status=404)
    _get(site, "/en/section/nowhere/", status=404)


def test_front_page_groups_latest_articles_by_section(site: Site) -> None:
    doc = _get(site, "/en/")
    headings = doc.xpath("//main//h2/a")
    assert [(_text(a), a.get("href")) for a in headings] == [
        ("Politics", "/en/section/politics/"),
        ("Economy", "/en/section/economy/"),
    ]
    politics = doc.xpath("//main//section[.//h2/a[@href='/en/section/politics/']]")[0]
    titles = [_text(a) for a in politics.xpath(".//li//h3/a")]
    assert titles[0] == "The government approves the budget"
    assert "Diari Example" in _text(politics)
    assert politics.xpath(".//li//time/@datetime")
    # The menu names the sections with articles in this edition; science has none.
    assert doc.xpath("//nav//a[@href='/en/section/politics/']")
    assert not doc.xpath("//nav//a[@href='/en/section/science/']")

    spanish = _get(site, "/es/")
    assert spanish.xpath("//main//h2/a[normalize-space()='Política']")


def test_home_links_to_each_edition(site: Site) -> None:
    doc = _get(site, "/")
    links = {a.get("href"): a for a in doc.xpath("//main//a")}
    assert links["/en/"].get("hreflang") == "en"
    assert _text(links["/es/"]) == "Español"


def test_about_page_explains_automation_and_contact(site: Site) -> None:
    doc = _get(site, "/en/about/")
    text = _text(doc.xpath("//main")[0])
    assert "automatically" in text
    assert "No human editor" in text
    assert "links to the original" in text
    assert "removed" in text
    assert doc.xpath("//main//a[@href='mailto:corrections@wire.example']")
    assert "automáticamente" in _text(_get(site, "/es/about/").xpath("//main")[0])


def test_unknown_paths_get_the_404_page(site: Site) -> None:
    doc = _get(site, "/en/nothing/here/", status=404)
    assert _text(doc.xpath("//h1")[0]) == "Page not found"
    assert doc.getroottree().getroot().get("lang") == "en"
    spanish = _get(site, "/es/article/0/", status=404)
    assert _text(spanish.xpath("//h1")[0]) == "Página no encontrada"
    _get(site, "/xx/", status=404)


def test_stylesheet_is_served_with_a_long_cache(site: Site) -> None:
    response = site.client.get("/style.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert "max-age=31536000" in response.headers["cache-control"]
    css = response.text
    assert "prefers-color-scheme: dark" in css
    assert ":focus-visible" in css
    assert "url(" not in css and "@import" not in css


def test_pages_use_no_scripts_or_outside_resources(site: Site) -> None:
    for path in ("/", "/en/", "/en/about/", _article_path(site, "full")):
        doc = _get(site, path)
        assert not doc.xpath("//script[not(@type='application/ld+json')]")
        for href in doc.xpath("//link[@rel='stylesheet']/@href"):
            assert href.startswith("/style.css")
        assert doc.xpath("//meta[@name='viewport']")


def test_static_build_writes_every_page_inside_outdir(site: Site, tmp_path: Path) -> None:
    outdir = tmp_path / "public"
    (tmp_path / "public").mkdir()
    (outdir / "stale.html").write_text("old")

    # A folder of other files is not the build's to replace, unless forced.
    with pytest.raises(BuildRefusedError, match="not a babelwire build"):
        build_site(site.newsroom, outdir)
    assert [p.name for p in outdir.iterdir()] == ["stale.html"]
    written = build_site(site.newsroom, outdir, force=True)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]
    assert not (outdir / "stale.html").exists()
    files = {p.relative_to(outdir).as_posix() for p in outdir.rglob("*") if p.is_file()}
    expected = {
        "index.html",
        "404.html",
        "style.css",
        "en/index.html",
        "es/index.html",
        "en/about/index.html",
        "en/section/economy/index.html",
        "en/section/economy/page/2/index.html",
        "en/section/economy/archive/1/index.html",
        "es/section/politics/index.html",
        f"en/article/{site.ids['full']}-the-government-approves-the-budget/index.html",
        f"es/article/{site.ids['full']}-el-gobierno-aprueba-el-presupuesto/index.html",
        f"en/article/{site.ids['traversal']}-etc-passwd-evil/index.html",
    }
    assert expected <= files
    assert "en/section/economy/archive/2/index.html" not in files
    assert "en/section/economy/page/3/index.html" not in files
    assert not any(f.startswith(f"es/article/{site.ids['hostile']}-") for f in files)
    assert not any(f.startswith(f"en/article/{site.ids['draft']}-") for f in files)
    for path in outdir.rglob("*"):
        assert path.resolve().is_relative_to(outdir.resolve())
    html_files = [f for f in files if f.endswith(".html")]
    assert written == len(html_files)
    page = (outdir / "en/section/economy/archive/1/index.html").read_text(encoding="utf-8")
    assert "Archive, page 1" in page
    reader = (outdir / "en/section/economy/page/2/index.html").read_text(encoding="utf-8")
    assert "Page 2 of 2" in reader and "/en/section/economy/archive/1/" in reader
    hostile = outdir / _article_path(site, "hostile").strip("/") / "index.html"
    assert "<script" not in _without_json_ld(hostile.read_text(encoding="utf-8"))[0]

    # A full rebuild replaces the first in place; a missing folder is created.
    assert build_site(site.newsroom, outdir, full=True) == written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]
    assert build_site(site.newsroom, tmp_path / "new" / "site", search_index=False) == written
    assert (tmp_path / "new" / "site" / "en" / "index.html").is_file()


def test_slugs_and_directions() -> None:
    assert slugify("Àrea metropolitana: l'ajuntament aprova") == (
        "area-metropolitana-l-ajuntament-aprova"
    )
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("<<<>>>") == "article"
    long = slugify("word " * 40)
    assert len(long) <= 60 and not long.endswith("-")
    assert url_for_article("en", 7, "Hello, World!") == "/en/article/7-hello-world/"
    assert direction("ar") == "rtl" and direction("he") == "rtl" and direction("en") == "ltr"


def test_rtl_edition_sets_direction_and_falls_back_to_english_notice(tmp_path: Path) -> None:
    config = Config.from_mapping(
        tmp_path,
        {
            "site": {"languages": ["ar", "en"], "title": "Test Wire"},
            "database": {"url": "sqlite:///t.sqlite3"},
        },
    )
    newsroom = Newsroom.from_config(config)
    try:
        with newsroom.sessions.begin() as session:
            source = add_source_row(session, "https://x.example/feed", "X")
            article = _article(session, source, "a", n=1, section="world")
            _translation(session, article, "ar", title="خبر")
            article_id = article.id
        with TestClient(create_app(newsroom)) as client:
            response = client.get(f"/ar/article/{article_id}/")
            assert response.status_code == 200
            doc = lxml_html.fromstring(response.text)
            assert doc.getroottree().getroot().get("dir") == "rtl"
            assert doc.getroottree().getroot().get("lang") == "ar"
            notice = _text(doc.xpath("//*[contains(@class, 'notice')]")[0])
            assert notice.startswith(
                "Translated automatically from Spanish by Apertium 3.8.3; not edited by a person."
            )
            assert _text(doc.xpath("//h1")[0]) == "خبر"
            assert client.get(f"/en/article/{article_id}/").status_code == 404
    finally:
        newsroom.close()


def test_page_cache_replays_pages_until_the_database_changes(
    tmp_path: Path, database_url: str
) -> None:
    config = Config.from_mapping(
        tmp_path,
        {
            "site": {"languages": ["en"], "page_cache_seconds": 3600},
            "database": {"url": database_url},
        },
    )
    room = Newsroom.from_config(config)
    try:
        with room.sessions.begin() as session:
            source = add_source_row(session, "https://x.example/feed", "X")
            first = _article(session, source, "a", n=1)
            _translation(session, first, "en", title="First")
        cached = TestClient(create_app(room))
        path = SitePages.for_site(room).article_url("en", first.id)
        assert path is not None
        miss = cached.get(path)
        assert miss.status_code == 200 and "x-page-cache" not in miss.headers
        assert "First" in cached.get("/en/").text
        # While nothing changes, pages are replayed from memory, headers and all. (On
        # PostgreSQL any write in the cluster counts as a change, and the test server
        # is shared: there only the changes below are checked.)
        replay = cached.get(path)
        assert replay.text == miss.text
        assert replay.headers["content-security-policy"].startswith("default-src 'none'")
        if database_url.startswith("sqlite"):
            assert replay.headers["x-page-cache"] == "hit"
            assert cached.get("/en/").headers["x-page-cache"] == "hit"

        # A new article (committed on another connection) shows at once.
        with room.sessions.begin() as session:
            source = session.query(SourceRow).one()
            _translation(session, _article(session, source, "b", n=2), "en", title="Second")
        front = cached.get("/en/")
        assert "Second" in front.text and "x-page-cache" not in front.headers
        # So does an update of the cached article...
        with room.sessions.begin() as session:
            row = session.get(ArticleRow, first.id)
            assert row is not None
            row.translations[0].blocks = [{"kind": "p", "text": "Corrected text"}]
        assert "Corrected text" in cached.get(path).text
        # ...and a takedown, from the command's own connection: 410 on the next request.
        take_down(room, str(first.id), "Removal requested")
        assert cached.get(path).status_code == 410
        assert "First" not in cached.get("/en/").text
    finally:
        room.close()


def test_a_cached_page_is_replayed_compressed_to_a_client_that_takes_gzip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compressed: list[int] = []
    compress = gzip.compress

    def counted(data: bytes, *args: Any, **kwargs: Any) -> bytes:
        compressed.append(len(data))
        return compress(data, *args, **kwargs)

    monkeypatch.setattr(gzip, "compress", counted)
    config = Config.from_mapping(
        tmp_path,
        {
            "site": {"languages": ["en"], "page_cache_seconds": 3600},
            "database": {"url": "sqlite:///t.sqlite3"},
        },
    )
    room = Newsroom.from_config(config)
    try:
        with room.sessions.begin() as session:
            source = add_source_row(session, "https://x.example/feed", "X")
            for n in range(8):
                _translation(session, _article(session, source, f"a{n}", n=n), "en", title=f"T{n}")
        client = TestClient(create_app(room))
        plain = client.get("/en/", headers={"Accept-Encoding": "identity"})
        assert "x-page-cache" not in plain.headers
        for _ in range(2):  # the copy is compressed once, then replayed as it is
            packed = client.get("/en/", headers={"Accept-Encoding": "gzip, br"})
            assert packed.headers["x-page-cache"] == "hit"
            assert packed.headers["content-encoding"] == "gzip"
            assert "Accept-Encoding" in packed.headers["vary"]
            assert int(packed.headers["content-length"]) < len(plain.content) // 2
            assert packed.text == plain.text  # the client unpacks the same page
            assert (
                packed.headers["content-security-policy"]
                == (plain.headers["content-security-policy"])
            )
        assert compressed == [len(plain.content)]
        again = client.get("/en/", headers={"Accept-Encoding": "identity"})
        assert again.headers["x-page-cache"] == "hit"
        assert "content-encoding" not in again.headers and again.content == plain.content
    finally:
        room.close()


HUGE = "99999999999999999999999"


def test_ids_no_row_can_have_are_404_on_every_route(tmp_path: Path, database_url: str) -> None:
    config = Config.from_mapping(
        tmp_path, {"site": {"languages": ["en", "es"]}, "database": {"url": database_url}}
    )
    room = Newsroom.from_config(config)
    try:
        populate_site(room)
        client = TestClient(create_app(room), raise_server_exceptions=False)
        # Past 32 bits (a PostgreSQL integer), past 64 bits (SQLite's), and zero.
        for number in ("2147483648", "9223372036854775808", HUGE, "0"):
            for path in (
                f"/en/source/{number}/",
                f"/en/source/1/page/{number}/",
                f"/en/source/1/archive/{number}/",
                f"/es/section/economy/archive/{number}/",
                f"/en/tag/x/archive/{number}/",
                f"/en/story/{number}/",
                f"/en/article/{number}/",
                f"/en/article/{number}-slug/",
                f"/en/article/{number}-slug/original/",
                f"/es/section/economy/page/{number}/",
                f"/en/tag/x/page/{number}/",
                f"/sitemaps/en-{number}.xml",
            ):
                response = client.get(path, follow_redirects=False)
                assert response.status_code in (404, 301), (path, response.status_code)
        # Leading zeros make no number too large.
        assert client.get("/en/source/000000000000000000001/").status_code == 200
        assert client.get(f"/en/search/?q=budget&page={HUGE}").status_code == 200
    finally:
        room.close()


def test_slash_redirects_name_only_the_path(site: Site) -> None:
    for host in ("evil.example", "wire.example"):
        response = site.client.get("/en/about?x=1", headers={"host": host}, follow_redirects=False)
        assert response.status_code == 307
        assert response.headers["location"] == "/en/about/?x=1"
    # A path that a browser would read as another host is written back as a path.
    response = site.client.get("/\\evil.example", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/%5Cevil.example/"
    response = site.client.get("/en/section/a%0d%0aSet-Cookie:x", follow_redirects=False)
    assert response.headers["location"] == "/en/section/a%0D%0ASet-Cookie:x/"
    # Where no page would answer either way, there is nothing to redirect to.
    assert site.client.get("/en/a/b/c", follow_redirects=False).status_code == 404


def test_pages_travel_compressed_and_name_the_sites_icon(tmp_path: Path) -> None:
    config = Config.from_mapping(
        tmp_path,
        {"site": {"languages": ["en"]}, "database": {"url": "sqlite:///t.sqlite3"}},
    )
    room = Newsroom.from_config(config)
    try:
        with room.sessions.begin() as session:
            source = add_source_row(session, "https://x.example/feed", "X")
            for n in range(8):
                _translation(session, _article(session, source, f"a{n}", n=n), "en", title=f"T{n}")
        client = TestClient(create_app(room))
        plain = client.get("/en/", headers={"Accept-Encoding": "identity"})
        packed = client.get("/en/", headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in plain.headers
        assert packed.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["vary"]
        assert packed.text == plain.text  # the client unpacks the same page
        feed = client.get("/en/feed.xml", headers={"Accept-Encoding": "gzip"})
        assert feed.headers["content-encoding"] == "gzip" and feed.text.startswith("<?xml")
        # The page names its icon, and the site serves it (no 404 in the browser's console).
        doc = lxml_html.fromstring(plain.text)
        icon = doc.xpath("//head/link[@rel='icon']/@href")[0]
        answer = client.get(icon)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "image/svg+xml"
        assert answer.content.startswith(b"<svg")
        # Same-origin fetches (robots.txt read by a page's tools) are allowed; nothing else.
        policy = plain.headers["content-security-policy"]
        assert "connect-src 'self'" in policy and "script-src" not in policy
    finally:
        room.close()
