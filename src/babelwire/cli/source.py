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
    from babelwire.jobs.audit import Actor
    from babelwire.jobs.sources import SourceInfo

source_app = typer.Typer(help="The sources a site follows.", no_args_is_help=True)
console = make_console()


def _actor() -> Actor:
    from babelwire.jobs.audit import command_actor

    return command_actor()


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
        add_source,
        check_section,
        check_source_url,
        preview_source,
    )

    with open_newsroom(site) as newsroom:
        try:
            url = check_source_url(newsroom, url, allow_private=allow_private)
            follow, found = url, ""
            shown: tuple[str, ...] = ()
            guess: str | None = None
            if kind is None:
                check_section(newsroom, section)
                preview = preview_source(newsroom, url, allow_private=allow_private)
                if preview.unreachable:
                    # Unreachable now (offline, server down): follow it as a feed anyway.
                    found = f"could not check it now ({preview.error}); following it as a feed"
                elif preview.error:
                    raise SourceError(preview.error)
                elif preview.elsewhere:
                    _offer_elsewhere(url, preview.follow_url, preview.found, site)
                    raise typer.Exit(1)
                else:
                    follow, kind, found = preview.follow_url, preview.kind, preview.found
                    name = name or preview.title or None
                    shown, guess = preview.entry_titles, preview.language
            info = add_source(
                newsroom,
                follow,
                name=name,
                language=lang,
                section=section,
                kind=kind,
                allow_private=allow_private or None,
                preferred=preferred or None,
                actor=_actor(),
            )
        except SourceError as exc:
            raise fail(str(exc)) from exc
    if found:
        console.print(f"Found {found}")
    for title in shown[:3]:
        console.print(f"  {title}", markup=False, highlight=False)
    if guess and not info.language:
        console.print(f"Its entries look like language {guess!r} (set it with --lang)")
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
    if s.paused:
        return "paused"
    return _when(s.next_poll_at) if s.next_poll_at else "now"


def _status(s: SourceInfo) -> str:
    if s.consecutive_failures > 1 and not s.paused:
        return f"{s.status} x{s.consecutive_failures}"
    return s.status


def _kind(s: SourceInfo) -> str:
    notes = [
        note for note, on in (("private ok", s.allow_private), ("preferred", s.preferred)) if on
    ]
    return s.kind + "".join(f" ({note})" for note in notes)


def _every(s: SourceInfo) -> str:
    from babelwire.pipeline.discover.schedule import human_duration

    every = human_duration(s.interval_minutes)
    if s.min_interval or s.max_interval:
        low = human_duration(s.min_interval) if s.min_interval else "site"
        high = human_duration(s.max_interval) if s.max_interval else "site"
        every += f" ({low}..{high})"
    return every


@source_app.command("list")
def list_command(site: SiteOption = Path(".")) -> None:
    """Every source: kind, last fetch, status, next poll and why, and the last error."""
    from babelwire.jobs.sources import list_sources

    with open_newsroom(site) as newsroom:
        sources = list_sources(newsroom)
    table = Table()
    for column in (
        "id",
        "name",
        "kind",
        "lang",
        "other lang",
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
            _kind(s),
            s.language or "auto",
            _other_languages(s) or "-",
            s.section or "-",
            str(s.articles),
            _when(s.last_fetched_at),
            _status(s),
            _every(s),
            _next(s),
            s.next_poll_reason,
            s.last_error or "",
        )
    console.print(table)
    for s in sources:
        if s.other_languages:
            found = sum(count for _, count in s.other_languages)
            console.print(
                f"source {s.id} ({s.name}) declares {s.language or 'auto'}, but {found} of its "
                f"{s.articles} articles read as another language: {_other_languages(s)}",
                markup=False,
                highlight=False,
            )


def _other_languages(info: SourceInfo) -> str:
    """'ko 2, pt 1': languages a source's articles were detected in against its declaration."""
    return ", ".join(f"{code} {count}" for code, count in info.other_languages)


def _ref(ref: str) -> int | str:
    return int(ref) if is_ascii_number(ref) else ref


RefArgument = Annotated[str, typer.Argument(help="Source id or URL.")]


