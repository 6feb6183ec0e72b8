"""`/metrics` after a real pass over the loopback sample outlets: the series a scrape
gives equal what the database holds; the bearer token and `enabled` are checked by the
server; several `serve --workers` processes answer the same newsroom figures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from starlette.testclient import TestClient

from babelwire.demo.server import DemoServer
from babelwire.jobs.run import run_pass
from babelwire.newsroom import Newsroom
from babelwire.storage.tables import ArticleRow, FetchLogRow, TranslationRow
from babelwire.web.app import create_app
from tests.conftest import make_site
from tests.serving import free_port, serving

Samples = dict[str, dict[tuple[tuple[str, str], ...], float]]


def parse(text: str) -> Samples:
    """Every sample of a scrape: name -> {sorted labels: value}."""
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = tuple(sorted(sample.labels.items()))
            found.setdefault(sample.name, {})[labels] = sample.value
    return found


def scrape(client: TestClient, **headers: str) -> Samples:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["cache-control"] == "no-store"
    return parse(response.text)


def by(samples: Samples, name: str, label: str) -> dict[str, float]:
    return {dict(labels)[label]: value for labels, value in samples.get(name, {}).items()}


@pytest.fixture
def passed(
    tmp_path: Path, demo_server: DemoServer, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Newsroom]:
    # A threshold above the best score (1.0): every translation is held for review.
    monkeypatch.setenv("BABELWIRE_TRANSLATION_QUALITY_THRESHOLD", "1.5")
    monkeypatch.setenv("BABELWIRE_TRANSLATION_ON_LOW_QUALITY", "hold")
    room = make_site(tmp_path / "site", demo_server, database_url)
    try:
        assert run_pass(room).sources
        yield room
    finally:
        room.close()


def test_a_scrape_after_a_pass_matches_the_database(passed: Newsroom) -> None:
    client = TestClient(create_app(passed), base_url="http://127.0.0.1")
    assert client.get("/").status_code == 200
    samples = scrape(client)
    with passed.sessions() as session:
        stages = dict(
            session.execute(select(ArticleRow.stage, func.count()).group_by(ArticleRow.stage)).all()
        )
        held = session.scalar(
            select(func.count()).select_from(TranslationRow).where(TranslationRow.status == "held")
        )
        live = session.scalar(
            select(func.count())
            .select_from(ArticleRow)
            .where(ArticleRow.first_published_at.is_not(None))
        )
        dated = session.scalar(
            select(func.count())
            .select_from(ArticleRow)
            .where(ArticleRow.first_published_at.is_not(None), ArticleRow.published_at.is_not(None))
        )
        polls = session.scalar(select(func.count()).select_from(FetchLogRow))
    assert by(samples, "babelwire_articles", "stage") == stages
    assert sum(stages.values()) == 34
    assert held and samples["babelwire_translations_held"][()] == held
    assert by(samples, "babelwire_translations", "status")["held"] == held
    assert samples["babelwire_articles_live"][()] == live
    assert samples["babelwire_publication_delay_seconds_count"][()] == dated
    # One poll of each of the four outlets, each answered 200.
    fetches = samples["babelwire_fetches_total"]
    assert sum(fetches.values()) == polls == 4
    assert {dict(k)["status_class"] for k in fetches} == {"2xx"}
    assert {dict(k)["outcome"] for k in fetches} == {"ok"}
    # Spanish and Catalan into English, English into Spanish...: words, seconds, segments.
    words = by(samples, "babelwire_translation_engine_words_total", "target_language")
    assert set(words) == {"en", "es"} and all(v > 0 for v in words.values())
    segments = samples["babelwire_translation_segments_total"]
    pairs = {(dict(k)["source_language"], dict(k)["target_language"]) for k in segments}
    assert ("es", "en") in pairs and ("ca", "es") in pairs
    assert all(0 <= v <= 1 for v in samples["babelwire_translation_memory_hit_ratio"].values())
    assert all(v > 0 for v in samples["babelwire_translation_words_per_second"].values())
    # One pass, the stages it ran, and this process's request counted under its pid.
    assert samples["babelwire_pass_duration_seconds_count"][()] == 1
    durations = by(samples, "babelwire_stage_duration_seconds_count", "stage")
    assert set(durations) == {"fetch", "extract", "translate", "publish"}
    requests = samples["babelwire_process_http_requests_total"]
    assert any(dict(k)["pid"] and dict(k)["status_class"] == "2xx" for k in requests)


def test_the_translation_memory_answers_a_second_translation(passed: Newsroom) -> None:
    from babelwire.jobs.retranslate import retranslate

    with passed.sessions() as session:
        ids = list(session.scalars(select(ArticleRow.id).where(ArticleRow.language == "es")))
    assert retranslate(passed, article_ids=ids[:2]).memory_hits > 0
    samples = scrape(TestClient(create_app(passed), base_url="http://127.0.0.1"))
    hits = by(samples, "babelwire_translation_memory_hits_total", "source_language")
    assert hits["es"] > 0


def test_the_token_and_the_switch_are_checked_by_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from babelwire.jobs.site import create_site

    create_site(tmp_path / "site")
    monkeypatch.setenv("BABELWIRE_METRICS_TOKEN", "s3cret-token")
    with Newsroom.open(tmp_path / "site") as newsroom:
        client = TestClient(create_app(newsroom), base_url="http://127.0.0.1")
        refused = client.get("/metrics")
        assert (
            refused.status_code == 401 and "bearer" in refused.headers["www-authenticate"].lower()
        )
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        samples = scrape(client, Authorization="Bearer s3cret-token")
        assert samples["babelwire_articles_live"][()] == 0
    monkeypatch.setenv("BABELWIRE_METRICS_ENABLED", "false")
    with Newsroom.open(tmp_path / "site") as newsroom:
        client = TestClient(create_app(newsroom), base_url="http://127.0.0.1")
        assert (
            client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).status_code
            == 404
        )


@pytest.mark.slow
def test_every_server_process_answers_the_same(tmp_path: Path, demo_server: DemoServer) -> None:
    room = make_site(tmp_path / "site", demo_server)
    with room:
        run_pass(room)
    with serving(tmp_path / "site", free_port(), "--workers", "2") as base:
        newsroom_series: list[dict[str, dict[tuple[tuple[str, str], ...], float]]] = []
        pids: set[str] = set()
        for _ in range(12):
            samples = parse(httpx.get(base + "/metrics", timeout=30).text)
            newsroom_series.append(
                {k: v for k, v in samples.items() if k.startswith("babelwire_articles")}
            )
            # A process counts a request once answered: its first scrape may show none.
            counted = samples.get("babelwire_process_http_requests_total", {})
            pids |= {dict(k)["pid"] for k in counted}
        assert all(series == newsroom_series[0] for series in newsroom_series)
        assert newsroom_series[0]["babelwire_articles"][(("stage", "published"),)] == 34
        assert pids  # each process labels its own requests with its pid
