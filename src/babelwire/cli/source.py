"""`babelwire source`: add, list, remove and import the sources a site follows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from babelwire.cli.options import SiteOption, make_console, open_newsroom
from babelwire.jobs.sources import (
    SourceError,
    add_source,
    import_opml,
    list_sources,
    remove_source,
)

source_app = typer.Typer(help="The sources a site follows.", no_args_is_help=True)
console = make_console()


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


@source_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="Feed URL (RSS, Atom, RDF or JSON Feed).")],
    site: SiteOption = Path("."),
    name: Annotated[str | None, typer.Option(help="Name shown on the site.")] = None,
    lang: Annotated[
        str | None, typer.Option(help="Language, when the source declares one.")
    ] = None,
    section: Annotated[str | None, typer.Option(help="Section for all its articles.")] = None,
) -> None:
    """Follow a new source (or update one already followed)."""
    with open_newsroom(site) as newsroom:
        try:
            info = add_source(newsroom, url, name=name, language=lang, section=section)
        except SourceError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
    console.print(f"Source {info.id}: {info.name} <{info.url}>")


@source_app.command("list")
def list_command(site: SiteOption = Path(".")) -> None:
    """Every source with its last fetch status and error."""
    with open_newsroom(site) as newsroom:
        sources = list_sources(newsroom)
    table = Table()
    for column in ("id", "name", "lang", "section", "articles", "last fetch", "status", "next"):
        table.add_column(column, overflow="fold")
    table.add_column("error", overflow="fold", min_width=20)
    for s in sources:
        table.add_row(
            str(s.id),
            s.name,
            s.language or "auto",
            s.section or "-",
            str(s.articles),
            _when(s.last_fetched_at),
            s.last_status or "never",
            _when(s.next_fetch_at) if s.last_fetched_at else "now",
            s.last_error or "",
        )
    console.print(table)


@source_app.command("remove")
def remove(
    ref: Annotated[str, typer.Argument(help="Source id or URL.")],
    site: SiteOption = Path("."),
) -> None:
    """Stop following a source and remove its articles."""
    with open_newsroom(site) as newsroom:
        try:
            info = remove_source(newsroom, int(ref) if ref.isdigit() else ref)
        except SourceError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
    console.print(f"Removed source {info.id}: {info.name}")


@source_app.command("import-opml")
def import_opml_command(
    path: Annotated[Path, typer.Argument(help="OPML file.")],
    site: SiteOption = Path("."),
) -> None:
    """Follow every feed listed in an OPML file."""
    with open_newsroom(site) as newsroom:
        try:
            added = import_opml(newsroom, path)
        except SourceError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
    console.print(f"Imported {len(added)} sources from {path}")