@source_app.command("edit")
def edit(
    ref: RefArgument,
    site: SiteOption = Path("."),
    name: Annotated[str | None, typer.Option(help="Name shown on the site.")] = None,
    language: Annotated[
        str | None,
        typer.Option("--language", "--lang", help="Language code; '' to detect it again."),
    ] = None,
    section: Annotated[
        str | None, typer.Option(help="Section for all its articles; '' for none.")
    ] = None,
    min_interval: Annotated[
        int | None,
        typer.Option(help="Shortest minutes between polls of it; 0 for the site's setting."),
    ] = None,
    max_interval: Annotated[
        int | None,
        typer.Option(help="Longest minutes between polls of it; 0 for the site's setting."),
    ] = None,
    images: Annotated[
        bool | None,
        typer.Option(
            "--images/--no-images",
            help="Fetch and show its articles' pictures, or not (when the rights are not ours).",
        ),
    ] = None,
) -> None:
    """Change a source's name, language, section, polling interval bounds or pictures."""
    from babelwire.jobs.sources import update_source

    with open_newsroom(site) as newsroom:
        info = update_source(
            newsroom,
            _ref(ref),
            name=name,
            language=language,
            section=section,
            min_interval=min_interval,
            max_interval=max_interval,
            images=images,
            actor=_actor(),
        )
    console.print(
        f"Source {info.id}: {info.name} <{info.url}> ({info.kind}), language "
        f"{info.language or 'auto'}, section {info.section or '-'}, every {_every(info)}, "
        f"pictures {'on' if info.images else 'off'}",
        markup=False,
        highlight=False,
    )


@source_app.command("pause")
def pause(ref: RefArgument, site: SiteOption = Path(".")) -> None:
    """Stop polling a source, keeping it and its articles, until `source resume`."""
    from babelwire.jobs.sources import pause_source

    with open_newsroom(site) as newsroom:
        info = pause_source(newsroom, _ref(ref), actor=_actor())
    console.print(f"Source {info.id}: {info.name} is paused", markup=False, highlight=False)


@source_app.command("resume")
def resume(ref: RefArgument, site: SiteOption = Path(".")) -> None:
    """Poll a paused source again."""
    from babelwire.jobs.sources import resume_source

    with open_newsroom(site) as newsroom:
        info = resume_source(newsroom, _ref(ref), actor=_actor())
    console.print(
        f"Source {info.id}: {info.name} is polled again (next: {_next(info)})",
        markup=False,
        highlight=False,
    )


@source_app.command("prefer")
def prefer(
    ref: RefArgument,
    site: SiteOption = Path("."),
    off: Annotated[bool, typer.Option("--off", help="Stop preferring it.")] = False,
) -> None:
    """Publish a source's copies of other articles (or, with --off, keep them back again)."""
    from babelwire.jobs.sources import prefer_source

    with open_newsroom(site) as newsroom:
        info = prefer_source(newsroom, _ref(ref), not off, actor=_actor())
    state = (
        "preferred: its copies of other articles are published"
        if info.preferred
        else ("not preferred: its copies of other articles are kept back")
    )
    console.print(f"Source {info.id}: {info.name} is {state}")


@source_app.command("remove")
def remove(
    ref: RefArgument,
    site: SiteOption = Path("."),
) -> None:
    """Stop following a source and remove its articles."""
    from babelwire.jobs.sources import remove_source

    with open_newsroom(site) as newsroom:
        info = remove_source(newsroom, _ref(ref), actor=_actor())
    console.print(f"Removed source {info.id}: {info.name}")


@source_app.command("import-opml")
def import_opml_command(
    path: Annotated[Path, typer.Argument(help="OPML file.")],
    site: SiteOption = Path("."),
    allow_private: Annotated[
        bool,
        typer.Option(
            "--allow-private",
            help=(
                "Let its sources be on a loopback or private network (each one's own host"
                " and port), as the file asks or as their URLs need."
            ),
        ),
    ] = False,
) -> None:
    """Follow every feed listed in an OPML file, with the settings babelwire's own export
    gives each; outlines that cannot be followed are left out and listed with the reason."""
    from babelwire.jobs.opml import import_opml

    with open_newsroom(site) as newsroom:
        done = import_opml(newsroom, path, allow_private=allow_private, actor=_actor())
    for reason in done.skipped:
        console.print(f"left out: {reason}", markup=False, highlight=False)
    for note in done.notes:
        console.print(f"note: {note}", markup=False, highlight=False)
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
    from babelwire.jobs.opml import export_opml
    from babelwire.jobs.sources import list_sources

    with open_newsroom(site) as newsroom:
        text = export_opml(newsroom)
        count = len(list_sources(newsroom))
    if path is None:
        typer.echo(text, nl=False)
        return
    path.write_text(text, encoding="utf-8")
    console.print(f"Exported {count} sources to {path}")
