"""The desk's sources: the health list and its filters, adding after a preview (with the
private-network allowance an admin's alone), editing with errors shown on the form,
pausing, removing, and OPML out of one site and into another, hostile files refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from babelwire.cli.main import app as cli
from babelwire.demo.server import DemoServer
from babelwire.jobs.audit import audit_entries
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import add_source, get_source, list_sources, update_source
from babelwire.jobs.users import add_user
from babelwire.model import Role
from babelwire.newsroom import Newsroom
from tests.test_desk_access import PASSWORD, ROOT, _client, _sign_in


def _site(root: Path, database_url: str) -> Newsroom:
    create_site(root, title="Desk Wire", database_url=database_url)
    newsroom = Newsroom.open(root)
    for role in Role:
        add_user(newsroom, role.value, role.value, actor=ROOT, password=PASSWORD)
    return newsroom


@pytest.fixture
def site(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Newsroom]:
    # Sources stay off private networks unless an admin allows one.
    monkeypatch.setenv("BABELWIRE_FETCH_ALLOW_PRIVATE_NETWORKS", "false")
    newsroom = _site(tmp_path / "site", database_url)
    try:
        yield newsroom
    finally:
        newsroom.close()


def _as(site: Newsroom, role: Role) -> tuple[TestClient, str]:
    client = _client(site)
    return client, _sign_in(client, role.value)


def _some_sources(site: Newsroom) -> tuple[int, int]:
    one = add_source(site, "https://one.example/feed", name="One <b>bold</b>", language="ca")
    two = add_source(site, "https://two.example/feed", name="Two", section="politics")
    update_source(site, two.id, paused=True)
    return one.id, two.id


def test_the_list_shows_health_and_filters(site: Newsroom) -> None:
    one, two = _some_sources(site)
    client, _ = _as(site, Role.VIEWER)
    page = client.get("/desk/sources")
    assert page.status_code == 200
    assert "One &lt;b&gt;bold&lt;/b&gt;" in page.text and "<b>bold</b>" not in page.text
    assert f'href="/desk/sources/{one}"' in page.text and "/desk/sources/export.opml" in page.text
    assert "not polled yet" in page.text and "paused" in page.text
    assert "/desk/sources/new" not in page.text  # a viewer adds nothing
    for query, shown, hidden in (
        ("show=paused", two, one),
        ("language=ca", one, two),
        ("section=politics", two, one),
        ("section=-", one, two),
        ("q=two.example", two, one),
    ):
        filtered = client.get(f"/desk/sources?{query}").text
        assert f'href="/desk/sources/{shown}"' in filtered, query
        assert f'href="/desk/sources/{hidden}"' not in filtered, query
        assert "1 of 2 sources" in filtered, query
    detail = client.get(f"/desk/sources/{one}")
    assert detail.status_code == 200 and "One &lt;b&gt;bold&lt;/b&gt;" in detail.text
    assert "<b>bold</b>" not in detail.text
    assert 'action="/desk/sources/' not in detail.text  # no forms for a viewer
    assert client.get("/desk/sources/424242").status_code == 404
    assert client.get("/desk/sources/nope").status_code == 404
    editor, _ = _as(site, Role.EDITOR)
    assert f'action="/desk/sources/{two}/resume"' in editor.get(f"/desk/sources/{two}").text


def test_an_admin_previews_and_adds_a_private_source_an_editor_cannot(
    site: Newsroom, demo_server: DemoServer
) -> None:
    outlet = next(iter(demo_server.outlets.values()))
    url = demo_server.feed_url(outlet.slug)
    editor, editor_csrf = _as(site, Role.EDITOR)
    form = editor.get("/desk/sources/new")
    assert form.status_code == 200 and "allow_private" not in form.text
    # An editor's allowance is not read: the preview says so, and the host stays refused.
    asked = {"csrf": editor_csrf, "url": url, "allow_private": "on"}
    preview = editor.post("/desk/sources/preview", data=asked)
    assert preview.status_code == 400
    assert "Only an admin may allow a private network" in preview.text
    assert "private networks are not allowed" in preview.text
    refused = editor.post("/desk/sources/add", data={**asked, "kind": "feed"})
    assert refused.status_code == 403 and "Only an admin" in refused.text
    plain = editor.post("/desk/sources/add", data={"csrf": editor_csrf, "url": url})
    assert plain.status_code == 400 and "private networks are not allowed" in plain.text
    assert list_sources(site) == []

    admin, csrf = _as(site, Role.ADMIN)
    assert 'name="allow_private"' in admin.get("/desk/sources/new").text
    shown = admin.post(
        "/desk/sources/preview",
        data={"csrf": csrf, "url": url, "allow_private": "on", "section": "politics"},
    )
    assert shown.status_code == 200, shown.text
    assert "a feed with" in shown.text and "loopback or private" in shown.text
    assert 'name="allow_private" checked' in shown.text
    assert 'value="politics" selected' in shown.text
    added = admin.post(
        "/desk/sources/add",
        data={
            "csrf": csrf,
            "url": url,
            "kind": "feed",
            "name": "Harbour <i>Desk</i>",
            "section": "politics",
            "allow_private": "on",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    (info,) = list_sources(site)
    assert added.headers["location"] == f"/desk/sources/{info.id}?done=added"
    assert (info.url, info.allow_private, info.section) == (url, True, "politics")
    page = admin.get(added.headers["location"])
    assert "Source added." in page.text and "Harbour &lt;i&gt;Desk&lt;/i&gt;" in page.text
    entry = audit_entries(site, action="source.add")[0]
    assert (entry.actor, entry.via, entry.target) == ("admin", "desk", url)
    assert entry.detail["allow_private"] is True


def test_an_edit_with_errors_keeps_what_was_typed(site: Newsroom) -> None:
    one, _ = _some_sources(site)
    client, csrf = _as(site, Role.EDITOR)
    typed = {
        "csrf": csrf,
        "name": "Renamed & <Co>",
        "language": "es",
        "section": "politics",
        "min_interval": "500",
        "max_interval": "10",
        "preferred": "on",
    }
    wrong = client.post(f"/desk/sources/{one}/edit", data=typed)
    assert wrong.status_code == 400
    assert "above the maximum" in wrong.text
    for kept in ('value="Renamed &amp; &lt;Co&gt;"', 'value="500"', 'value="10"', 'value="es"'):
        assert kept in wrong.text, kept
    assert 'value="politics" selected' in wrong.text and 'name="preferred" checked' in wrong.text
    assert "not a number" not in wrong.text
    letters = client.post(f"/desk/sources/{one}/edit", data={**typed, "min_interval": "ten"})
    assert letters.status_code == 400 and "expected whole minutes" in letters.text
    assert 'value="ten"' in letters.text
    assert get_source(site, one).name == "One <b>bold</b>"  # nothing saved
    assert audit_entries(site, action="source.edit") == []

    saved = client.post(
        f"/desk/sources/{one}/edit", data={**typed, "min_interval": "5"}, follow_redirects=False
    )
    assert saved.status_code == 303
    info = get_source(site, one)
    assert (info.name, info.language, info.section, info.min_interval, info.max_interval) == (
        "Renamed & <Co>",
        "es",
        "politics",
        5,
        10,
    )
    assert info.preferred
    entry = audit_entries(site, action="source.edit")[0]
    assert (entry.actor, entry.detail["min_interval"]) == ("editor", 5)


def test_pause_resume_and_remove_with_confirmation(site: Newsroom) -> None:
    one, _ = _some_sources(site)
    client, csrf = _as(site, Role.EDITOR)
    paused = client.post(f"/desk/sources/{one}/pause", data={"csrf": csrf})
    assert paused.status_code == 200 and "not polled until resumed" in paused.text
    assert get_source(site, one).paused
    assert client.post(f"/desk/sources/{one}/resume", data={"csrf": csrf}).status_code == 200
    assert not get_source(site, one).paused
    unconfirmed = client.post(f"/desk/sources/{one}/remove", data={"csrf": csrf})
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.text
    assert get_source(site, one).id == one
    removed = client.post(f"/desk/sources/{one}/remove", data={"csrf": csrf, "confirm": "yes"})
    assert removed.status_code == 200 and "Removed One &lt;b&gt;bold&lt;/b&gt;." in removed.text
    assert [s.name for s in list_sources(site)] == ["Two"]
    assert client.post(f"/desk/sources/{one}/pause", data={"csrf": csrf}).status_code == 404
    actions = [(e.action, e.actor) for e in audit_entries(site)]
    assert actions[:3] == [
        ("source.remove", "editor"),
        ("source.resume", "editor"),
        ("source.pause", "editor"),
    ]


def _upload(client: TestClient, csrf: str, content: bytes, **data: str) -> httpx.Response:
    return client.post(
        "/desk/sources/import",
        data={"csrf": csrf, **data},
        files={"file": ("sources.opml", content, "text/x-opml")},
    )


def test_opml_goes_out_of_one_site_and_into_another(site: Newsroom, tmp_path: Path) -> None:
    _some_sources(site)
    viewer, _ = _as(site, Role.VIEWER)
    exported = viewer.get("/desk/sources/export.opml")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/x-opml")
    assert "attachment" in exported.headers["content-disposition"]
    with _site(tmp_path / "other", f"sqlite:///{tmp_path / 'other.sqlite3'}") as other:
        client, csrf = _as(other, Role.EDITOR)
        form = client.get("/desk/sources/import")
        assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
        # The upload's form is checked for its CSRF token like any other.
        forged = _upload(client, "forged", exported.content)
        assert forged.status_code == 403
        assert list_sources(other) == []
        done = _upload(client, csrf, exported.content)
        assert done.status_code == 200, done.text
        assert "Imported: 2 new" in done.text
        assert [(s.url, s.name, s.paused) for s in list_sources(other)] == [
            (s.url, s.name, s.paused) for s in list_sources(site)
        ]
        entry = audit_entries(other, action="source.import")[0]
        assert (entry.actor, entry.detail["added"]) == ("editor", 2)
        # An editor cannot have an import grant a private network.
        private = _upload(client, csrf, exported.content, allow_private="on")
        assert private.status_code == 403


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol">'
    + b"".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8)
    )
    + b']><opml version="2.0"><body><outline text="&i;" xmlUrl="https://x.example/&i;"/>'
    b"</body></opml>"
)


def test_a_hostile_or_oversized_file_is_refused_and_adds_nothing(site: Newsroom) -> None:
    client, csrf = _as(site, Role.ADMIN)
    hostile = _upload(client, csrf, LAUGHS)
    assert hostile.status_code == 400
    assert "not a readable OPML file" in hostile.text
    garbage = _upload(client, csrf, bytes(range(256)) * 10)
    assert garbage.status_code == 400
    outline = b'<outline text="x" xmlUrl="https://big.example/feed"/>\n'
    big = (
        b'<opml version="2.0"><body>' + outline * (1024 * 1024 // len(outline)) + b"</body></opml>"
    )
    too_big = _upload(client, csrf, big)
    assert too_big.status_code == 413
    assert "larger than 1 MB" in too_big.text
    # Far over it, the request is refused before its form is read.
    huge = _upload(client, csrf, big * 3)
    assert huge.status_code == 413 and "larger than 1 MB" in huge.text
    assert list_sources(site) == []
    assert audit_entries(site, action="source.import") == []
    # A route that takes no file still refuses a form with one.
    with_file = client.post(
        "/desk/sources/add",
        data={"csrf": csrf, "url": "https://one.example/feed"},
        files={"file": ("x.opml", b"<opml/>", "text/x-opml")},
    )
    assert with_file.status_code == 400
    assert list_sources(site) == []


def test_source_commands_are_logged_with_the_person_running_them(tmp_path: Path) -> None:
    root = tmp_path / "site"
    create_site(root)
    runner = CliRunner()
    with Newsroom.open(root) as newsroom:
        info = add_source(newsroom, "https://one.example/feed", name="One")
    for command in (["pause", str(info.id)], ["resume", str(info.id)], ["remove", str(info.id)]):
        done = runner.invoke(cli, ["source", *command, "-s", str(root)])
        assert done.exit_code == 0, done.output
    with Newsroom.open(root) as newsroom:
        entries = audit_entries(newsroom)
    assert [e.action for e in entries] == ["source.remove", "source.resume", "source.pause"]
    assert all(e.actor.startswith("cli:") and e.via == "cli" for e in entries)


def test_an_upload_that_does_not_say_its_length_is_cut_off_at_the_limit(site: Newsroom) -> None:
    client, csrf = _as(site, Role.ADMIN)

    def body() -> Iterator[bytes]:
        yield f'--b\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'.encode()
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="s.opml"\r\n\r\n'
        for _ in range(40):
            yield b"<!-- filler -->" * 4096

    refused = client.post(
        "/desk/sources/import",
        content=body(),
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert refused.status_code == 413 and "larger than 1 MB" in refused.text
    assert list_sources(site) == []
