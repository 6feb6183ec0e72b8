"""`babelwire tags`: the people, places and organisations articles are tagged with."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from babelwire.cli.options import SiteOption, fail, make_console, open_newsroom

tags_app = typer.Typer(
    help="Tags: the gazetteer's entities and names recurring across sources.",
    no_args_is_help=True,
)
console = make_console()


@tags_app.command("list")
def list_command(site: SiteOption = Path(".")) -> None:
    """Every tag, with its kind, origin, names and how many articles name it."""
    from babelwire.jobs.tags import list_tags

    with open_newsroom(site) as newsroom:
        tags = list_tags(newsroom)
    table = Table("slug", "kind", "origin", "name", "names", "articles")
    for tag in tags:
        names = ", ".join(f"{k}: {v}" for k, v in sorted(tag.names.items()))
        table.add_row(tag.slug, tag.kind, tag.origin, tag.name, names, str(tag.articles))
    console.print(table)
    console.print(f"{len(tags)} tags")


@tags_app.command("check")
def check(site: SiteOption = Path(".")) -> None:
    """Check the gazetteer file; exit code 2 with every problem listed if it is wrong."""
    from babelwire.jobs.tags import gazetteer_path
    from babelwire.pipeline.entities.gazetteer import GazetteerError, load_gazetteer

    with open_newsroom(site) as newsroom:
        path = gazetteer_path(newsroom.config)
    if not path.exists():
        console.print(f"No gazetteer at {path}: no entities are tagged (see docs/organising.md).")
        return
    try:
        gazetteer = load_gazetteer(path)
    except GazetteerError as exc:
        err = Console(stderr=True)
        err.print(Text.assemble(("error: ", "red"), "the gazetteer is not valid:"))
        err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    kinds: dict[str, int] = {}
    for entity in gazetteer.entities:
        kinds[entity.kind] = kinds.get(entity.kind, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "no entities"
    console.print(f"{path}: {len(gazetteer.entities)} entities ({summary}). OK.")


@tags_app.command("refresh")
def refresh(site: SiteOption = Path(".")) -> None:
    """Tag published articles again from the gazetteer and look for recurring names."""
    from babelwire.jobs.tags import refresh_recurring, retag_published

    with open_newsroom(site) as newsroom:
        done, tagger = retag_published(newsroom)
        report = refresh_recurring(newsroom)
    if tagger.problem:
        fail(tagger.problem)
    console.print(
        f"Tagged {done} articles from {len(tagger.gazetteer.entities)} gazetteer entities."
    )
    console.print(
        f"Recurring names in {report.articles} recent articles: "
        + (", ".join(n.name for n in report.names) or "none"),
        markup=False,
        highlight=False,
    )
    if tagger.problem:
        raise typer.Exit(2)
