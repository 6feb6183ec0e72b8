"""The desk's articles after a real pass over the sample outlets: the list's filters and
its cursor, one article with its provenance and its translations beside the original,
and a takedown made from the desk, listed, logged and undone."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import select
from starlette.testclient import TestClient

from babelwire.clock import utcnow
from babelwire.demo.server import DemoServer, load_samples
from babelwire.errors import InputError
from babelwire.jobs.audit import Actor, audit_entries
from babelwire.jobs.desk_articles import (
    ArticleFilters,
    article_detail,
    find_articles,
    parse_filters,
)
from babelwire.jobs.post_edit import editable_translation
from babelwire.jobs.run import run_pass
from babelwire.jobs.takedown import (
    TakedownNotFoundError,
    list_takedowns,
    take_down,
    undo_takedown,
)
from babelwire.jobs.users import add_user
from babelwire.model import Role, Stage, TranslationStatus
from babelwire.newsroom import Newsroom
from babelwire.publish.pages import SitePages
from babelwire.storage.tables import ArticleRow, TombstoneRow, TranslationRow
from babelwire.web.app import create_app
from tests.conftest import make_site
from tests.test_desk_access import PASSWORD, _sign_in

ROOT = Actor(name="cli:test", via="cli")
MARKUP_TITLE = "Pleno <script>alert('title')</script> municipal"
MARKUP_BLOCK = "<b>bold</b> & <img src=x onerror=alert(1)>"
ARTICLE_LINK = re.compile(r'href="/desk/articles/(\d+)"')
SEGMENT = re.compile(r'<div class="seg (original|translated)[^"]*"[^>]*>(.*?)</div>', re.S)


@dataclass
class Wire:
    newsroom: Newsroom
    all_ids: list[int]  # every article, newest first
    marked: int  # an article whose stored text holds markup


def _people(newsroom: Newsroom) -> None:
    for role in Role:
        add_user(newsroom, role.value, role.value, actor=ROOT, password=PASSWORD)


def _client(newsroom: Newsroom, who: str | None = None) -> tuple[TestClient, str]:
    client = TestClient(create_app(newsroom), base_url="http://127.0.0.1")
    return client, _sign_in(client, who) if who else ""


@pytest.fixture(scope="module")
def wire(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wire]:
    tmp = tmp_path_factory.mktemp("desk-articles")
    with DemoServer(load_samples()) as server:
        newsroom = make_site(tmp / "site", server)
        try:
            assert run_pass(newsroom).ok
            _people(newsroom)
            with newsroom.sessions() as session:
                all_ids = list(
                    session.scalars(select(ArticleRow.id).order_by(ArticleRow.id.desc()))
                )
                # A Spanish article translated into English: its stored original is given
                # markup, which every page must show as text.
                marked = session.scalar(
                    select(ArticleRow)
                    .join(TranslationRow, TranslationRow.article_id == ArticleRow.id)
                    .where(
                        ArticleRow.language == "es",
                        TranslationRow.language == "en",
                        TranslationRow.status == TranslationStatus.TRANSLATED.value,
                    )
                    .order_by(ArticleRow.id)
                    .limit(1)
                )
                assert marked is not None
                marked.title = MARKUP_TITLE
                blocks = [dict(b) for b in marked.blocks]
                blocks[0]["text"] = MARKUP_BLOCK
                marked.blocks = blocks
                marked_id = marked.id
                session.commit()
            yield Wire(newsroom, all_ids, marked_id)
        finally:
            newsroom.close()


def _walk(wire: Wire, filters: ArticleFilters, limit: int) -> list[int]:
    """Every id the list gives, page after page."""
    seen: list[int] = []
    before = None
    while True:
        page = find_articles(wire.newsroom, filters, before_id=before, limit=limit)
        seen += [a.id for a in page.articles]
        if page.next_before is None:
            return seen
        assert page.next_before == page.articles[-1].id
        before = page.next_before


def test_the_cursor_gives_every_article_once_newest_first(wire: Wire) -> None:
    assert len(wire.all_ids) > 20
    for limit in (1, 7, 50):
        assert _walk(wire, ArticleFilters(), limit) == wire.all_ids
    # The last page ends the list exactly: no cursor to an empty page.
    page = find_articles(wire.newsroom, ArticleFilters(), before_id=None, limit=len(wire.all_ids))
    assert page.next_before is None


def test_each_filter_narrows_the_list(wire: Wire) -> None:
    newsroom = wire.newsroom
    with newsroom.sessions() as session:
        rows = session.execute(
            select(
                ArticleRow.id,
                ArticleRow.stage,
                ArticleRow.source_id,
                ArticleRow.language,
                ArticleRow.section,
                ArticleRow.story_id,
            )
        ).all()
        held = set(
            session.scalars(
                select(TranslationRow.article_id).where(
                    TranslationRow.status == TranslationStatus.HELD.value
                )
            )
        )

    def expect(keep: object) -> list[int]:
        return sorted((r.id for r in rows if keep(r)), reverse=True)  # type: ignore[operator]

    catalan = expect(lambda r: r.language == "ca")
    assert catalan and _walk(wire, ArticleFilters(language="ca"), 4) == catalan
    published = expect(lambda r: r.stage == Stage.PUBLISHED)
    assert _walk(wire, ArticleFilters(stage="published"), 9) == published
    one_source = rows[0].source_id
    assert _walk(wire, ArticleFilters(source_id=one_source), 3) == expect(
        lambda r: r.source_id == one_source
    )
    section = next(r.section for r in rows if r.section)
    assert _walk(wire, ArticleFilters(section=section), 50) == expect(
        lambda r: r.section == section
    )
    story = next(r.story_id for r in rows if r.story_id)
    assert _walk(wire, ArticleFilters(story_id=story), 50) == expect(lambda r: r.story_id == story)
    assert _walk(wire, ArticleFilters(held=True), 50) == sorted(held, reverse=True)
    # Filters combine.
    assert _walk(wire, ArticleFilters(language="ca", stage="failed"), 50) == expect(
        lambda r: r.language == "ca" and r.stage == Stage.FAILED
    )
    # Dates: found today, none tomorrow; published here bounds the publication date.
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    assert _walk(wire, ArticleFilters(since=today), 50) == wire.all_ids
    assert _walk(wire, ArticleFilters(since=today + timedelta(days=1)), 50) == []
    assert _walk(wire, ArticleFilters(until=today), 50) == []
    assert (
        _walk(wire, ArticleFilters(since=today, by_publication=True), 50)
        == expect(lambda r: r.stage == Stage.PUBLISHED)
        == published
    )


def test_the_title_search_finds_originals_and_translations(wire: Wire) -> None:
    newsroom = wire.newsroom
    # A word of the marked article's original title, in another case.
    found = _walk(wire, ArticleFilters(text="MUNICIPAL"), 50)
    assert wire.marked in found
    with newsroom.sessions() as session:
        english = session.scalar(
            select(TranslationRow.title).where(
                TranslationRow.article_id == wire.marked, TranslationRow.language == "en"
            )
        )
    assert english
    word = max(re.findall(r"[A-Za-z]{5,}", english), key=len)
    assert wire.marked in _walk(wire, ArticleFilters(text=word.lower()), 50)
    # LIKE's wildcards are text like any other.
    assert _walk(wire, ArticleFilters(text="%"), 50) == []
    assert _walk(wire, ArticleFilters(text="_"), 50) == []


def test_a_form_s_filters_are_read_and_refused_in_words() -> None:
    filters = parse_filters(
        {"stage": "failed", "source": "3", "language": "CA", "from": "2026-01-02", "to": ""}
    )
    assert (filters.stage, filters.source_id, filters.language) == ("failed", 3, "ca")
    assert filters.since is not None and filters.since.day == 2 and filters.until is None
    assert (
        parse_filters({"to": "2026-01-02"}).until == parse_filters({"from": "2026-01-03"}).since
    )  # the last day is included
    for bad, message in (
        ({"stage": "nowhere"}, "not a stage"),
        ({"source": "x1"}, "not an id"),
        ({"story": "99999999999"}, "not an id"),
        ({"from": "2026-13-01"}, "not a date"),
        ({"dates": "later"}, "neither"),
        ({"q": "a\x00b"}, "not text"),
    ):
        with pytest.raises(InputError, match=message):
            parse_filters(bad)


def test_the_list_page_filters_and_goes_on_with_the_cursor(
    wire: Wire, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("babelwire.web.desk.articles.PAGE_SIZE", 6)
    client, _ = _client(wire.newsroom, "viewer")
    seen: list[int] = []
    address = "/desk/articles"
    while address:
        page = client.get(address)
        assert page.status_code == 200
        seen += [int(i) for i in ARTICLE_LINK.findall(page.text)]
        older = re.search(r'href="(/desk/articles\?[^"]*before=\d+)"', page.text)
        address = html.unescape(older[1]) if older else ""
    assert seen == wire.all_ids
    # A filter is kept across pages.
    first = client.get("/desk/articles?language=ca&stage=")
    older = re.search(r'href="(/desk/articles\?[^"]*)" rel="next"', first.text)
    assert older and "language=ca" in older[1]
    shown = [int(i) for i in ARTICLE_LINK.findall(first.text)]
    assert shown == _walk(wire, ArticleFilters(language="ca"), 50)[:6]
    # The page says what it could not read.
    refused = client.get("/desk/articles?stage=nowhere")
    assert refused.status_code == 400 and "not a stage" in refused.text
    # Markup in a title is text.
    marked = client.get("/desk/articles?q=municipal")
    assert "<script>alert" not in marked.text
    assert str(escape(MARKUP_TITLE)) in marked.text


def test_the_article_page_shows_provenance_and_the_original_beside_each_translation(
    wire: Wire,
) -> None:
    client, _ = _client(wire.newsroom, "viewer")
    page = client.get(f"/desk/articles/{wire.marked}")
    assert page.status_code == 200
    text = page.text
    detail = article_detail(wire.newsroom, wire.marked)
    # Provenance: the source, a link to the original, the language and how it was told.
    assert detail.source_name in text
    assert f'href="{html.escape(detail.url)}"' in text
    assert detail.language_method == "declared" and "declared" in text
    assert detail.extractor and detail.extractor in text
    assert detail.section and detail.section in text
    assert detail.stage == "published" and "<strong>published</strong>" in text
    assert detail.entries and html.escape(detail.entries[0].url) in text
    # Its history as far as it is kept: the runs of the stages that moved it on.
    assert {r.stage for r in detail.runs} >= {"extract", "translate", "publish"}
    assert all(r.outcome == "done" for r in detail.runs)
    assert "Runs of its stages" in text and "<strong>translate</strong> done" in text
    # Markup in the stored text is shown as text, never as markup.
    assert "<script>" not in text and "<img" not in text and "<b>bold" not in text
    assert str(escape(MARKUP_BLOCK)) in text
    # Each machine translation: the original's title, then its blocks, each beside
    # the translation's, in the order post-editing aligns them.
    english = next(t for t in detail.translations if t.language == "en")
    assert english.editable and english.engine and english.engine in text
    assert f'href="/desk/review/{english.id}"' in text
    assert english.site_path and f'href="{english.site_path}"' in text
    aligned = editable_translation(wire.newsroom, english.id)
    section = text[text.index('id="translation-en"') :]
    section = section[: section.index("</section>")]
    cells = [
        (side, re.sub(r"<small[^>]*>.*?</small>", "", body))
        for side, body in SEGMENT.findall(section)
    ]
    expected = [(aligned.original_title, aligned.title)] + [
        (s.original, s.text) for s in aligned.segments
    ]
    assert len(cells) == 2 * len(expected)
    for i, (original, translated) in enumerate(expected):
        assert cells[2 * i][0] == "original" and cells[2 * i + 1][0] == "translated"
        assert html.unescape(re.sub(r"</?strong>", "", cells[2 * i][1])) == original
        assert html.unescape(re.sub(r"</?strong>", "", cells[2 * i + 1][1])) == translated
    # Side by side on a wide screen, one above the other on a phone.
    css = client.get("/desk/desk.css").text
    assert ".aligned { display: grid; grid-template-columns: 1fr;" in css
    wide = css.index("@media (min-width: 48rem) {", css.index("/* Articles"))
    assert ".aligned { grid-template-columns: 1fr 1fr; }" in css[wide:]


def test_who_sees_the_takedown_form_and_unknown_ids(wire: Wire) -> None:
    viewer, _ = _client(wire.newsroom, "viewer")
    editor, csrf = _client(wire.newsroom, "editor")
    address = f"/desk/articles/{wire.marked}"
    assert f'action="{address}/takedown"' not in viewer.get(address).text
    assert f'action="{address}/takedown"' in editor.get(address).text
    for missing in ("999999", "0", "abc", "99999999999"):
        assert viewer.get(f"/desk/articles/{missing}").status_code == 404
    taken = editor.post("/desk/articles/999999/takedown", data={"csrf": csrf, "reason": "spam"})
    assert taken.status_code == 404
    admin, token = _client(wire.newsroom, "admin")
    assert admin.post("/desk/takedowns/999999/undo", data={"csrf": token}).status_code == 404
    assert admin.post("/desk/takedowns/x/undo", data={"csrf": token}).status_code == 404


def test_a_takedown_from_the_desk_and_its_undo(tmp_path: Path) -> None:
    outlet = next(o for o in load_samples() if o.slug == "el-faro-de-almira")
    small = dataclasses.replace(outlet, articles=outlet.articles[:2])
    with DemoServer([small]) as server:
        newsroom = make_site(tmp_path / "site", server)
        try:
            assert run_pass(newsroom).ok
            _people(newsroom)
            with newsroom.sessions() as session:
                article_id = session.scalar(
                    select(ArticleRow.id).where(ArticleRow.url.contains(small.articles[0].slug))
                )
            assert article_id is not None
            public = SitePages.for_site(newsroom).article_url("en", article_id)
            assert public
            editor, csrf = _client(newsroom, "editor")
            assert editor.get(public).status_code == 200
            address = f"/desk/articles/{article_id}"
            # A takedown needs a reason, and says so.
            empty = editor.post(f"{address}/takedown", data={"csrf": csrf, "reason": "  "})
            assert empty.status_code == 400 and "needs a reason" in empty.text
            assert editor.get(public).status_code == 200
            done = editor.post(
                f"{address}/takedown",
                data={"csrf": csrf, "reason": "Removal <asked> by the publisher"},
                follow_redirects=False,
            )
            assert done.status_code == 303
            assert editor.get(public).status_code == 410
            page = editor.get(address)
            assert "The article was taken down." in editor.get(done.headers["location"]).text
            assert "Removal &lt;asked&gt; by the publisher" in page.text
            listed = editor.get("/desk/takedowns").text
            assert f'href="/desk/articles/{article_id}"' in listed
            assert "Removal &lt;asked&gt; by the publisher" in listed and public in listed
            entry = audit_entries(newsroom, action="article.takedown")[0]
            assert (entry.actor, entry.via, entry.target) == ("editor", "desk", str(article_id))
            assert entry.detail["reason"] == "Removal <asked> by the publisher"
            # Undoing is an admin's: an editor is refused and sees no undo button.
            with newsroom.sessions() as session:
                tombstone = session.scalar(
                    select(TombstoneRow.id).where(TombstoneRow.article_id == article_id)
                )
            undo = f"/desk/takedowns/{tombstone}/undo"
            assert f'action="{undo}"' not in listed
            assert editor.post(undo, data={"csrf": csrf}).status_code == 403
            admin, token = _client(newsroom, "admin")
            assert f'action="{undo}"' in admin.get("/desk/takedowns").text
            undone = admin.post(undo, data={"csrf": token}, follow_redirects=False)
            assert undone.status_code == 303
            assert undone.headers["location"] == f"{address}?done=undone"
            after = admin.get(undone.headers["location"]).text
            assert "the article will be fetched again from its source" in after
            entry = audit_entries(newsroom, action="article.takedown_undo")[0]
            assert (entry.actor, entry.target) == ("admin", str(article_id))
            assert f'href="/desk/articles/{article_id}"' not in admin.get("/desk/takedowns").text
            with newsroom.sessions() as session:
                row = session.get(ArticleRow, article_id)
                assert row is not None and row.stage == Stage.DISCOVERED
            # The next pass fetches it again from its source and publishes it anew.
            assert run_pass(newsroom).ok
            again = SitePages.for_site(newsroom).article_url("en", article_id)
            assert again == public
            shown = editor.get(public)
            assert shown.status_code == 200
            with newsroom.sessions() as session:
                row = session.get(ArticleRow, article_id)
                assert row is not None and row.stage == Stage.PUBLISHED and row.blocks
            assert "<strong>published</strong>" in editor.get(address).text
        finally:
            newsroom.close()


def test_the_queries_on_each_database(tmp_path: Path, database_url: str) -> None:
    """The list, its filters, an article, a takedown listed and undone, on SQLite and
    PostgreSQL alike."""
    outlet = next(o for o in load_samples() if o.slug == "diari-de-portvell")
    with DemoServer([dataclasses.replace(outlet, articles=outlet.articles[:3])]) as server:
        newsroom = make_site(tmp_path / "site", server, database_url)
        try:
            assert run_pass(newsroom).ok
            everything = _walk(Wire(newsroom, [], 0), ArticleFilters(), 2)
            assert len(everything) == 3 and everything == sorted(everything, reverse=True)
            filters = parse_filters(
                {"q": "%_", "stage": "published", "held": "1", "from": "2020-01-01"}
            )
            assert find_articles(newsroom, filters, before_id=None).articles == ()
            filters = parse_filters({"language": "ca", "dates": "published", "from": "2020-01-01"})
            assert [
                a.id for a in find_articles(newsroom, filters, before_id=None).articles
            ] == everything
            newest = everything[0]
            assert article_detail(newsroom, newest).translations
            take_down(newsroom, str(newest), "wrong\x00", actor=ROOT)
            take_down(newsroom, str(everything[1]), "also wrong", actor=ROOT)
            listed = list_takedowns(newsroom, limit=1)
            assert [d.article_id for d in listed.takedowns] == [everything[1]]
            assert listed.next_before is not None
            older = list_takedowns(newsroom, before_id=listed.next_before, limit=1)
            assert [d.article_id for d in older.takedowns] == [newest] and older.next_before is None
            assert older.takedowns[0].urls and older.takedowns[0].reason == "wrong"
            assert article_detail(newsroom, newest).takedown == older.takedowns[0]
            undone = undo_takedown(newsroom, older.takedowns[0].tombstone_id, actor=ROOT)
            assert undone.article_id == newest and undone.refetch and undone.urls
            assert [d.article_id for d in list_takedowns(newsroom).takedowns] == [everything[1]]
            with pytest.raises(TakedownNotFoundError):
                undo_takedown(newsroom, older.takedowns[0].tombstone_id, actor=ROOT)
            assert run_pass(newsroom).ok
            assert article_detail(newsroom, newest).stage == Stage.PUBLISHED
        finally:
            newsroom.close()
