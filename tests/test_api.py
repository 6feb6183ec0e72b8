"""The JSON API against a real `babelwire serve` on 127.0.0.1, with httpx: reads with
their provenance, ETags and 304s, takedowns as 410, cursors stable while articles
arrive, every kind of bad input as problem details, limits, writes with tokens and
their audit log, revocation, the export download and the OpenAPI document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from babelwire.clock import utcnow
from babelwire.jobs.audit import Actor, audit_entries
from babelwire.jobs.takedown import take_down
from babelwire.jobs.tokens import create_token, revoke_token
from babelwire.storage.published.search import reindex_all
from babelwire.storage.tables import TranslationRow
from tests.factory import make_article, make_translation
from tests.record_site import RecordSite, record_site
from tests.serving import free_port, serving

pytestmark = pytest.mark.slow

ACTOR = Actor(name="cli:test", via="cli")
API = "/api/v1"


@dataclass
class Served:
    base: str
    site: RecordSite
    tokens: dict[str, str]

    def get(self, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {self.tokens[token]}"
        return httpx.get(self.base + API + path, headers=headers, timeout=30, **kwargs)

    def send(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {self.tokens[token]}"
        return httpx.request(method, self.base + API + path, headers=headers, timeout=60, **kwargs)


def _serve(
    tmp_path: Path, database_url: str, env: dict[str, str] | None = None
) -> Iterator[Served]:
    site = record_site(tmp_path / "site", database_url)
    tokens = {}
    for role in ("viewer", "editor", "admin"):
        _, tokens[role] = create_token(site.newsroom, role, role, actor=ACTOR)
    try:
        with serving(site.root, free_port(), env=env) as base:
            yield Served(base, site, tokens)
    finally:
        site.newsroom.close()


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[Served]:
    yield from _serve(tmp_path, database_url)


def _is_problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = answer.json()
    assert body["status"] == status
    assert body["title"] and body["type"] == "about:blank"
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_lists_and_records_say_how_each_text_was_made(served: Served) -> None:
    site = served.site
    listed = served.get("/articles", params={"edition": "en"}).json()
    by_id = {item["id"]: item for item in listed["items"]}
    assert {site.full, site.english} <= set(by_id)
    assert site.taken_down not in by_id and site.unpublished not in by_id
    full = by_id[site.full]["provenance"]
    assert full == {
        "machine_translated": True,
        "from_language": "es",
        "engine": "apertium",
        "engine_version": "3.8.3",
        "model_version": None,
        "revised_by_person": True,
        "original_url": "https://diario.example/a/1",
        "quality_gate": "passed",
    }
    own = by_id[site.english]["provenance"]
    assert own["machine_translated"] is False and own["engine"] is None
    assert own["quality_gate"] is None
    assert by_id[site.english]["url"].startswith("https://wire.example/en/article/")

    record = served.get(f"/articles/{site.full}").json()
    assert record["links"]["original"] == "https://diario.example/a/1"
    assert [t["language"] for t in record["translations"]] == ["en"]  # ca is held
    english = record["translations"][0]
    assert english["provenance"]["revised_by_person"] is True
    assert english["provenance"]["quality"] == 0.91
    assert english["provenance"]["flags"] == ["untranslated_words"]

    # Held translations only for a token.
    _is_problem(served.get(f"/articles/{site.full}", params={"held": "true"}), 401)
    held = served.get(f"/articles/{site.full}", "viewer", params={"held": "true"}).json()
    assert {t["language"]: t["status"] for t in held["translations"]} == {
        "en": "translated",
        "ca": "held",
    }
    gates = {t["language"]: t["provenance"]["quality_gate"] for t in held["translations"]}
    assert gates == {"en": "passed", "ca": "held"}

    # Stories carry their reports with the same provenance; search finds by words.
    with site.newsroom.sessions.begin() as session:
        reindex_all(session)
    story = served.get(f"/stories/{site.story}", params={"edition": "en"}).json()
    assert [m["article_id"] for m in story["articles"]] == [site.full]
    assert story["articles"][0]["provenance"]["from_language"] == "es"
    found = served.get("/search", params={"q": "budget", "edition": "en"}).json()
    assert [item["id"] for item in found["items"]] == [site.full]
    assert found["items"][0]["provenance"]["machine_translated"] is True
    sources = served.get("/sources").json()["items"]
    assert {s["name"] for s in sources} == {"Diario Ejemplo", "Daily Example"}
    assert all("last_error" not in s for s in sources)


def test_conditional_requests_answer_304_until_something_changes(served: Served) -> None:
    site = served.site
    first = served.get("/articles", params={"edition": "en"})
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public, max-age=")
    again = served.get("/articles", params={"edition": "en"}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag

    take_down(site.newsroom, str(site.english), "asked by the source")
    changed = served.get("/articles", params={"edition": "en"}, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert site.english not in [item["id"] for item in changed.json()["items"]]
    # Errors carry their own Cache-Control; answers to a token are private.
    assert served.get("/articles/999999").headers["cache-control"] == "no-store"
    mine = served.get("/articles", "viewer")
    assert mine.headers["cache-control"] == "private, no-cache"
    assert "etag" in mine.headers


def test_taken_down_articles_are_gone_with_their_date(served: Served) -> None:
    site = served.site
    for article_id in (site.taken_down, site.tombstoned):
        body = _is_problem(served.get(f"/articles/{article_id}"), 410)
        assert body["taken_down_at"].endswith("Z")
    _is_problem(served.get(f"/articles/{site.unpublished}"), 404)


def test_cursors_list_every_article_once_while_new_ones_arrive(served: Served) -> None:
    site = served.site
    now = utcnow()
    shown = len(served.get("/articles", params={"edition": "en", "limit": 100}).json()["items"])
    with site.newsroom.sessions.begin() as session:
        for n in range(25):
            article = make_article(
                session, site.en_source, language="en", first_published_at=now - timedelta(hours=n)
            )
            make_translation(session, article, "en", "original")
    everything = served.get("/articles", params={"edition": "en", "limit": 100}).json()
    before = {item["id"] for item in everything["items"]}
    assert len(before) == shown + 25
    cursor = None
    seen: list[int] = []
    round_ = 0
    while True:
        params: dict[str, Any] = {"edition": "en", "limit": 7}
        if cursor is not None:
            params["cursor"] = cursor
        page = served.get("/articles", params=params).json()
        seen += [item["id"] for item in page["items"]]
        # A pass publishes articles meanwhile: newer ones, and one older than any shown.
        with site.newsroom.sessions.begin() as session:
            for when in (now + timedelta(minutes=round_ + 1), now - timedelta(days=400)):
                article = make_article(
                    session, site.en_source, language="en", first_published_at=when
                )
                make_translation(session, article, "en", "original")
        round_ += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)), "an article was listed twice"
    assert before <= set(seen), "an article was skipped"


BAD_REQUESTS: list[tuple[str, str, dict[str, Any], int]] = [
    ("GET", "/articles?cursor=not-a-cursor", {}, 400),
    ("GET", "/articles?cursor=" + "eyJ4IjoxfQ", {}, 400),
    ("GET", "/articles?edition=xx", {}, 400),
    ("GET", "/articles?since=yesterday", {}, 422),
    ("GET", "/articles?since=9999-12-31T23:59:59-14:00", {}, 400),
    ("GET", "/articles?limit=0", {}, 422),
    ("GET", "/articles?source=abc", {}, 422),
    ("GET", "/articles/0", {}, 422),
    ("GET", "/articles/99999999999", {}, 422),
    ("GET", "/articles/abc", {}, 422),
    ("GET", "/stories/424242", {}, 404),
    ("GET", "/nothing-here", {}, 404),
    ("DELETE", "/articles", {}, 405),
    ("GET", "/search", {}, 422),
    ("POST", "/sources", {"content": b"{not json", "token": "editor"}, 422),
    ("POST", "/sources", {"json": {"url": 5}, "token": "editor"}, 422),
    (
        "POST",
        "/sources",
        {"json": {"url": "http://a.example/", "colour": 1}, "token": "editor"},
        422,
    ),
    ("POST", "/sources", {"json": {"url": "ftp://a.example/f"}, "token": "editor"}, 400),
    ("POST", "/sources", {"content": b"x" * 2_000_000, "token": "editor"}, 413),
    ("PATCH", "/sources/424242", {"json": {"name": "x"}, "token": "editor"}, 404),
    ("POST", "/articles/424242/takedown", {"json": {"reason": "x"}, "token": "editor"}, 404),
    ("POST", "/articles/1/takedown", {"json": {"reason": ""}, "token": "editor"}, 422),
    (
        "PUT",
        "/translations/424242",
        {"json": {"title": "t", "blocks": [], "base_revision": 0}, "token": "editor"},
        404,
    ),
    ("GET", "/held", {"headers": {"Authorization": "Bearer bw_wrong"}}, 401),
    ("GET", "/held", {"headers": {"Authorization": "Token abc"}}, 401),
    ("GET", "/held", {"token": "viewer", "params": {"cursor": "x" * 500}}, 422),
    # NUL characters, which PostgreSQL refuses in text (found by fuzzing the API).
    ("GET", "/articles?language=%00&section=x", {}, 422),
    ("GET", "/search?q=a%00b", {}, 422),
    ("POST", "/held/1/e%00n/release", {"token": "editor"}, 422),
    ("POST", "/articles/1/takedown", {"json": {"reason": "a\x00b"}, "token": "editor"}, 422),
    (
        "POST",
        "/sources",
        {"json": {"url": "http://a.example/", "name": "\x00"}, "token": "editor"},
        422,
    ),
]


@pytest.mark.parametrize(("method", "path", "options", "status"), BAD_REQUESTS)
def test_bad_input_is_answered_with_problem_details(
    served_once: Served, method: str, path: str, options: dict[str, Any], status: int
) -> None:
    options = dict(options)
    token = options.pop("token", None)
    answer = served_once.send(method, path, token, **options)
    _is_problem(answer, status)


@pytest.fixture(scope="module")
def served_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for the read-only bad-input table (nothing it sends changes anything)."""
    root = tmp_path_factory.mktemp("api")
    yield from _serve(root, f"sqlite:///{root / 'api.sqlite3'}")


