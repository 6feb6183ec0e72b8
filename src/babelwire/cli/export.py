"""`babelwire export`: every published article's record, as JSON Lines or Parquet."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from babelwire.cli.options import SiteOption, fail, open_newsroom
from babelwire.errors import InputError

if TYPE_CHECKING:
    from babelwire.jobs.export import Export


def export(
    format: Annotated[
        str, typer.Option("--format", "-f", help="jsonl (one record a line) or parquet.")
    ] = "jsonl",
    output: Annotated[
        str, typer.Option("--output", "-o", help="File to write, or - for standard output.")
    ] = "-",
    since: Annotated[
        str | None,
        typer.Option(help="First published on this site on or after (YYYY-MM-DD or ISO 8601)."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="... and before (a date: up to the end of that day)."),
    ] = None,
    edition: Annotated[str | None, typer.Option(help="Only those shown in this edition.")] = None,
    section: Annotated[str | None, typer.Option(help="Only this section (its slug).")] = None,
    source: Annotated[int | None, typer.Option(help="Only this source (its id).")] = None,
    language: Annotated[
        str | None, typer.Option(help="Only originals in this language (e.g. es).")
    ] = None,
    include_held: Annotated[
        bool,
        typer.Option("--include-held", help="Also translations held for review (status held)."),
    ] = False,
    site: SiteOption = Path("."),
) -> None:
    """Write every published article with its translations and their provenance.

    Streaming, one record per article (docs/api.md): JSON Lines to standard output by
    default, or Parquet.
    """
    from babelwire.jobs.export import check_format, parse_export_time, prepare_export

    check_format(format)  # before the site is opened: a missing extra is said first
    start = None if since is None else parse_export_time(since, name="since")
    end = None if until is None else parse_export_time(until, name="until", end_of_day=True)
    if format == "parquet" and output == "-" and sys.stdout.isatty():
        raise fail("parquet is binary: give --output FILE, or pipe standard output to a file")
    with open_newsroom(site) as newsroom:
        job = prepare_export(
            newsroom,
            format,
            since=start,
            until=end,
            edition=edition,
            section=section,
            source_id=source,
            language=language,
            include_held=include_held,
        )
        count = _write(job, output)
    if output != "-":
        Console(stderr=True).print(
            f"Exported {count} articles to {output}", markup=False, soft_wrap=True
        )


def _write(job: Export, output: str) -> int:
    errors = Console(stderr=True)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("exported {task.completed} articles", markup=False),
        TimeElapsedColumn(),
        console=errors,
        disable=not errors.is_terminal,
    )
    task = progress.add_task("export", total=None)
    with progress, _sink(output) as sink:
        return job.write(sink, lambda done: progress.update(task, completed=done))


@contextlib.contextmanager
def _sink(output: str) -> Iterator[IO[bytes]]:
    """Standard output, or a file written beside its place and moved there once whole:
    an export that fails leaves the file it would have replaced as it was."""
    if output == "-":
        stream = sys.stdout.buffer
        yield stream
        stream.flush()
        return
    target = Path(output)
    partial = target.with_name(target.name + ".partial")
    try:
        file = partial.open("wb")
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None
    try:
        with file:
            yield file
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
