"""`babelwire source`: add, list, remove and import the sources a site follows."""

from __future__ import annotations

import shlex
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from babelwire.cli.options import SiteOption, fail, make_console, open_newsroom
from babelwire.model import SOURCE_KINDS, is_ascii_number

if TYPE_CHECKING:
    from babelwire.jobs.sources import SourceInfo

source_app = typer.Typer(help="The sources a site follows.", no_args_is_help=True)
console = make_console()


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


@source_app.command("add")
def add(
    url: Annotated[
        str, typer.Argument(help="Feed (RSS, Atom, RDF, JSON Feed), sitemap or web page URL.")
    ],
    site: SiteOption = Path("."),
    name: Annotated[str | None, typer.Option(help="Name shown on the site.")] = None,
    lang: Annotated[
        str | None, typer.Option(help="Language, when the source declares one.")
    ] = None,
    section: Annotated[str | None, typer.Option(help="Section for all its articles.")] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            help=f"Skip detection and follow the URL as one of: {', '.join(SOURCE_KINDS)}."
        ),
    ] = None,
    allow_private: Annotated[
        bool,
        typer.Option(
            "--allow-private",
            help=(
                "Let this source's own host and port be on a loopback or private network"
                " (not what its entries link or redirect to)."
            ),
        ),
    ] = False,
    preferred: Annotated[
        bool,
        typer.Option(
            "--preferred",
            help="Publish this source's copies of other articles (wire copy) all the same.",
        ),
    ] = False,
) -> None:
    """Follow a new source (or update one already followed), saying what the URL is."""
    from babelwire.jobs.sources import (
        SourceError,
        SourceUnreachable,
        add_source,
        check_section,
        check_source_url,
        detect_source,
        same_origin,
    )

    with open_newsroom(site) as newsroom:
        try:
            url = check_source_url(newsroom, url, allow_private=allow_private)
            follow, found = url, ""
            if kind is None:
                check_section(newsroom, section)
                try:
                    detection = detect_source(newsroom, url, allow_private=allow_private)
                    if allow_private and not same_origin(url, detection.url):
                        _offer_elsewhere(url, detection.url, detection.found, site)
                        raise typer.Exit(1)
                    follow, kind, found = detection.url, detection.kind, detection.found
                    name = name or detection.title or None
                except SourceUnreachable as exc:
                    # Unreachable now (offline, server down): follow it as a feed anyway.
                    found = f"could not check it now ({exc}); following it as a feed"
            info = add_source(
                newsroom,
                follow,
                name=name,
                language=lang,
                section=section,
                kind=kind,
                allow_private=allow_private or None,
                preferred=preferred or None,
            )
        except SourceError as exc:
            raise fail(str(exc)) from exc
    if found:
        console.print(f"Found {found}")
    note = ", preferred" if info.preferred else ""
    console.print(f"Source {info.id}: {info.name} <{info.url}> ({info.kind}{note})")


def _offer_elsewhere(url: str, feed: str, found: str, site: Path) -> None:
    """A feed announced on another host or port is offered, never followed under the flag.

    `--allow-private` names one host and port; a page there must not be able to
    extend it to another address (a metadata service, another machine) by
    announcing a feed on it.
    """
    console.print(f"Found {found}")
    console.print(
        f"Not added: --allow-private covers only {_host_port(url)}, "
        f"and the feed is on {_host_port(feed)}. To follow it, add it yourself:"
    )
    command = ["babelwire", "source", "add", feed, "--site", str(site)]
    console.print("  " + shlex.join(command), markup=False, highlight=False, soft_wrap=True)
    console.print("adding --allow-private only if that host, too, is on your own network.")


def _host_port(url: str) -> str:
    from babelwire.pipeline.fetch.guard import origin_of

    try:
        host, port = origin_of(url)
    except (ValueError, UnicodeError):
        return url
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _next(s: SourceInfo) -> str:
    if not s.last_fetched_at:
        return "now"
    return _when(s.next_fetch_at)


