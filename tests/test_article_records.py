"""The article record and the walk over every published article, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from babelwire.jobs.article_records import (
    UnknownEditionError,
    article_record,
    iter_article_records,
)
from babelwire.storage.tables import ArticleRow
from tests.factory import make_article, make_translation
from tests.record_site import BASE_URL, T0, RecordSite, record_site


@pytest.fixture
def site(tmp_path: Path, database_url: str) -> Iterator[RecordSite]:
    found = record_site(tmp_path / "site", database_url)
    try:
        yield found
    finally:
        found.newsroom.close()


def _ids(site: RecordSite, **filters: object) -> list[int]:
    return [r.id for r in iter_article_records(site.newsroom, **filters)]  # type: ignore[arg-type]


def test_every_field_of_a_record(site: RecordSite) -> None:
    record = article_record(site.newsroom, site.full)
    assert record is not None
    found = record.as_dict()
    assert found == {
        "id": site.full,
        "links": {
            "original": "https://diario.example/a/1",
            "pages": {
                "en": f"{BASE_URL}/en/article/{site.full}-the-government-approves-the-budget/",
                "es": f"{BASE_URL}/es/article/{site.full}-el-govern-aprueba-el-presupuesto/",
            },
        },
        "source": {
            "id": site.es_source,
            "name": "Diario Ejemplo",
            "url": "https://diario.example/rss",
        },
        "original": {
            "language": "es",
            "title": "El Govern aprueba el presupuesto",
            "author": "Ana Pérez",
            "published_at": "2026-03-01T10:00:00Z",
            "updated_at": "2026-03-01T11:00:00Z",
            "text": "Presupuesto\n\nEl Govern aprobó ayer el presupuesto.\n\nEs un buen día.",
            "blocks": [
                {"kind": "h", "text": "Presupuesto"},
                {"kind": "p", "text": "El Govern aprobó ayer el presupuesto."},
                {"kind": "quote", "text": "Es un buen día."},
            ],
        },
        "section": "politics",
        # Most mentioned first, as the article's page lists them.
        "tags": ["barcelona", "ana-lopez"],
        "story_id": site.story,
        "first_published_at": "2026-03-01T12:00:00Z",
        "updated_at": "2026-03-01T12:30:00Z",
        "translations": [
            {
                "language": "en",
                "status": "translated",
                "title": "The government approves the budget",
                "text": (
                    "Budget\n\nThe government approved the budget yesterday.\n\nIt is a good day."
                ),
                "blocks": [
                    {"kind": "h", "text": "Budget"},
                    {"kind": "p", "text": "The government approved the budget yesterday."},
                    {"kind": "quote", "text": "It is a good day."},
                ],
                "provenance": {
                    "machine_translated": True,
                    "from_language": "es",
                    "engine": "apertium",
                    "engine_version": "3.8.3",
                    "model_version": None,
                    "pivot": None,
                    "glossary_version": "g-2026-02",
                    "quality": 0.91,
                    "flags": ["untranslated_words"],
                    "revised_by_person": True,
                    "revised_at": "2026-03-01T12:20:00Z",
                    "revision": 3,
                    "translated_at": "2026-03-01T11:55:00Z",
                    "quality_gate": "passed",
                },
            }
        ],
    }
    # JSON as it is: no value needs a custom encoder.
    assert json.loads(json.dumps(found)) == found
    # Neither the reviser's user name nor their display name leaves the newsroom.
    shown = json.dumps(found, ensure_ascii=False)
    assert "maria" not in shown and "María" not in shown


def test_a_pivot_and_a_machine_text_not_revised(site: RecordSite) -> None:
    record = article_record(site.newsroom, site.english)
    assert record is not None
    assert record.links.original == "https://daily.example/markets"
    assert list(record.links.pages) == ["en", "es"]
    # The skipped Catalan translation is no translation of the record.
    assert len(record.translations) == 1
    found = record.as_dict()["translations"][0]
    assert found["language"] == "es"
    assert found["text"] == "Los mercados subieron."
    assert found["provenance"]["pivot"] == "en>ca>es"
    assert found["provenance"]["model_version"] == ";opus-mt-en-ca"
    assert found["provenance"]["from_language"] == "en"
    assert found["provenance"]["revised_by_person"] is False
    assert found["provenance"]["revised_at"] is None
    assert found["provenance"]["glossary_version"] is None
    assert record.as_dict()["tags"] == [] and record.story_id is None


def test_held_translations_only_when_asked(site: RecordSite) -> None:
    shown = article_record(site.newsroom, site.full)
    assert shown is not None and [t.language for t in shown.translations] == ["en"]
    held = article_record(site.newsroom, site.full, include_held=True)
    assert held is not None
    assert [(t.language, t.status) for t in held.translations] == [
        ("en", "translated"),
        ("ca", "held"),
    ]
    catalan = held.as_dict()["translations"][1]
    assert catalan["provenance"]["quality"] == 0.31
    assert catalan["provenance"]["flags"] == ["too_short"]
    # A held translation has no page on the site.
    assert list(held.links.pages) == ["en", "es"]
    records = {r.id: r for r in iter_article_records(site.newsroom, include_held=True)}
    assert [t.status for t in records[site.full].translations] == ["translated", "held"]
    plain = {r.id: r for r in iter_article_records(site.newsroom)}
    assert [t.status for t in plain[site.full].translations] == ["translated"]


def test_what_is_not_published_has_no_record(site: RecordSite) -> None:
    for article_id in (
        site.taken_down,
        site.tombstoned,
        site.unpublished,
        site.held_only,
        999_999,
    ):
        assert article_record(site.newsroom, article_id) is None
        assert article_record(site.newsroom, article_id, include_held=True) is None
    assert _ids(site) == site.published
    assert _ids(site, include_held=True) == site.published


def test_an_article_in_an_edition_language_is_translated_into_the_others(
    site: RecordSite,
) -> None:
    record = article_record(site.newsroom, site.catalan)
    assert record is not None
    assert record.original.language == "ca"
    assert [t.language for t in record.translations] == ["es"]
    assert list(record.links.pages) == ["es", "ca"]
    assert record.links.pages["ca"] == f"{BASE_URL}/ca/article/{site.catalan}-pluja-a-girona/"


def test_the_filters(site: RecordSite) -> None:
    assert _ids(site, edition="ca") == [site.catalan]
    assert _ids(site, edition="en") == sorted([site.full, site.english])
    assert _ids(site, section="politics") == sorted([site.full, site.catalan])
    assert _ids(site, section="sport") == []
    assert _ids(site, source_id=site.en_source) == [site.english]
    assert _ids(site, language="es") == [site.full]
    assert _ids(site, language="ca") == [site.catalan]
    assert _ids(site, story_id=site.story) == [site.full]
    assert _ids(site, tag="barcelona") == [site.full]
    assert _ids(site, tag="nobody") == []
    # Since is included, until is not: both on when this site first published it.
    assert _ids(site, since=T0 + timedelta(hours=1)) == sorted([site.english, site.catalan])
    assert _ids(site, until=T0 + timedelta(hours=1)) == [site.full]
    assert _ids(site, since=T0, until=T0 + timedelta(days=1)) == sorted([site.full, site.english])
    assert _ids(site, section="politics", edition="en") == [site.full]


def test_an_unknown_edition_is_refused_before_anything_is_read(site: RecordSite) -> None:
    with pytest.raises(UnknownEditionError, match="no edition 'fr'"):
        iter_article_records(site.newsroom, edition="fr")


@pytest.mark.parametrize("batch", [1, 2, 5, 7, 50])
def test_each_article_once_across_batches(site: RecordSite, batch: int) -> None:
    with site.newsroom.sessions.begin() as session:
        more = []
        for n in range(20):
            row = make_article(
                session, site.es_source, section="sport", first_published_at=T0 + timedelta(n)
            )
            make_translation(session, row, "en")
            more.append(row.id)
        # One taken-down-like article inside the run of ids: never shown.
        session.get(ArticleRow, more[7]).first_published_at = None  # type: ignore[union-attr]
    expected = sorted([*site.published, *more[:7], *more[8:]])
    found = _ids(site, batch=batch)
    assert found == expected
    assert len(set(found)) == len(found)
    assert _ids(site, section="sport", batch=batch) == [*more[:7], *more[8:]]
