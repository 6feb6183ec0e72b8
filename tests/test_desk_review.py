"""The desk's review queue and post-editing pages: real Apertium (es -> en) holds an
article behind a strict quality gate, an editor revises it in the desk, and the public
page changes; two editors on one translation never overwrite each other."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from babelwire.jobs.audit import audit_entries
from babelwire.jobs.review import review_queue
from babelwire.jobs.stages.publish import publish_articles
from babelwire.jobs.stages.translate import translate_articles
from babelwire.jobs.users import add_user
from babelwire.model import Stage
from babelwire.newsroom import Newsroom
from babelwire.publish.pages import SitePages
from babelwire.storage.tables import SourceRow, TranslationRow
from tests.factory import make_article, make_source, small_site
from tests.test_desk_access import PASSWORD, ROOT, _client, _sign_in

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
BASE = re.compile(r'name="base_revision" value="(\d+)"')
# Words no dictionary has (Apertium leaves them unknown), more in each: the gate scores
# each article lower than the one before.
ARTICLES = [
    (
        "El ayuntamiento abre una biblioteca",
        "La biblioteca quelva abrió el lunes franzosa tremilda.",
    ),
    (
        "La escuela cierra por obras",
        "Los alumnos zortinos irán al edificio grapelo brumoso quelvo.",
    ),
    ("El puerto recibe un barco nuevo", "El barco quelvo llegó ayer al puerto franzoso tremildo."),
]


@pytest.fixture
def site(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Newsroom]:
    # A gate no machine text passes: every translation is held for a person.
    monkeypatch.setenv("BABELWIRE_TRANSLATION_QUALITY_THRESHOLD", "0.99")
    monkeypatch.setenv("BABELWIRE_TRANSLATION_ON_LOW_QUALITY", "hold")
    newsroom = small_site(tmp_path / "site", languages=("es", "en"), database_url=database_url)
    for name, role in (("ed", "editor"), ("eva", "editor"), ("vic", "viewer")):
        add_user(newsroom, name, role, actor=ROOT, password=PASSWORD, display_name=name.title())
    ids = []
    with newsroom.sessions() as session:
        source = session.scalar(select(SourceRow)) or make_source(
            session, url="http://127.0.0.1:9/feed", name="Diario <b>Sur</b>", language="es"
        )
        for n, (title, text) in enumerate(ARTICLES):
            article = make_article(
                session,
                source,
                url=f"http://127.0.0.1:9/{n}",
                title=title,
                blocks=[{"kind": "p", "text": text}],
                stage=Stage.EXTRACTED.value,
            )
            session.flush()
            ids.append(article.id)
        session.commit()
    translate_articles(newsroom, ids)
    publish_articles(newsroom, ids)
    try:
        yield newsroom
    finally:
        newsroom.close()


def _held_ids(newsroom: Newsroom) -> list[int]:
    with newsroom.sessions() as session:
        return list(
            session.scalars(
                select(TranslationRow.id).where(
                    TranslationRow.status == "held", TranslationRow.language == "en"
                )
            )
        )


def test_the_queue_pages_worst_first_without_repeating(site: Newsroom) -> None:
    held = _held_ids(site)
    assert len(held) == len(ARTICLES)
    seen, cursor = [], None
    while True:
        page = review_queue(site, cursor=cursor, limit=2)
        seen += [item.translation_id for item in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(held) and len(seen) == len(set(seen))
    scores = [item.quality for item in review_queue(site, limit=10).items]
    assert scores == sorted(scores, key=lambda q: 2.0 if q is None else q)
    client = _client(site)
    _sign_in(client, "vic")
    listing = client.get("/desk/review")
    assert listing.status_code == 200
    assert "la biblioteca" in listing.text.lower() or "library" in listing.text.lower()
    assert (
        "Diario <b>Sur</b>" not in listing.text and "Diario &lt;b&gt;Sur&lt;/b&gt;" in listing.text
    )
    # A cursor that is not one starts from the top.
    assert client.get("/desk/review?after=nan_x").status_code == 200


def _editor_form(client: TestClient, tid: int) -> tuple[str, int, str]:
    page = client.get(f"/desk/review/{tid}")
    assert page.status_code == 200, page.text
    csrf, base = CSRF.search(page.text), BASE.search(page.text)
    assert csrf and base
    return csrf[1], int(base[1]), page.text


def test_an_editor_publishes_a_revision_and_the_public_page_changes(site: Newsroom) -> None:
    tid = _held_ids(site)[0]
    client = _client(site)
    _sign_in(client, "ed")
    csrf, base, page = _editor_form(client, tid)
    assert 'name="block-0"' in page and "readonly" not in page
    with site.sessions() as session:
        row = session.get(TranslationRow, tid)
        assert row is not None
        article_id = row.article_id
    assert SitePages.for_site(site).article("en", article_id) is None  # held: not public
    done = client.post(
        f"/desk/review/{tid}",
        data={
            "csrf": csrf,
            "base_revision": str(base),
            "blocks": "1",
            "title": "Town hall <script>opens</script> a new library",
            "block-0": "The library opened on Monday with 12,000 books.",
            "action": "publish",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    shown = client.get(done.headers["location"])
    assert "Published" in shown.text
    public = SitePages.for_site(site).article("en", article_id)
    assert public is not None
    assert "The library opened on Monday with 12,000 books." in html.unescape(public)
    assert "<script>opens</script>" not in public
    assert "revised" in public.lower()
    entry = audit_entries(site, action="translation.")[0]
    assert (entry.actor, entry.action) == ("ed", "translation.publish")
    # The machine's text stays on record and can be restored.
    restored = client.post(
        f"/desk/review/{tid}/restore",
        data={"csrf": csrf, "number": str(base), "base_revision": str(base + 1)},
        follow_redirects=False,
    )
    assert restored.status_code == 303, restored.text
    again = SitePages.for_site(site).article("en", article_id)
    assert again is not None and "opened on Monday with 12,000 books" not in html.unescape(again)
    assert "revised" not in again.lower()


def test_two_editors_on_one_translation_never_overwrite_each_other(site: Newsroom) -> None:
    tid = _held_ids(site)[1]
    first, second = _client(site), _client(site)
    _sign_in(first, "ed")
    _sign_in(second, "eva")
    csrf_1, base_1, _ = _editor_form(first, tid)
    csrf_2, base_2, _ = _editor_form(second, tid)
    assert base_1 == base_2

    def post(client: TestClient, csrf: str, base: int, text: str) -> int:
        form = {"csrf": csrf, "base_revision": str(base), "blocks": "1", "title": "School shut"}
        form |= {"block-0": text, "action": "publish"}
        response = client.post(f"/desk/review/{tid}", data=form, follow_redirects=False)
        if response.status_code == 409:
            assert "Eva's text" in html.unescape(response.text)  # typed text kept
            assert "by Ed)" in html.unescape(response.text)  # who changed it
        return response.status_code

    assert post(first, csrf_1, base_1, "Ed's text.") == 303
    assert post(second, csrf_2, base_2, "Eva's text.") == 409
    with site.sessions() as session:
        row = session.get(TranslationRow, tid)
        assert row is not None and row.blocks[0]["text"] == "Ed's text."


def test_a_viewer_reads_but_cannot_edit_and_a_draft_changes_nothing_public(
    site: Newsroom,
) -> None:
    tid = _held_ids(site)[2]
    viewer = _client(site)
    csrf, base, page = _editor_form(viewer, tid) if _sign_in(viewer, "vic") else ("", 0, "")
    assert "readonly" in page and 'value="publish"' not in page
    refused = viewer.post(
        f"/desk/review/{tid}",
        data={"csrf": csrf, "base_revision": str(base), "blocks": "1", "title": "x"},
    )
    assert refused.status_code == 403
    editor = _client(site)
    _sign_in(editor, "ed")
    csrf, base, _ = _editor_form(editor, tid)
    draft = editor.post(
        f"/desk/review/{tid}",
        data={
            "csrf": csrf,
            "base_revision": str(base),
            "blocks": "1",
            "title": "Draft title",
            "block-0": "A draft only.",
            "action": "draft",
        },
    )
    assert draft.status_code == 200 and "Draft saved" in draft.text
    assert "A draft only." in draft.text  # the form shows the draft
    assert tid in _held_ids(site)  # still held, nothing public
    assert editor.get("/desk/review/99999999").status_code == 404
