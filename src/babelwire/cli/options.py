"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from babelwire.config import ConfigError
from babelwire.jobs.newsroom import Newsroom

SiteOption = Annotated[
    Path,
    typer.Option("--site", "-s", envvar="BABELWIRE_SITE", help="Site folder (babelwire.toml)."),
]


def make_console() -> Console:
    """A console for command output; when piped, wide enough that tables are not cut."""
    probe = Console()
    return probe if probe.is_terminal else Console(width=200)


def open_newsroom(site: Path) -> Newsroom:
    """Open the site or exit with a clear message."""
    try:
        return Newsroom.open(site)
    except ConfigError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print an error on stderr (the message as it is, never as markup) and the exit to raise."""
    Console(stderr=True).print(Text.assemble(("error: ", "red"), message), soft_wrap=True)
    return typer.Exit(code)
