"""`babelwire`: create a site, run the newsroom, serve or build the site, run the demo."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text
from typer import _click  # typer vendors click: its groups take this Context
from typer.core import TyperGroup

from babelwire.cli.database import db_app
from babelwire.cli.dead_letters import dead_letters_app
from babelwire.cli.engines import engines_app
from babelwire.cli.export import export
from babelwire.cli.logs import LogFormat, configure_logging, logging_config
from babelwire.cli.options import (
    LogFormatOption,
    SiteOption,
    fail,
    make_console,
    open_newsroom,
    styled,
)
from babelwire.cli.sections import sections_app
from babelwire.cli.source import source_app
from babelwire.cli.status import status
from babelwire.cli.tags import tags_app
from babelwire.cli.takedown import takedown
from babelwire.cli.token import token_app
from babelwire.cli.translation import eval_mt, retranslate, translations_app
from babelwire.cli.user import user_app
from babelwire.cli.workers import scheduler, worker
from babelwire.errors import InputError

# The command modules import only typer and rich when loaded: each command imports
# the jobs, the database and the pipeline it uses when it runs, so `--help`,
# `--version` and a quick command do not pay for what they never touch.
if TYPE_CHECKING:
    from babelwire.newsroom import Newsroom

# Longest error message printed; the rest (a 100 KB URL, say) is cut.
MESSAGE_CHARS = 1000


class Commands(TyperGroup):
    """babelwire's commands, with the one place where operator errors become a message.

    An InputError (a bad setting, URL, file or database URL) is printed on one line
    and exits with status 2; a full disk exits with status 1 and says that nothing
    from the failed step was kept. --debug shows the traceback instead.
    """

    def invoke(self, ctx: _click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            if isinstance(exc, InputError):
                raise fail(_one_line(str(exc))) from None
            if _disk_full(exc):
                raise fail(
                    "the disk is full: the step that was writing stored nothing (its "
                    f"transaction was undone); free some space and run it again "
                    f"({_one_line(str(getattr(exc, 'orig', None) or exc))})",
                    1,
                ) from None
            raise


def _disk_full(exc: Exception) -> bool:
    # Only an OSError or a database error says so, and there is no database error
    # unless the command loaded SQLAlchemy: `--help` and friends never import it.
    if not isinstance(exc, OSError) and "sqlalchemy" not in sys.modules:
        return False
    from babelwire.storage.database import is_disk_full

    return is_disk_full(exc)


def _one_line(message: str) -> str:
    line = " ".join(message.split())
    return line if len(line) <= MESSAGE_CHARS else line[:MESSAGE_CHARS] + "..."


app = typer.Typer(
    cls=Commands,
    help="babelwire: an automated, multilingual newsroom that names its sources.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(source_app, name="source")
app.command()(takedown)
app.command()(export)
app.add_typer(engines_app, name="engines")
app.add_typer(translations_app, name="translations")
app.command()(retranslate)
app.command("eval-mt")(eval_mt)
app.add_typer(sections_app, name="sections")
app.add_typer(tags_app, name="tags")
app.command()(worker)
app.command()(scheduler)
app.command()(status)
app.add_typer(dead_letters_app, name="dead-letters")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
console = make_console()


def _version(value: bool) -> None:
    if value:
        from babelwire import __version__

        console.print(f"babelwire {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="On an error, show the traceback, not a one-line message."),
    ] = False,
) -> None:
    """babelwire collects news, translates it by machine and publishes it with attribution."""


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new site.")],
    title: Annotated[str, typer.Option(help="Site title.")] = "babelwire",
    base_url: Annotated[str, typer.Option(help="Public URL of the site.")] = (
        "http://127.0.0.1:8000"
    ),
    languages: Annotated[str, typer.Option(help="Editions, e.g. en,es.")] = "en,es",
    database_url: Annotated[
        str, typer.Option(help="SQLAlchemy URL; default SQLite in the site folder.")
    ] = "sqlite:///babelwire.sqlite3",
) -> None:
    """Create a site: babelwire.toml and its database."""
    from babelwire.jobs.site import create_site
    from babelwire.jobs.site_check import site_warnings
    from babelwire.storage.database import make_engine

    make_engine(database_url).dispose()  # a URL that cannot work leaves no site half made
    config = create_site(
        directory,
        title=title,
        base_url=base_url,
        languages=languages.split(","),
        database_url=database_url,
    )
    console.print(
        Text.assemble("Created site ", styled(config.title, "bold"), f" in {config.root}")
    )
    console.print(f"Editions: {', '.join(config.languages)}. Next: babelwire source add URL")
    _warn(site_warnings(config))
    from babelwire.cli.engines import print_suggestions

    with open_newsroom(config.root) as newsroom:
        print_suggestions(newsroom.translators, config.languages, [])


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        console.print(Text.assemble(styled("warning:", "yellow"), " ", warning))


@app.command()
def check(site: SiteOption = Path(".")) -> None:
    """Check a site's settings and what its editions lack (an interface catalogue, a
    translation route); exit status 1 when there is a warning."""
    from babelwire.config import Config
    from babelwire.jobs.site_check import site_warnings

    config = Config.load(site)  # a setting that cannot be used: one line, exit 2
    warnings = site_warnings(config)
    _warn(warnings)
    if warnings:
        raise typer.Exit(1)
    console.print(f"{config.title}: editions {', '.join(config.languages)}, nothing missing")


# Seconds between two looks for live articles no build has written yet (what a pass's
# backlog or `babelwire serve`'s pushes made live; the fast lane asks at once).
LIVE_BUILD_WATCH = 1.0


@app.command()
def run(
    site: SiteOption = Path("."),
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Poll every source now, due or not.")
    ] = False,
    build: Annotated[
        Path | None,
        typer.Option(
            "--build",
            help="Keep this static build folder up to date: an incremental build as soon "
            "as articles go live, one at a time (no search index: `babelwire build` makes it).",
        ),
    ] = None,
    log_format: LogFormatOption = LogFormat.TEXT,
) -> None:
    """Poll due sources, extract, translate, file and publish new articles."""
    from babelwire.cli import progress as progress_ui
    from babelwire.jobs.live_builds import LiveBuild, LiveBuilds
    from babelwire.jobs.run import RunReport, run_pass
    from babelwire.publish.static import BuildRefusedError

    configure_logging(log_format)

    def wrote(done: LiveBuild) -> None:
        if done.report.full:
            kind = "full build"
        elif done.fresh:
            kind = f"build of {done.fresh} new entries"
        else:
            kind = "incremental build" + (f" in {done.slices} slices" if done.slices > 1 else "")
        console.print(
            f"Wrote {done.report.pages} pages to {build} ({kind}, {done.report.seconds:.2f} s; "
            f"{done.went_live} articles live)"
        )

    with open_newsroom(site) as newsroom, _site_lock(newsroom), ExitStack() as stack:
        builds = None
        if build is not None:
            builds = LiveBuilds(
                newsroom, build, watch_seconds=LIVE_BUILD_WATCH, on_build=wrote, own_process=True
            )
            stack.callback(builds.stop)  # the build running is let finish
            if not once:  # the folder is checked before any work
                try:
                    builds.build_now()
                except BuildRefusedError as exc:
                    raise fail(str(exc)) from exc
        if once:
            with progress_ui.RichProgress(console) as bar:
                report = run_pass(newsroom, force=force, progress=bar)
            progress_ui.print_report(console, report)
            if builds is not None:
                try:
                    builds.build_now()
                except BuildRefusedError as exc:
                    raise fail(str(exc)) from exc
            raise typer.Exit(0 if report.ok else 1)
        lane = None
        if builds is not None:
            builds.start()
            if newsroom.config.settings.translation.fast_lane:
                from babelwire.jobs.fast_lane import FastLane

                lane = FastLane(newsroom, on_live=builds.request)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())

        def show(report: RunReport) -> None:
            progress_ui.print_report(console, report)

        from babelwire.runners.local import run_forever

        def failed(count: int, wait: float) -> None:
            console.print(
                f"[red]The pass failed[/red] ({count} in a row, see the log); "
                f"next try in {wait:.0f} s"
            )

        try:
            run_forever(newsroom, stop=stop, on_report=show, on_failure=failed, lane=lane)
        except KeyboardInterrupt:
            console.print("stopped")


@contextmanager
def _site_lock(newsroom: Newsroom) -> Iterator[None]:
    """The site's run lock for the block; a second run says who holds it and exits 1."""
    from babelwire.jobs.run_lock import SiteBusy, run_lock

    with ExitStack() as stack:
        try:
            stack.enter_context(run_lock(newsroom))
        except SiteBusy as exc:
            raise fail(str(exc), 1) from exc
        yield


