"""`/healthz` and `/readyz`: what monitoring sees of a server, and /readyz turning red
with a reason an operator can act on (a schema behind, no engine into an edition, a
broker away) and green again."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from starlette.testclient import TestClient

from babelwire.jobs.site import create_site
from babelwire.newsroom import Newsroom
from babelwire.storage.database import MIGRATIONS, upgrade
from babelwire.web.app import create_app


def _client(newsroom: Newsroom) -> TestClient:
    return TestClient(create_app(newsroom), base_url="http://127.0.0.1")


def test_a_working_site_is_healthy_and_ready(tmp_path: Path, database_url: str) -> None:
    create_site(tmp_path / "site", database_url=database_url)
    with Newsroom.open(tmp_path / "site") as newsroom:
        client = _client(newsroom)
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        assert health.headers["cache-control"] == "no-store"
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        body = ready.json()
        assert body["status"] == "ready"
        assert set(body["checks"]) == {"database", "schema", "engines"}
        assert all(check["ok"] for check in body["checks"].values())


def test_a_schema_behind_is_not_ready_until_upgraded(tmp_path: Path) -> None:
    create_site(tmp_path / "site")
    with Newsroom.open(tmp_path / "site") as newsroom:
        alembic = AlembicConfig()
        alembic.set_main_option("script_location", str(MIGRATIONS))
        with newsroom.db.begin() as connection:
            alembic.attributes["connection"] = connection
            command.downgrade(alembic, "0010")
        client = _client(newsroom)
        behind = client.get("/readyz")
        assert behind.status_code == 503
        assert behind.json()["checks"]["schema"] == {
            "ok": False,
            "detail": "behind this version: run `babelwire db upgrade`",
        }
        assert client.get("/healthz").status_code == 200  # the process itself is fine
        upgrade(newsroom.db)
        assert client.get("/readyz").status_code == 200


def test_an_edition_no_engine_reaches_is_not_ready(tmp_path: Path) -> None:
    # Apertium here has English, Spanish and Catalan: nothing translates into Finnish.
    create_site(tmp_path / "site", languages=["en", "fi"])
    with Newsroom.open(tmp_path / "site") as newsroom:
        ready = _client(newsroom).get("/readyz")
        assert ready.status_code == 503
        engines = ready.json()["checks"]["engines"]
        assert engines["ok"] is False and "no engine translates into fi" in engines["detail"]


def test_a_broker_away_is_not_ready(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("celery")
    create_site(tmp_path / "site")
    monkeypatch.setenv("BABELWIRE_WORKERS_BROKER_URL", "redis://127.0.0.1:1/0")
    with Newsroom.open(tmp_path / "site") as newsroom:
        ready = _client(newsroom).get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["broker"] == {
            "ok": False,
            "detail": "the broker is not reachable",
        }
    monkeypatch.setenv("BABELWIRE_WORKERS_BROKER_URL", "redis://127.0.0.1:6379/15")
    with Newsroom.open(tmp_path / "site") as newsroom:
        ready = _client(newsroom).get("/readyz")
        assert ready.json()["checks"]["broker"]["ok"] is True, ready.text
