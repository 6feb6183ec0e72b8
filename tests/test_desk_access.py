"""Who may reach what in the desk: every route against every role (a matrix, not a
sample), CSRF, login throttling, sessions that end, and the desk's absence where it
must not be (a static build, `desk.enabled = false`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.routing import BaseRoute, Mount, Route
from starlette.testclient import TestClient
from typer.testing import CliRunner

from babelwire.cli.main import app as cli
from babelwire.config import ConfigError
from babelwire.jobs.audit import Actor, audit_entries
from babelwire.jobs.site import create_site
from babelwire.jobs.users import LoginRefusedError, add_user, change_password, list_users, log_in
from babelwire.model import Role
from babelwire.newsroom import Newsroom
from babelwire.publish.static import build_site_report
from babelwire.web.app import create_app, site_routes
from babelwire.web.desk.wording import missing_words
from babelwire.web.metrics import metrics_routes
from babelwire.web.operations import operations_routes
from babelwire.web.websub import websub_routes

PASSWORD = "correct horse battery"
ROOT = Actor(name="cli:test", via="cli")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')

# The desk's routes and the least role each needs (None: anyone). Written here, apart
# from the app's own table, so that a new route fails the enumeration test below until
# someone decides who may use it.
MATRIX: dict[tuple[str, str], Role | None] = {
    ("GET", "/login"): None,
    ("POST", "/login"): None,
    ("GET", "/desk.css"): None,
    ("GET", "/language/{code}"): None,
    ("GET", "/"): Role.VIEWER,
    ("GET", "/account"): Role.VIEWER,
    ("POST", "/account"): Role.VIEWER,
    ("GET", "/sources"): Role.VIEWER,
    ("GET", "/sources/new"): Role.EDITOR,
    ("POST", "/sources/preview"): Role.EDITOR,
    ("POST", "/sources/add"): Role.EDITOR,
    ("GET", "/sources/export.opml"): Role.VIEWER,
    ("GET", "/sources/import"): Role.EDITOR,
    ("POST", "/sources/import"): Role.EDITOR,
    ("GET", "/sources/{source_id}"): Role.VIEWER,
    ("POST", "/sources/{source_id}/edit"): Role.EDITOR,
    ("POST", "/sources/{source_id}/pause"): Role.EDITOR,
    ("POST", "/sources/{source_id}/resume"): Role.EDITOR,
    ("POST", "/sources/{source_id}/remove"): Role.EDITOR,
    ("GET", "/users"): Role.ADMIN,
    ("POST", "/users/add"): Role.ADMIN,
    ("POST", "/users/{name}/role"): Role.ADMIN,
    ("POST", "/users/{name}/password"): Role.ADMIN,
    ("POST", "/users/{name}/remove"): Role.ADMIN,
    ("GET", "/audit"): Role.ADMIN,
    ("GET", "/review"): Role.VIEWER,
    ("GET", "/review/{translation_id:int}"): Role.VIEWER,
    ("POST", "/review/{translation_id:int}"): Role.EDITOR,
    ("POST", "/review/{translation_id:int}/restore"): Role.EDITOR,
    ("POST", "/review/{translation_id:int}/release"): Role.EDITOR,
    ("POST", "/logout"): Role.VIEWER,
    # Articles and takedowns
    ("GET", "/articles"): Role.VIEWER,
    ("GET", "/articles/{article_id}"): Role.VIEWER,
    ("POST", "/articles/{article_id}/takedown"): Role.EDITOR,
    ("GET", "/takedowns"): Role.VIEWER,
    ("POST", "/takedowns/{tombstone_id}/undo"): Role.ADMIN,
    # Glossary and gazetteer
    ("GET", "/glossary"): Role.VIEWER,
    ("POST", "/glossary"): Role.EDITOR,
    ("GET", "/gazetteer"): Role.VIEWER,
    ("POST", "/gazetteer"): Role.EDITOR,
    # Stories and sections
    ("GET", "/stories"): Role.VIEWER,
    ("GET", "/stories/{story_id}"): Role.VIEWER,
    ("POST", "/stories/{story_id}/merge"): Role.EDITOR,
    ("POST", "/stories/{story_id}/headline"): Role.EDITOR,
    ("POST", "/articles/{article_id}/story"): Role.EDITOR,
    ("POST", "/articles/{article_id}/section"): Role.EDITOR,
    ("GET", "/sections"): Role.VIEWER,
    ("POST", "/sections/retrain"): Role.EDITOR,
    ("POST", "/sections/name"): Role.EDITOR,
}
# What a request fills a path's parameters with: names no one has, so that an allowed
# change is refused by its use case (400) instead of changing the people under test.
# An id that matches nothing is answered 404 (after the role is checked).
PARAMETERS = {
    "{name}": "nobody-here",
    "{code}": "es",
    "{source_id}": "987654",
    "{translation_id:int}": "987654",
    "{article_id}": "999999",
    "{tombstone_id}": "999999",
    "{story_id}": "999999",
}
NOT_FOUND_PARAMETERS = (
    "{source_id}",
    "{translation_id:int}",
    "{article_id}",
    "{tombstone_id}",
    "{story_id}",
)


@pytest.fixture
def site(tmp_path: Path, database_url: str) -> Iterator[Newsroom]:
    create_site(tmp_path / "site", title="Desk Wire", database_url=database_url)
    newsroom = Newsroom.open(tmp_path / "site")
    for role in Role:
        add_user(newsroom, role.value, role.value, actor=ROOT, password=PASSWORD)
    try:
        yield newsroom
    finally:
        newsroom.close()


def _client(newsroom: Newsroom) -> TestClient:
    return TestClient(create_app(newsroom), base_url="http://127.0.0.1")


def _sign_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign in through the form; the session's CSRF token, read from a page."""
    form = client.get("/desk/login")
    token = CSRF.search(form.text)
    assert token, form.text
    done = client.post(
        "/desk/login",
        data={"csrf": token[1], "name": name, "password": password, "next": "/desk/"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    page = client.get("/desk/account")
    found = CSRF.search(page.text)
    assert found, page.text
    return found[1]


def _desk_routes(routes: list[BaseRoute], prefix: str = "") -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, Mount) and route.path == "/desk":
            for inner in route.routes:
                assert isinstance(inner, Route)
                found |= {(m, inner.path) for m in inner.methods or () if m != "HEAD"}
    return found


def test_every_desk_route_is_in_the_role_matrix(site: Newsroom) -> None:
    app = create_app(site)
    assert _desk_routes(app.routes) == set(MATRIX)
    # Anything else the app answers is a page of the public site, a health check or
    # the metrics (open to all, or to the bearer of metrics.token), the WebSub callback
    # (open to hubs: a push is taken only signed with its subscription's secret), or the
    # API, whose routes tests/test_api_access.py checks.
    served = site_routes() + operations_routes() + metrics_routes() + websub_routes()
    public = {r.path for r in served if isinstance(r, Route)}
    mounted = {"/desk", "/api/v1"}
    others = {r.path for r in app.routes if not (isinstance(r, Mount) and r.path in mounted)}
    assert others == public


def _request(client: TestClient, method: str, path: str, csrf: str) -> int:
    for name, value in PARAMETERS.items():
        path = path.replace(name, value)
    if method == "GET":
        return client.get(f"/desk{path}", follow_redirects=False).status_code
    data = {"csrf": csrf, "role": "viewer", "password": "", "name": ""}
    return client.post(f"/desk{path}", data=data, follow_redirects=False).status_code


@pytest.mark.parametrize("who", [None, *Role])
def test_each_role_gets_exactly_its_routes(site: Newsroom, who: Role | None) -> None:
    client = _client(site)
    csrf = _sign_in(client, who.value) if who is not None else "none"
    # Signing out last: it ends the session the other requests use.
    for (method, path), needed in sorted(MATRIX.items(), key=lambda item: item[0][1] == "/logout"):
        status = _request(client, method, path, csrf)
        where = f"{method} {path} as {who}"
        if needed is None:
            assert status in (200, 303, 401, 403), where  # the sign-in form checks its own
            continue
        if who is None:
            assert status == (303 if method == "GET" else 401), where
        elif not who.may(needed):
            assert status == 403, where
        elif any(name in path for name in NOT_FOUND_PARAMETERS):
            assert status == 404, where
        else:
            assert status in (200, 303, 400), where


def test_a_form_without_its_csrf_token_changes_nothing(site: Newsroom) -> None:
    client = _client(site)
    _sign_in(client, "admin")
    refused = client.post("/desk/users/add", data={"csrf": "forged", "name": "mallory"})
    assert refused.status_code == 403
    assert "expired" in refused.text
    missing = client.post("/desk/users/viewer/remove", data={})
    assert missing.status_code == 403
    assert {u.name for u in list_users(site)} == {"admin", "editor", "viewer"}


def test_the_sign_in_form_needs_its_own_token(site: Newsroom) -> None:
    client = _client(site)
    refused = client.post(
        "/desk/login", data={"name": "admin", "password": PASSWORD}, follow_redirects=False
    )
    assert refused.status_code == 403
    assert "babelwire_desk=" not in refused.headers.get("set-cookie", "")


def test_an_admin_adds_a_person_and_the_change_is_logged(site: Newsroom) -> None:
    client = _client(site)
    csrf = _sign_in(client, "admin")
    added = client.post(
        "/desk/users/add",
        data={"csrf": csrf, "name": "reporter", "role": "editor", "display_name": "<b>Re</b>"},
    )
    assert added.status_code == 200
    made = re.search(r"<code>([^<]+)</code>", added.text)
    assert made, added.text
    assert "<b>Re</b>" not in added.text and "&lt;b&gt;Re&lt;/b&gt;" in added.text
    other = _client(site)
    _sign_in(other, "reporter", made[1])
    entry = audit_entries(site, action="user.add")[0]
    assert (entry.actor, entry.via, entry.target) == ("admin", "desk", "reporter")
    assert "reporter" in client.get("/desk/audit").text
    # A form that fails says why and keeps the page.
    again = client.post("/desk/users/add", data={"csrf": csrf, "name": "Bad Name"})
    assert again.status_code == 400 and "lower-case" in again.text


def test_the_last_admin_cannot_be_removed_or_demoted(site: Newsroom) -> None:
    client = _client(site)
    csrf = _sign_in(client, "admin")
    removed = client.post("/desk/users/admin/remove", data={"csrf": csrf})
    assert removed.status_code == 400 and "only admin" in removed.text
    demoted = client.post("/desk/users/admin/role", data={"csrf": csrf, "role": "viewer"})
    assert demoted.status_code == 400
    assert {u.name: u.role for u in list_users(site)}["admin"] is Role.ADMIN


def test_a_new_password_ends_every_other_session(site: Newsroom) -> None:
    phone, laptop = _client(site), _client(site)
    csrf = _sign_in(phone, "editor")
    _sign_in(laptop, "editor")
    changed = phone.post("/desk/account", data={"csrf": csrf, "password": "a new password 42"})
    assert changed.status_code == 200
    assert phone.get("/desk/", follow_redirects=False).status_code == 200
    assert laptop.get("/desk/", follow_redirects=False).status_code == 303
    # From the command line, every session ends.
    change_password(site, "editor", "yet another one", actor=ROOT)
    assert phone.get("/desk/", follow_redirects=False).status_code == 303


def test_signing_out_ends_the_session_on_the_server(site: Newsroom) -> None:
    client = _client(site)
    csrf = _sign_in(client, "viewer")
    cookie = client.cookies.get("babelwire_desk")
    assert cookie
    assert (
        client.post("/desk/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    )
    replay = _client(site)
    replay.cookies.set("babelwire_desk", cookie, path="/desk")
    assert replay.get("/desk/", follow_redirects=False).status_code == 303
    forged = _client(site)
    forged.cookies.set("babelwire_desk", cookie[:-2] + "xx", path="/desk")
    assert forged.get("/desk/", follow_redirects=False).status_code == 303


def test_logins_are_throttled_per_account_and_per_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BABELWIRE_DESK_ACCOUNT_FAILURES", "3")
    monkeypatch.setenv("BABELWIRE_DESK_ADDRESS_FAILURES", "5")
    create_site(tmp_path / "site")
    with Newsroom.open(tmp_path / "site") as site:
        add_user(site, "ana", "editor", actor=ROOT, password=PASSWORD)
        for _ in range(3):
            with pytest.raises(LoginRefusedError, match="Wrong name or password"):
                log_in(site, "ana", "guess guess guess", address="10.0.0.1")
        # The right password no longer helps, from anywhere, for this account.
        with pytest.raises(LoginRefusedError, match="Too many failed logins for this account"):
            log_in(site, "ana", PASSWORD, address="10.0.0.2")
        # One address trying many names is stopped too.
        for name in ("bo", "cy"):
            with pytest.raises(LoginRefusedError, match="Wrong"):
                log_in(site, name, "guess guess guess", address="10.0.0.1")
        with pytest.raises(LoginRefusedError, match="this address"):
            log_in(site, "dee", "guess guess guess", address="10.0.0.1")
        # The form says so, in words.
        client = _client(site)
        form = client.get("/desk/login")
        token = CSRF.search(form.text)
        assert token
        page = client.post(
            "/desk/login", data={"csrf": token[1], "name": "ana", "password": PASSWORD}
        )
        assert page.status_code == 401 and "Too many failed sign-ins for this account" in page.text


def test_the_desk_can_be_moved_or_turned_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_site(tmp_path / "site")
    monkeypatch.setenv("BABELWIRE_DESK_PATH", "/newsroom-admin")
    with Newsroom.open(tmp_path / "site") as site:
        client = _client(site)
        assert client.get("/newsroom-admin/login").status_code == 200
        assert client.get("/desk/login").status_code == 404
    monkeypatch.setenv("BABELWIRE_DESK_ENABLED", "false")
    with Newsroom.open(tmp_path / "site") as site:
        assert _client(site).get("/newsroom-admin/login").status_code == 404
    monkeypatch.setenv("BABELWIRE_DESK_PATH", "/en")
    with pytest.raises(ConfigError, match=r"desk\.path: /en is a path of the public site"):
        Newsroom.open(tmp_path / "site")


def test_user_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    site = tmp_path / "site"
    create_site(site)
    made = runner.invoke(
        cli, ["user", "add", "root", "--role", "admin", "--generate", "-s", str(site)]
    )
    assert made.exit_code == 0, made.output
    assert "shown this once" in made.output
    typed = runner.invoke(cli, ["user", "add", "ed", "-s", str(site)], input="short\nshort\n")
    assert typed.exit_code == 2 and "at least 10 characters" in typed.output
    typed = runner.invoke(
        cli, ["user", "add", "ed", "-s", str(site)], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert typed.exit_code == 0, typed.output
    listed = runner.invoke(cli, ["user", "list", "-s", str(site)])
    assert "root" in listed.output and "editor" in listed.output
    assert runner.invoke(cli, ["user", "remove", "root", "-s", str(site)]).exit_code == 2
    assert runner.invoke(cli, ["user", "remove", "ed", "-s", str(site)]).exit_code == 0
    with Newsroom.open(site) as newsroom:
        actions = [e.action for e in audit_entries(newsroom)]
        assert actions == ["user.remove", "user.add", "user.add"]
        assert audit_entries(newsroom)[0].actor.startswith("cli:")


def test_the_desk_speaks_english_spanish_and_catalan(site: Newsroom) -> None:
    assert missing_words() == {}
    client = _client(site)
    assert "Entrar" in client.get("/desk/login", headers={"Accept-Language": "es-ES"}).text
    client.get("/desk/language/ca")
    assert "Entra" in client.get("/desk/login").text


def test_a_static_build_holds_no_desk(site: Newsroom, tmp_path: Path) -> None:
    out = tmp_path / "public"
    build_site_report(site, out, search_index=False)
    written = [p for p in out.rglob("*") if p.is_file()]
    assert written, "the build wrote nothing"
    assert not (out / "desk").exists()
    assert not any(
        "/desk/" in p.read_text(errors="replace") for p in written if p.suffix in {".html", ".xml"}
    )