@app.command()
def serve(
    site: SiteOption = Path("."),
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Server processes (one per core serves the most).")
    ] = 1,
    log_format: LogFormatOption = LogFormat.TEXT,
) -> None:
    """Serve the public site."""
    import uvicorn

    from babelwire.web.app import SITE_VARIABLE, create_app, server_options

    # uvicorn applies it in each worker process too.
    limits_logs: dict[str, Any] = {"log_config": logging_config(log_format)}
    configure_logging(log_format)

    with open_newsroom(site) as newsroom:
        limits = server_options(newsroom.config)  # a bad limit: one line, exit 2
        console.print(f"Serving {newsroom.config.title} at http://{host}:{port}/")
        if workers == 1:
            uvicorn.run(
                create_app(newsroom),
                host=host,
                port=port,
                log_level="warning",
                **limits,
                **limits_logs,
            )
            return
    os.environ[SITE_VARIABLE] = str(site.resolve())
    uvicorn.run(
        "babelwire.web.app:app_for_worker",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        **limits,
        **limits_logs,
    )


@app.command()
def build(
    outdir: Annotated[Path, typer.Argument(help="Folder to write the static site into.")],
    site: SiteOption = Path("."),
    full: Annotated[
        bool, typer.Option("--full", help="Rebuild every page (default: only what changed).")
    ] = False,
    search: Annotated[
        bool, typer.Option("--search/--no-search", help="Index the build with Pagefind.")
    ] = True,
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace OUTDIR even if it holds files of no earlier build."),
    ] = False,
) -> None:
    """Write the site as static files (only the pages that changed since the last build)."""
    from babelwire.clock import utcnow
    from babelwire.jobs.freshness import record_build
    from babelwire.publish.static import BuildRefusedError, build_site_report

    with open_newsroom(site) as newsroom:
        started = utcnow()
        try:
            report = build_site_report(
                newsroom, outdir, full=full, search_index=search, force=force
            )
        except BuildRefusedError as exc:
            raise fail(str(exc)) from exc
        went_live = record_build(newsroom, started)  # when its new articles went live
        if went_live and newsroom.config.settings.websub.publisher_hub:
            from babelwire.jobs.websub_publish import ping_for_published

            ping_for_published(newsroom, [rule.slug for rule in newsroom.config.sections])
    kind = "full build" if report.full else "incremental build"
    console.print(f"Wrote {report.pages} pages to {outdir} ({kind}, {report.seconds:.2f} s)")
    for note in report.notes:
        console.print(note, markup=False)


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port for the demo site.")] = 8000,
    directory: Annotated[
        Path | None, typer.Option(help="Site folder (default: a new temporary folder).")
    ] = None,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Stop after the pipeline (no web server).")
    ] = False,
) -> None:
    """Everything offline: sample outlets on loopback, a site in en and es, then serve it."""
    from babelwire.cli.demo import run_demo

    raise typer.Exit(run_demo(console, port=port, directory=directory, serve=not no_serve))


if __name__ == "__main__":  # pragma: no cover
    app()
