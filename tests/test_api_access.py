"""Every route of the API is either a public read or needs a token of a role, checked
on the server for every request: no token, a wrong one or a revoked one is 401, a
token of a lower role 403, and the role itself gets through."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from starlette.routing import Route
from starlette.testclient import TestClient
from typer.testing import CliRunner

from babelwire.cli.main import app as cli
from babelwire.jobs.audit import Actor, audit_entries
from babelwire.jobs.site import create_site
from babelwire.jobs.tokens import create_token, revoke_token, token_for
from babelwire.model import Role
from babelwire.newsroom import Newsroom
from babelwire.web.api.app import PREFIX, create_api_app
from babelwire.web.app import create_app
from tests.record_site import RecordSite, record_site

ADMIN_ACTOR = Actor(name="cli:test", via="cli")

# The API's public reads: anyone may ask (held translations of an article need a token,
# checked in the endpoint; see test_held_translations_need_a_token).
PUBLIC = {
    ("GET", "/"),
    ("GET", "/docs"),
    ("GET", "/openapi.json"),
    ("GET", "/editions"),
    ("GET", "/articles"),
    ("GET", "/articles/{article_id}"),
    ("GET", "/stories"),
    ("GET", "/stories/{story_id}"),
    ("GET", "/sections"),
    ("GET", "/tags"),
    ("GET", "/sources"),
    ("GET", "/search"),
}
# The least role of every other route.
MATRIX = {
    ("GET", "/sources/{source_id}"): Role.VIEWER,
    ("POST", "/sources"): Role.EDITOR,
    ("PATCH", "/sources/{source_id}"): Role.EDITOR,
    ("DELETE", "/sources/{source_id}"): Role.EDITOR,
    ("POST", "/sources/{source_id}/refresh"): Role.EDITOR,
    ("POST", "/passes"): Role.EDITOR,
    ("POST", "/articles/{article_id}/takedown"): Role.EDITOR,
    ("POST", "/articles/{article_id}/retranslate"): Role.EDITOR,
    ("GET", "/held"): Role.VIEWER,
    ("POST", "/held/{article_id}/{language}/release"): Role.EDITOR,
    ("PUT", "/translations/{translation_id}"): Role.EDITOR,
    ("GET", "/export"): Role.VIEWER,
}
# A valid body for each route that takes one: refusals must not depend on the body.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/sources"): {"url": "http://127.0.0.1:9/feed.xml", "name": "Nowhere"},
    ("PATCH", "/sources/{source_id}"): {"name": "Renamed"},
    ("POST", "/articles/{article_id}/takedown"): {"reason": "asked by the source"},
    ("POST", "/articles/{article_id}/retranslate"): {},
    ("PUT", "/translations/{translation_id}"): {
        "title": "A title",
        "blocks": ["A block."],
        "base_revision": 0,
        "publish": False,
    },
}


def _role_of(route: APIRoute | Route) -> Role | None:
    """The role a route's dependencies ask for (None: none)."""
    if not isinstance(route, APIRoute):
        return None  # a plain route (the OpenAPI document) has no dependencies
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        role = getattr(dependency.call, "api_role", None)
        if role is not None:
            return Role(role)
        pending.extend(dependency.dependencies)
    return None


def _api_routes(site: RecordSite) -> list[APIRoute]:
    """Every route of the API app, those of the routers it includes too (FastAPI keeps
    an included router as one entry holding its routes)."""
    found: list[APIRoute] = []
    pending: list[Any] = list(create_api_app(site.newsroom).routes)
    while pending:
        route = pending.pop()
        if isinstance(route, APIRoute):
            found.append(route)
        elif isinstance(route, Route):
            found.append(route)  # type: ignore[arg-type]
        else:
            included = getattr(route, "original_router", None)
            assert included is not None, f"a route of unknown kind: {route!r}"
            pending.extend(included.routes)
    return found


@pytest.fixture
def site(tmp_path: Path, database_url: str) -> Iterator[RecordSite]:
    found = record_site(tmp_path / "site", database_url)
    yield found
    found.newsroom.close()


def test_every_api_route_is_public_or_in_the_role_matrix(site: RecordSite) -> None:
    seen: dict[tuple[str, str], Role | None] = {}
    for route in _api_routes(site):
        for method in route.methods or ():
            if method == "HEAD":
                continue
            seen[(method, route.path)] = _role_of(route)
    public = {key for key, role in seen.items() if role is None}
    protected = {key: role for key, role in seen.items() if role is not None}
    assert public == PUBLIC
    assert protected == MATRIX


