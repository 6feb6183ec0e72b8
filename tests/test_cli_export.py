"""`babelwire export`: real runs read back as JSON Lines and Parquet, checked against the
database, on SQLite and PostgreSQL; bad input is one line and exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from babelwire.cli.main import app
from babelwire.jobs.article_records import iter_article_records
from babelwire.jobs.export import ROW_GROUP, parse_export_time
from babelwire.storage.tables import ArticleRow, TranslationRow
from tests.record_site import BASE_URL, RecordSite, record_site

runner = CliRunner()


@pytest.fixture
def site(tmp_path: Path, database_url: str) -> Iterator[RecordSite]:
    found = record_site(tmp_path / "site", database_url)
    try:
        yield found
    finally:
        found.newsroom.close()


def _export(site: RecordSite, *args: str) -> Result:
    return runner.invoke(app, ["export", "--site", str(site.root), *args])


def _lines(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout_bytes.decode().splitlines()]


def _one_line_error(result: Result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for word in words:
        assert word in lines[0], lines[0]


def test_jsonl_to_standard_output_matches_the_database(site: RecordSite) -> None:
    records = _lines(_export(site))
    assert [r["id"] for r in records] == site.published
    with site.newsroom.sessions() as session:
        for record in records:
            article = session.get(ArticleRow, record["id"])
            assert article is not None
            assert record["original"]["title"] == article.title
            assert record["original"]["blocks"] == article.blocks
            assert record["source"]["id"] == article.source_id
            assert record["section"] == article.section
            assert record["first_published_at"] == (
                article.first_published_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                if article.first_published_at
                else None
            )
            shown = dict(
                session.execute(
                    select(TranslationRow.language, TranslationRow.title).where(
                        TranslationRow.article_id == article.id,
                        TranslationRow.status == "translated",
                    )
                ).all()
            )
            assert {t["language"]: t["title"] for t in record["translations"]} == shown
            for translation in record["translations"]:
                assert translation["provenance"]["machine_translated"] is True
                assert translation["provenance"]["from_language"] == article.language
            assert all(url.startswith(BASE_URL + "/") for url in record["links"]["pages"].values())
    # The same records as the use case gives.
    assert records == [r.as_dict() for r in iter_article_records(site.newsroom)]


def test_the_filters_and_held_translations(site: RecordSite) -> None:
    assert [r["id"] for r in _lines(_export(site, "--edition", "ca"))] == [site.catalan]
    assert [r["id"] for r in _lines(_export(site, "--language", "en"))] == [site.english]
    assert [r["id"] for r in _lines(_export(site, "--source", str(site.en_source)))] == [
        site.english
    ]
    politics = _lines(_export(site, "--section", "politics"))
    assert [r["id"] for r in politics] == sorted([site.full, site.catalan])
    # A date for --until takes the whole day; --since includes its moment.
    day_one = _lines(_export(site, "--since", "2026-03-01", "--until", "2026-03-01"))
    assert [r["id"] for r in day_one] == sorted([site.full, site.english])
    later = _lines(_export(site, "--since", "2026-03-01T13:00:00+00:00"))
    assert [r["id"] for r in later] == sorted([site.english, site.catalan])
    full = next(r for r in _lines(_export(site)) if r["id"] == site.full)
    assert [t["status"] for t in full["translations"]] == ["translated"]
    held = next(r for r in _lines(_export(site, "--include-held")) if r["id"] == site.full)
    assert [t["status"] for t in held["translations"]] == ["translated", "held"]


def test_parquet_reads_back_as_the_same_records(site: RecordSite, tmp_path: Path) -> None:
    target = tmp_path / "articles.parquet"
    result = _export(site, "--format", "parquet", "--output", str(target), "--include-held")
    assert result.exit_code == 0, result.output
    assert f"Exported 3 articles to {target}" in result.output
    assert not (tmp_path / "articles.parquet.partial").exists()
    table = pq.read_table(target)
    assert table.num_rows == 3
    assert table.schema.field("translations").type.value_type.num_fields == 6
    rows = table.to_pylist()
    expected = [
        r.as_dict(native_times=True) for r in iter_article_records(site.newsroom, include_held=True)
    ]
    for row, want in zip(rows, expected, strict=True):
        # A map reads back as (key, value) pairs.
        row["links"]["pages"] = dict(row["links"]["pages"])
        assert row == want
    full = next(row for row in rows if row["id"] == site.full)
    assert full["translations"][1]["status"] == "held"
    assert full["translations"][0]["provenance"]["revised_at"] == datetime(
        2026, 3, 1, 12, 20, tzinfo=UTC
    )


def test_parquet_writes_row_groups(site: RecordSite, tmp_path: Path) -> None:
    target = tmp_path / "a.parquet"
    assert _export(site, "-f", "parquet", "-o", str(target)).exit_code == 0
    meta = pq.ParquetFile(target).metadata
    assert meta.num_row_groups == 1 and meta.row_group(0).num_rows == 3 <= ROW_GROUP
    empty = tmp_path / "none.parquet"
    assert _export(site, "-f", "parquet", "-o", str(empty), "--section", "sport").exit_code == 0
    assert pq.read_table(empty).num_rows == 0


def test_records_cross_chunks_and_row_groups(
    site: RecordSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("babelwire.jobs.export.ROW_GROUP", 2)
    monkeypatch.setattr("babelwire.jobs.export.CHUNK", 1)
    target = tmp_path / "a.parquet"
    assert _export(site, "-f", "parquet", "-o", str(target)).exit_code == 0
    meta = pq.ParquetFile(target).metadata
    assert [meta.row_group(n).num_rows for n in range(meta.num_row_groups)] == [2, 1]
    assert pq.read_table(target).column("id").to_pylist() == site.published


def test_a_real_process_streams_jsonl_to_a_pipe(site: RecordSite) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "babelwire.cli.main", "export", "--site", str(site.root)],
        capture_output=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 0, done.stderr
    ids = [json.loads(line)["id"] for line in done.stdout.decode().splitlines()]
    assert ids == site.published
    # No progress line when standard error is no terminal.
    assert done.stderr == b""


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--since", "yesterday"], ["--since", "not a date"]),
        (["--until", "2026-13-01"], ["--until", "not a date"]),
        (["--since", "2026-03-02", "--until", "2026-03-01"], ["is not before"]),
        (["--edition", "fr"], ["no edition 'fr'", "en, es, ca"]),
        (["--format", "csv"], ["unknown format 'csv'"]),
        (["--output", "/no/such/folder/a.jsonl"], ["cannot write"]),
    ],
)
def test_bad_input_is_one_line_and_status_2(
    site: RecordSite, args: list[str], words: list[str]
) -> None:
    _one_line_error(_export(site, *args), *words)


def test_a_failed_export_keeps_the_file_it_would_replace(site: RecordSite, tmp_path: Path) -> None:
    target = tmp_path / "a.jsonl"
    target.write_text("kept\n")
    _one_line_error(_export(site, "--output", str(target), "--edition", "fr"), "no edition")
    assert target.read_text() == "kept\n"
    assert _export(site, "--output", str(target)).exit_code == 0
    assert len(target.read_text().splitlines()) == 3


def test_dates_without_a_zone_are_utc() -> None:
    assert parse_export_time("2026-03-01T12:00", name="since") == datetime(
        2026, 3, 1, 12, tzinfo=UTC
    )
    assert parse_export_time("2026-03-01", name="until", end_of_day=True) == datetime(
        2026, 3, 2, tzinfo=UTC
    )
    assert parse_export_time("2026-03-01T12:00+02:00", name="since") == datetime(
        2026, 3, 1, 10, tzinfo=UTC
    )
