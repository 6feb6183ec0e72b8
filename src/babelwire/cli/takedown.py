"""`babelwire takedown`: remove an article from the whole site and keep it out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from babelwire.cli.options import SiteOption, fail, make_console, open_newsroom

console = make_console()


def takedown(
    ref: Annotated[
        str, typer.Argument(help="Article id, its address on this site, or its original URL.")
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why it is removed (kept on record).")],
    site: SiteOption = Path("."),
    build: Annotated[
        Path | None,
        typer.Option("--build", help="Also update this static build folder (incrementally)."),
    ] = None,
) -> None:
    """Remove an article from every page, feed, sitemap and search index; 410 at its address."""
    from babelwire.jobs.audit import command_actor
    from babelwire.jobs.takedown import TakedownError, take_down

    with open_newsroom(site) as newsroom:
        try:
            done = take_down(newsroom, ref, reason, actor=command_actor())
        except TakedownError as exc:
            raise fail(str(exc)) from exc
        console.print(f"Took down article {done.article_id}.")
        for path in done.paths:
            console.print(f"  gone: {path}")
        console.print(f"  never ingested again: {len(done.urls)} URL(s)")
        if build is not None:
            from babelwire.clock import utcnow
            from babelwire.jobs.freshness import record_build
            from babelwire.publish.static import BuildRefusedError, build_site_report

            started = utcnow()
            try:
                report = build_site_report(newsroom, build)
            except BuildRefusedError as exc:
                raise fail(f"the article is taken down; {build} was not updated: {exc}") from exc
            record_build(newsroom, started)
            console.print(f"Updated {build}: {report.pages} pages written.")
