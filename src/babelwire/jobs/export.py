"""The export for researchers: every published article's record, as JSON Lines or Parquet.

`prepare_export` checks everything it is given (format, dates, edition, the export
extra for Parquet) before anything is written, then `Export.write` streams the
records of `iter_article_records` to a binary file: JSON Lines one record a line,
Parquet in row groups of `ROW_GROUP` records with one nested schema (`parquet_schema`,
translations as a list of structs). Memory stays flat however many articles there are.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, TYPE_CHECKING, Any

from babelwire.errors import InputError
from babelwire.extras import require
from babelwire.jobs.article_records import ArticleRecord, iter_article_records
from babelwire.newsroom import Site

if TYPE_CHECKING:
    import pyarrow

__all__ = [
    "FORMATS",
    "ROW_GROUP",
    "Export",
    "check_format",
    "parquet_schema",
    "parse_export_time",
    "prepare_export",
    "record_line",
]

FORMATS = ("jsonl", "parquet")
#: Records per Parquet row group: what the writer holds in memory at once.
ROW_GROUP = 5_000
# Records turned into Arrow columns at once while a row group fills.
CHUNK = 500
# JSON Lines tells its progress every so many records.
PROGRESS_EVERY = 1_000

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Progress = Callable[[int], None]


def parse_export_time(text: str, *, name: str, end_of_day: bool = False) -> datetime:
    """A date (2026-03-01) or an ISO 8601 time (2026-03-01T12:00, with or without an
    offset; none means UTC) as an aware datetime; a date with `end_of_day` means the
    start of the next day, so that `--until 2026-03-01` includes that day."""
    text = text.strip()
    try:
        if _DATE.match(text):
            day = date.fromisoformat(text)
            when = datetime.combine(day, time(0), tzinfo=UTC)
            return when + timedelta(days=1) if end_of_day else when
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"--{name} {text[:100]!r} is not a date: give YYYY-MM-DD or an ISO 8601 time"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def record_line(record: ArticleRecord) -> bytes:
    """One record as a line of JSON Lines (UTF-8, ending in a newline)."""
    return json.dumps(record.as_dict(), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


@functools.cache
def parquet_schema() -> pyarrow.Schema:
    """The Parquet schema of the article record (docs/api.md), declared once."""
    import pyarrow as pa

    text = pa.string()
    when = pa.timestamp("us", tz="UTC")
    blocks = pa.list_(pa.struct([("kind", text), ("text", text)]))
    provenance = pa.struct(
        [
            ("machine_translated", pa.bool_()),
            ("from_language", text),
            ("engine", text),
            ("engine_version", text),
            ("model_version", text),
            ("pivot", text),
            ("glossary_version", text),
            ("quality", pa.float64()),
            ("quality_gate", text),
            ("flags", pa.list_(text)),
            ("revised_by_person", pa.bool_()),
            ("revised_at", when),
            ("revision", pa.int32()),
            ("translated_at", when),
        ]
    )
    translation = pa.struct(
        [
            ("language", text),
            ("status", text),
            ("title", text),
            ("text", text),
            ("blocks", blocks),
            ("provenance", provenance),
        ]
    )
    return pa.schema(
        [
            pa.field("id", pa.int64(), nullable=False),
            (
                "links",
                pa.struct([("original", text), ("pages", pa.map_(text, text))]),
            ),
            ("source", pa.struct([("id", pa.int64()), ("name", text), ("url", text)])),
            (
                "original",
                pa.struct(
                    [
                        ("language", text),
                        ("title", text),
                        ("author", text),
                        ("published_at", when),
                        ("updated_at", when),
                        ("text", text),
                        ("blocks", blocks),
                    ]
                ),
            ),
            ("section", text),
            ("tags", pa.list_(text)),
            ("story_id", pa.int64()),
            ("first_published_at", when),
            ("updated_at", when),
            ("translations", pa.list_(translation)),
        ],
        metadata={"babelwire.record": "article", "babelwire.docs": "docs/api.md"},
    )


@dataclass(frozen=True, slots=True)
class Export:
    """An export checked and ready: `write` streams it."""

    site: Site
    format: str
    filters: dict[str, Any]

    def records(self) -> Iterator[ArticleRecord]:
        return iter_article_records(self.site, **self.filters)

    def write(self, sink: IO[bytes], progress: Progress | None = None) -> int:
        """Write every record to `sink`; returns how many. `progress` is told the count
        after each record (JSON Lines) or row group (Parquet)."""
        if self.format == "parquet":
            return _write_parquet(self.records(), sink, progress)
        count = 0
        for record in self.records():
            sink.write(record_line(record))
            count += 1
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count)
        if progress is not None:
            progress(count)
        return count


def _write_parquet(
    records: Iterator[ArticleRecord], sink: IO[bytes], progress: Progress | None
) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    count = 0
    # Records become Arrow batches of CHUNK as they come (columns hold their text far
    # more compactly than Python dicts do), and a row group is written from them.
    rows: list[dict[str, Any]] = []
    batches: list[pyarrow.RecordBatch] = []
    held = 0

    def flush_rows() -> None:
        nonlocal rows, held
        if rows:
            batches.append(pa.RecordBatch.from_pylist(rows, schema=schema))
            held += len(rows)
            rows = []

    with pq.ParquetWriter(sink, schema, compression="zstd") as writer:

        def flush_group() -> None:
            nonlocal batches, held, count
            flush_rows()
            if batches:
                writer.write_table(pa.Table.from_batches(batches, schema=schema), ROW_GROUP)
                count += held
                batches, held = [], 0
                if progress is not None:
                    progress(count)

        for record in records:
            rows.append(record.as_dict(native_times=True))
            if len(rows) >= CHUNK:
                flush_rows()
                if held >= ROW_GROUP:
                    flush_group()
        flush_group()
    return count


def check_format(format: str) -> None:
    """InputError for a format babelwire does not write, or Parquet without pyarrow."""
    if format not in FORMATS:
        raise InputError(f"unknown format {format!r}: give one of {', '.join(FORMATS)}")
    if format == "parquet":
        require("pyarrow", "export", "babelwire export --format parquet")


def prepare_export(
    site: Site,
    format: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    edition: str | None = None,
    section: str | None = None,
    source_id: int | None = None,
    language: str | None = None,
    include_held: bool = False,
) -> Export:
    """An export of the published articles matching the filters (those of
    `iter_article_records`); InputError for an unknown format or edition, `since`
    after `until`, or Parquet without the export extra."""
    check_format(format)
    if since is not None and until is not None and since >= until:
        raise InputError(f"--since {since.isoformat()} is not before --until {until.isoformat()}")
    filters: dict[str, Any] = {
        "since": since,
        "until": until,
        "edition": edition,
        "section": section,
        "source_id": source_id,
        "language": language,
        "include_held": include_held,
    }
    # Checks the edition (and the times) now, before a file is opened.
    iter_article_records(site, **filters)
    return Export(site=site, format=format, filters=filters)