def test_rate_limits_answer_429_with_retry_after(tmp_path: Path) -> None:
    env = {
        "BABELWIRE_API_ADDRESS_REQUESTS_PER_MINUTE": "5",
        "BABELWIRE_API_TOKEN_REQUESTS_PER_MINUTE": "8",
    }
    for served in _serve(tmp_path, f"sqlite:///{tmp_path / 'x.sqlite3'}", env=env):
        statuses = [served.get("/editions").status_code for _ in range(7)]
        assert statuses[:5] == [200] * 5
        assert statuses[5:] == [429, 429]
        limited = served.get("/editions")
        body = _is_problem(limited, 429)
        assert int(limited.headers["retry-after"]) >= 1
        assert "try again" in body["detail"]
        # A token has a bucket of its own.
        with_token = [served.get("/editions", "viewer").status_code for _ in range(9)]
        assert with_token == [200] * 8 + [429]
        # The site's pages are not limited by the API's buckets.
        assert httpx.get(served.base + "/en/", timeout=10).status_code == 200


def test_writes_need_their_role_and_are_in_the_audit_log(
    tmp_path: Path, database_url: str, demo_server: Any
) -> None:
    for served in _serve(tmp_path, database_url):
        site = served.site
        feed = demo_server.feed_url("harbour-courier")
        added = served.send("POST", "/sources", "editor", json={"url": feed, "name": "Harbour"})
        assert added.status_code == 201, added.text
        source_id = added.json()["id"]
        changed = served.send(
            "PATCH", f"/sources/{source_id}", "editor", json={"section": "economy", "paused": True}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["section"] == "economy" and changed.json()["paused"] is True
        assert served.get(f"/sources/{source_id}", "viewer").json()["status"] == "paused"
        refreshed = served.send("POST", f"/sources/{source_id}/refresh", "editor")
        assert refreshed.status_code == 200, refreshed.text
        assert refreshed.json()["new"] > 0
        assert served.send("DELETE", f"/sources/{source_id}", "editor").status_code == 200
        _is_problem(served.get(f"/sources/{source_id}", "viewer"), 404)

        # Held translations: listed for a viewer, released by an editor.
        held = served.get("/held", "viewer").json()
        assert (site.full, "ca") in [(i["article_id"], i["language"]) for i in held["items"]]
        assert held["held"] == len(held["items"])
        released = served.send("POST", f"/held/{site.full}/ca/release", "editor")
        assert released.json() == {"released": True}
        record = served.get(f"/articles/{site.full}").json()
        assert "ca" in [t["language"] for t in record["translations"]]

        # Post-editing with the revision it was made on; a stale one is 409.
        with site.newsroom.sessions() as session:
            row = (
                session.query(TranslationRow)
                .filter_by(article_id=site.english, language="es")
                .one()
            )
            translation_id, revision = row.id, row.revision
        edit = {"title": "Los mercados suben con fuerza", "blocks": ["Los mercados subieron."]}
        done = served.send(
            "PUT",
            f"/translations/{translation_id}",
            "editor",
            json={**edit, "base_revision": revision},
        )
        assert done.status_code == 200, done.text
        assert done.json()["published"] is True
        stale = served.send(
            "PUT",
            f"/translations/{translation_id}",
            "editor",
            json={**edit, "base_revision": revision},
        )
        _is_problem(stale, 409)
        listed = served.get("/articles", params={"edition": "es"}).json()["items"]
        assert any(
            i["title"] == edit["title"] and i["provenance"]["revised_by_person"] for i in listed
        )

        taken = served.send(
            "POST", f"/articles/{site.english}/takedown", "editor", json={"reason": "asked"}
        )
        assert taken.status_code == 200, taken.text
        assert taken.json()["paths"]
        _is_problem(served.get(f"/articles/{site.english}"), 410)

        actions = {(e.actor, e.via, e.action) for e in audit_entries(site.newsroom, limit=100)}
        for action in (
            "source.add",
            "source.refresh",
            "translation.release",
            "translation.publish",
            "article.takedown",
        ):
            assert any(
                a == action and actor == "token:editor" and via == "api"
                for actor, via, a in actions
            ), action

        # A revoked token is refused from the next request on.
        revoke_token(site.newsroom, "viewer", actor=ACTOR)
        _is_problem(served.get("/held", "viewer"), 401)


def test_private_network_sources_follow_the_command_line_rules(tmp_path: Path) -> None:
    env = {"BABELWIRE_FETCH_ALLOW_PRIVATE_NETWORKS": "false"}
    for served in _serve(tmp_path, f"sqlite:///{tmp_path / 'x.sqlite3'}", env=env):
        url = "http://127.0.0.1:9/feed.xml"
        refused = served.send("POST", "/sources", "editor", json={"url": url})
        assert "private" in _is_problem(refused, 400)["detail"]
        asked = {"url": url, "allow_private": True}
        _is_problem(served.send("POST", "/sources", "editor", json=asked), 403)
        # An admin may allow it; the address then answers nothing, which is said plainly.
        answer = served.send("POST", "/sources", "admin", json={**asked, "kind": "feed"})
        assert answer.status_code in (201, 400), answer.text


def test_the_openapi_document_validates_and_the_reference_lists_it(served: Served) -> None:
    document = served.get("/openapi.json").json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    reference = served.get("/docs")
    assert reference.status_code == 200
    assert "<script" not in reference.text
    for path, item in document["paths"].items():
        for method in item:
            assert f"{method.upper()}</span> {API}{path}" in reference.text.replace("&#39;", "'")


def test_the_export_streams_every_record_for_a_viewer_token(served: Served) -> None:
    _is_problem(served.get("/export"), 401)
    with httpx.stream(
        "GET",
        served.base + API + "/export",
        headers={"Authorization": f"Bearer {served.tokens['viewer']}"},
        timeout=30,
    ) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in answer.iter_lines() if line]
    assert sorted(r["id"] for r in lines) == served.site.published
    for record in lines:
        for translation in record["translations"]:
            assert translation["provenance"]["machine_translated"] is True
            assert translation["provenance"]["engine"]
        assert record["links"]["original"].startswith("https://")


def test_cors_is_off_unless_configured(tmp_path: Path, served: Served) -> None:
    origin = {"Origin": "https://reader.example"}
    assert "access-control-allow-origin" not in served.get("/editions", headers=origin).headers
    env = {"BABELWIRE_API_CORS_ORIGINS": '["https://reader.example"]'}
    for other in _serve(tmp_path / "cors", f"sqlite:///{tmp_path / 'c.sqlite3'}", env=env):
        read = other.get("/editions", headers=origin)
        assert read.headers["access-control-allow-origin"] == "https://reader.example"
        preflight = httpx.options(
            other.base + API + "/sources",
            headers={**origin, "Access-Control-Request-Method": "POST"},
            timeout=10,
        )
        assert "POST" not in preflight.headers.get("access-control-allow-methods", "")
        token_read = httpx.options(
            other.base + API + "/held",
            headers={
                **origin,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization",
            },
            timeout=10,
        )
        assert token_read.status_code == 400