def _status(s: SourceInfo) -> str:
    status = s.last_status or "never"
    if s.consecutive_failures > 1:
        status += f" x{s.consecutive_failures}"
    return status


@source_app.command("list")
def list_command(site: SiteOption = Path(".")) -> None:
    """Every source: kind, last fetch, status, next poll and why, and the last error."""
    from babelwire.jobs.sources import list_sources
    from babelwire.pipeline.discover.schedule import human_duration

    with open_newsroom(site) as newsroom:
        sources = list_sources(newsroom)
    table = Table()
    for column in (
        "id",
        "name",
        "kind",
        "lang",
        "section",
        "articles",
        "last fetch",
        "status",
        "every",
        "next",
        "why",
    ):
        table.add_column(column, overflow="fold")
    table.add_column("error", overflow="fold", min_width=20)
    for s in sources:
        table.add_row(
            str(s.id),
            s.name,
            s.kind
            + (" (private ok)" if s.allow_private else "")
            + (" (preferred)" if s.preferred else ""),
            s.language or "auto",
            s.section or "-",
            str(s.articles),
            _when(s.last_fetched_at),
            _status(s),
            human_duration(s.interval_minutes),
            _next(s),
            s.poll_reason or ("never polled" if not s.last_fetched_at else ""),
            s.last_error or "",
        )
    console.print(table)


@source_app.command("prefer")
def prefer(
    ref: Annotated[str, typer.Argument(help="Source id or URL.")],
    site: SiteOption = Path("."),
    off: Annotated[bool, typer.Option("--off", help="Stop preferring it.")] = False,
) -> None:
    """Publish a source's copies of other articles (or, with --off, keep them back again)."""
    from babelwire.jobs.sources import prefer_source

    with open_newsroom(site) as newsroom:
        info = prefer_source(newsroom, int(ref) if is_ascii_number(ref) else ref, not off)
    state = (
        "preferred: its copies of other articles are published"
        if info.preferred
        else ("not preferred: its copies of other articles are kept back")
    )
    console.print(f"Source {info.id}: {info.name} is {state}")


@source_app.command("remove")
def remove(
    ref: Annotated[str, typer.Argument(help="Source id or URL.")],
    site: SiteOption = Path("."),
) -> None:
    """Stop following a source and remove its articles."""
    from babelwire.jobs.sources import remove_source

    with open_newsroom(site) as newsroom:
        info = remove_source(newsroom, int(ref) if is_ascii_number(ref) else ref)
    console.print(f"Removed source {info.id}: {info.name}")


@source_app.command("import-opml")
def import_opml_command(
    path: Annotated[Path, typer.Argument(help="OPML file.")],
    site: SiteOption = Path("."),
) -> None:
    """Follow every feed listed in an OPML file; outlines that cannot be followed are
    left out and listed with the reason."""
    from babelwire.jobs.sources import import_opml

    with open_newsroom(site) as newsroom:
        done = import_opml(newsroom, path)
    for reason in done.skipped:
        console.print(f"left out: {reason}")
    console.print(
        f"Imported {done.added + done.updated} sources from {path} ({done.added} new, "
        f"{done.updated} already followed, {len(done.skipped)} left out)"
    )


@source_app.command("export-opml")
def export_opml_command(
    path: Annotated[
        Path | None, typer.Argument(help="File to write (default: standard output).")
    ] = None,
    site: SiteOption = Path("."),
) -> None:
    """Write every source as OPML, for another reader or another site."""
    from babelwire.jobs.sources import export_opml, list_sources

    with open_newsroom(site) as newsroom:
        text = export_opml(newsroom)
        count = len(list_sources(newsroom))
    if path is None:
        typer.echo(text, nl=False)
        return
    path.write_text(text, encoding="utf-8")
    console.print(f"Exported {count} sources to {path}")
