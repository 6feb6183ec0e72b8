"""The desk's glossary and gazetteer: a term saved in the desk is used by the next
translation (real Apertium, es -> en) without reopening the newsroom, with the new
glossary version in its provenance; invalid text is refused with every problem and
nothing is written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from babelwire.jobs.audit import audit_entries
from babelwire.jobs.glossary import desk_glossary_path, read_glossary
from babelwire.jobs.tags import gazetteer_path
from babelwire.jobs.users import add_user
from babelwire.newsroom import Newsroom
from babelwire.storage.tables import TranslationRow
from tests.factory import small_site
from tests.test_desk_access import PASSWORD, ROOT, _client, _sign_in
from tests.test_post_edit import _publish, _translation_id

REVISION = re.compile(r'name="revision" value="([^"]+)"')
PLACE = '[[entity]]\nslug = "vilamar"\nkind = "place"\nname = "Vilamar"\n'


@pytest.fixture
def site(tmp_path: Path, database_url: str) -> Iterator[Newsroom]:
    newsroom = small_site(tmp_path / "site", languages=("es", "en"), database_url=database_url)
    for name in ("editor", "viewer"):
        add_user(newsroom, name, name, actor=ROOT, password=PASSWORD)
    try:
        yield newsroom
    finally:
        newsroom.close()


def _translate(newsroom: Newsroom, text: str, n: int) -> TranslationRow:
    """Translate (and publish) a new Spanish article; its English translation."""
    translation_id = _translation_id(newsroom, _publish(newsroom, f"Noticia {n}", [text], n))
    with newsroom.sessions() as session:
        row = session.get(TranslationRow, translation_id)
        assert row is not None
        session.expunge(row)
        return row


def _open(client: TestClient, path: str) -> tuple[str, str]:
    """The page's text and the revision its form names."""
    page = client.get(f"/desk{path}")
    assert page.status_code == 200, page.text
    found = REVISION.search(page.text)
    assert found, page.text
    return page.text, found[1]


def test_a_term_saved_in_the_desk_is_used_by_the_next_translation(site: Newsroom) -> None:
    before = _translate(site, "La biblioteca abre el lunes.", 1)
    assert "library" in before.blocks[0]["text"]
    client = _client(site)
    csrf = _sign_in(client, "editor")
    _, revision = _open(client, "/glossary")
    saved = client.post(
        "/desk/glossary",
        data={
            "csrf": csrf,
            "revision": revision,
            "text": "# ours\nes | en | biblioteca | bookhouse",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    assert (
        desk_glossary_path(site.config).read_text("utf-8")
        == "# ours\nes\ten\tbiblioteca\tbookhouse\n"
    )
    after = _translate(site, "La biblioteca cierra el martes.", 2)
    assert "bookhouse" in after.blocks[0]["text"]
    assert after.glossary_version and after.glossary_version != before.glossary_version
    page, _ = _open(client, "/glossary?saved=1")
    assert after.glossary_version in page and "bookhouse" in page and "saved" in page
    entry = audit_entries(site, action="glossary.save")[0]
    assert (entry.actor, entry.via, entry.target) == ("editor", "desk", "glossary.tsv")
    assert entry.detail["version_after"] == after.glossary_version


def test_an_invalid_glossary_is_refused_with_every_problem(site: Newsroom) -> None:
    client = _client(site)
    csrf = _sign_in(client, "editor")
    _, revision = _open(client, "/glossary")
    typed = "es | en | <script>x</script> | y\nonly two\tfields\n*\t*\n"
    refused = client.post(
        "/desk/glossary", data={"csrf": csrf, "revision": revision, "text": typed}
    )
    assert refused.status_code == 400
    assert "glossary.tsv:2: expected FROM" in refused.text
    assert "glossary.tsv:3: expected FROM" in refused.text
    assert "<script>" not in refused.text and "&lt;script&gt;x&lt;/script&gt;" in refused.text
    assert not desk_glossary_path(site.config).exists()
    assert audit_entries(site, action="glossary.save") == []


def test_a_stale_form_is_refused_and_keeps_the_typed_text(site: Newsroom) -> None:
    client = _client(site)
    csrf = _sign_in(client, "editor")
    _, revision = _open(client, "/glossary")
    first = {"csrf": csrf, "revision": revision, "text": "*\t*\tGeneralitat\n"}
    assert client.post("/desk/glossary", data=first, follow_redirects=False).status_code == 303
    second = {"csrf": csrf, "revision": revision, "text": "*\t*\tXunta\n"}
    stale = client.post("/desk/glossary", data=second)
    assert stale.status_code == 409 and "Xunta" in stale.text
    assert [t.term for t in read_glossary(site).terms] == ["Generalitat"]
    backup = desk_glossary_path(site.config).with_name("glossary.tsv.bak")
    assert not backup.exists()  # the first save had no earlier file to keep


def test_the_gazetteer_is_checked_as_tags_check_does_and_feeds_translation(
    site: Newsroom,
) -> None:
    path = gazetteer_path(site.config)
    path.write_text(PLACE, encoding="utf-8")
    mode = path.stat().st_mode & 0o777
    before = _translate(site, "Vilamar abre el lunes.", 1)
    client = _client(site)
    csrf = _sign_in(client, "editor")
    page, revision = _open(client, "/gazetteer")
    assert "vilamar" in page
    bad = PLACE + '\n[[entity]]\nslug = "Bad Slug"\nkind = "alien"\nname = "Vilamar"\n'
    refused = client.post("/desk/gazetteer", data={"csrf": csrf, "revision": revision, "text": bad})
    assert refused.status_code == 400
    assert "slug must be lower-case" in refused.text and "kind must be person" in refused.text
    assert path.read_text("utf-8") == PLACE
    broken = client.post(
        "/desk/gazetteer", data={"csrf": csrf, "revision": revision, "text": "[[entity]\n"}
    )
    assert broken.status_code == 400 and "line 1" in broken.text
    good = PLACE.replace('name = "Vilamar"', 'name = "Vilamar"\nnames = { en = "Seaton" }')
    saved = client.post(
        "/desk/gazetteer",
        data={"csrf": csrf, "revision": revision, "text": good},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    assert path.with_name("entities.toml.bak").read_text("utf-8") == PLACE
    assert path.stat().st_mode & 0o777 == mode  # readable by whoever could read it before
    after = _translate(site, "Vilamar cierra el martes.", 2)
    assert "Seaton" in after.blocks[0]["text"]
    assert after.glossary_version != before.glossary_version
    assert audit_entries(site, action="gazetteer.save")[0].actor == "editor"


def test_a_viewer_reads_but_cannot_save(site: Newsroom) -> None:
    desk_glossary_path(site.config).write_text("*\t*\tGeneralitat\n", encoding="utf-8")
    client = _client(site)
    csrf = _sign_in(client, "viewer")
    page, revision = _open(client, "/glossary")
    assert "Generalitat" in page and "readonly" in page and 'type="submit">' not in page
    refused = client.post("/desk/glossary", data={"csrf": csrf, "revision": revision, "text": ""})
    assert refused.status_code == 403
    assert desk_glossary_path(site.config).read_text("utf-8") == "*\t*\tGeneralitat\n"
