"""`babelwire dead-letters`: tasks that failed every try, to retry or drop."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from babelwire.cli.options import SiteOption, fail, make_console, open_newsroom
from babelwire.extras import require

if TYPE_CHECKING:
    from babelwire.jobs.dead_letters import DeadLetter
    from babelwire.newsroom import Newsroom

dead_letters_app = typer.Typer(
    help="Tasks and articles that failed every try: list them, send them again, or give up.",
    no_args_is_help=True,
)
console = make_console()

Ids = Annotated[list[int] | None, typer.Argument(help="Dead letter ids (see list).")]
All = Annotated[bool, typer.Option("--all", help="Every dead letter.")]


def _chosen(newsroom: Newsroom, ids: list[int] | None, every: bool) -> list[DeadLetter]:
    from babelwire.jobs.dead_letters import list_dead_letters

    if not ids and not every:
        raise fail("name dead letter ids, or --all")
    letters = list_dead_letters(newsroom, None if every else ids)
    missing = sorted(set(ids or []) - {x.id for x in letters})
    if missing:
        raise fail(f"no dead letter {', '.join(map(str, missing))}")
    return letters


@dead_letters_app.command("list")
def list_letters(site: SiteOption = Path(".")) -> None:
    """The dead letters: stage, items (source or article ids), tries and the last error.

    An article that failed one stage on every try in `babelwire run` is listed
    here too (quarantined), with its id as the item."""
    from babelwire.jobs.dead_letters import list_dead_letters

    with open_newsroom(site) as newsroom:
        letters = list_dead_letters(newsroom)
    if not letters:
        console.print("No dead letters.")
        return
    table = Table(title=f"{len(letters)} dead letters")
    for column in ("id", "stage", "items", "tries", "since", "error"):
        table.add_column(column)
    for letter in letters:
        lines = letter.error.strip().splitlines()
        table.add_row(
            str(letter.id),
            letter.stage,
            ", ".join(map(str, letter.items)),
            str(letter.tries),
            letter.created_at.strftime("%Y-%m-%d %H:%M"),
            lines[-1] if lines else "",
        )
    console.print(table)


@dead_letters_app.command("retry")
def retry(ids: Ids = None, every: All = False, site: SiteOption = Path(".")) -> None:
    """Send the letters' work again with fresh tries: quarantined articles go back to their
    stage, and with workers the work is sent to its queue as new tasks."""
    from babelwire.jobs.dead_letters import forget_dead_letters, requeue_dead_letters

    with open_newsroom(site) as newsroom:
        letters = _chosen(newsroom, ids, every)
        requeue_dead_letters(newsroom, letters)
        if not newsroom.config.settings.workers.broker_url:
            # The embedded runner: the next `babelwire run` pass finds them pending.
            forget_dead_letters(newsroom, letters)
            console.print(
                f"Sent {len(letters)} dead letters again; the next `babelwire run` takes them."
            )
            return
        require("celery", "workers", "babelwire dead-letters retry")
        from babelwire.runners.celery.app import configure
        from babelwire.runners.celery.dispatch import send

        try:
            configure(newsroom.config)
            for letter in letters:
                send(newsroom, letter.stage, letter.items)
        except Exception as exc:
            raise fail(f"could not send the work again: {exc}", 1) from exc
        forget_dead_letters(newsroom, letters)
    console.print(f"Sent {len(letters)} dead letters again.")


@dead_letters_app.command("drop")
def drop(ids: Ids = None, every: All = False, site: SiteOption = Path(".")) -> None:
    """Give up on the letters' work: their waiting articles are marked failed."""
    from babelwire.jobs.dead_letters import drop_dead_letters

    with open_newsroom(site) as newsroom:
        letters = _chosen(newsroom, ids, every)
        failed = drop_dead_letters(newsroom, letters)
    console.print(f"Dropped {len(letters)} dead letters; {failed} articles marked failed.")
