"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text

from babelwire.cli.logs import LogFormat

if TYPE_CHECKING:
    from babelwire.newsroom import Newsroom

LogFormatOption = Annotated[
    LogFormat,
    typer.Option(
        "--log-format",
        case_sensitive=False,
        help="Log lines as plain text, or one JSON object per line (time, level, logger, "
        "message, source_id, article_id, stage).",
    ),
]

SiteOption = Annotated[
    Path,
    typer.Option("--site", "-s", envvar="BABELWIRE_SITE", help="Site folder (babelwire.toml)."),
]


def make_console() -> Console:
    """A console for command output; when piped, wide enough that tables are not cut.

    Markup is off: what it prints comes from sources, servers and operators (a feed
    titled "Evil [/]", an IPv6 literal in brackets) and is shown as it is; styles
    are given with Text instead.
    """
    probe = Console(markup=False)
    return probe if probe.is_terminal else Console(width=200, markup=False)


def open_newsroom(site: Path) -> Newsroom:
    """Open the site; an invalid site raises ConfigError, which the command line
    reports on one line."""
    # Imported here: the newsroom brings the database and the pipeline, which
    # `--help` and the commands that do not open a site never need.
    from babelwire.newsroom import Newsroom

    return Newsroom.open(site)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print an error on stderr (the message as it is, never as markup) and the exit to raise."""
    Console(stderr=True).print(Text.assemble(("error: ", "red"), message), soft_wrap=True)
    return typer.Exit(code)


def styled(text: str, style: str) -> Text:
    """`text` in `style`, never read as markup."""
    return Text(text, style=style)