def _tokens(site: RecordSite) -> dict[str, str]:
    made = {}
    for role in Role:
        _, made[role.value] = create_token(site.newsroom, role.value, role.value, actor=ADMIN_ACTOR)
    _, made["revoked"] = create_token(site.newsroom, "gone", "admin", actor=ADMIN_ACTOR)
    revoke_token(site.newsroom, "gone", actor=ADMIN_ACTOR)
    return made


def _path(site: RecordSite, template: str) -> str:
    values = {
        "{source_id}": str(site.en_source),
        "{article_id}": str(site.english),
        "{translation_id}": "1",
        "{language}": "ca",
    }
    for name, value in values.items():
        template = template.replace(name, value)
    return PREFIX + template


def _call(
    client: TestClient, site: RecordSite, method: str, template: str, token: str | None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = BODIES.get((method, template))
    return client.request(method, _path(site, template), headers=headers, json=body)


def test_every_protected_route_refuses_whom_it_must(site: RecordSite) -> None:
    tokens = _tokens(site)
    with TestClient(create_app(site.newsroom), base_url="http://127.0.0.1") as client:
        for (method, template), least in MATRIX.items():
            where = f"{method} {template}"
            nobody = _call(client, site, method, template, None)
            assert nobody.status_code == 401, where
            assert nobody.headers["content-type"] == "application/problem+json", where
            assert "Bearer" in nobody.headers["www-authenticate"], where
            for bad in ("bw_not-a-token", tokens["revoked"], "Basic abc"):
                refused = _call(client, site, method, template, bad)
                assert refused.status_code == 401, (where, bad)
            for role in Role:
                answer = _call(client, site, method, template, tokens[role.value])
                if role.may(least):
                    assert answer.status_code not in (401, 403), (where, role, answer.text)
                else:
                    assert answer.status_code == 403, (where, role)
                    assert answer.json()["status"] == 403
    # POST /passes started passes in this process: let them end before the database goes.
    for thread in threading.enumerate():
        if thread.name == "babelwire-pass":
            thread.join(timeout=120)


def test_a_wrong_token_is_refused_even_on_public_reads(site: RecordSite) -> None:
    with TestClient(create_app(site.newsroom), base_url="http://127.0.0.1") as client:
        assert client.get(PREFIX + "/articles").status_code == 200
        refused = client.get(PREFIX + "/articles", headers={"Authorization": "Bearer bw_nope"})
        assert refused.status_code == 401
        assert refused.json()["detail"] == "this token is unknown or has been revoked"


def test_token_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    site = tmp_path / "site"
    create_site(site)
    made = runner.invoke(
        cli, ["token", "create", "--name", "monitoring", "--role", "editor", "-s", str(site)]
    )
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert secret.startswith("bw_") and len(secret) > 40
    assert "shown this once" in made.stderr
    again = runner.invoke(cli, ["token", "create", "--name", "monitoring", "-s", str(site)])
    assert again.exit_code == 2 and "already a token called monitoring" in again.output
    bad = runner.invoke(cli, ["token", "create", "--name", "Bad Name", "-s", str(site)])
    assert bad.exit_code == 2 and "token name" in bad.output
    wrong_role = runner.invoke(cli, ["token", "create", "-n", "x", "-r", "owner", "-s", str(site)])
    assert wrong_role.exit_code == 2 and "role 'owner'" in wrong_role.output
    listed = runner.invoke(cli, ["token", "list", "-s", str(site)])
    assert "monitoring" in listed.output and "live" in listed.output
    assert secret not in listed.output and secret[:11] in listed.output
    with Newsroom.open(site) as newsroom:
        found = token_for(newsroom, secret)
        assert found is not None and found.role is Role.EDITOR
    assert runner.invoke(cli, ["token", "revoke", "monitoring", "-s", str(site)]).exit_code == 0
    assert runner.invoke(cli, ["token", "revoke", "nobody", "-s", str(site)]).exit_code == 2
    assert "revoked" in runner.invoke(cli, ["token", "list", "-s", str(site)]).output
    with Newsroom.open(site) as newsroom:
        assert token_for(newsroom, secret) is None
        actions = [e.action for e in audit_entries(newsroom)]
        assert actions == ["token.revoke", "token.create"]
