"""`babelwire token`: bearer tokens of the API (docs/api.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from babelwire.cli.options import SiteOption, make_console, styled

if TYPE_CHECKING:
    from babelwire.newsroom import Site

console = make_console()
token_app = typer.Typer(help="Bearer tokens of the API: create, list, revoke.")


def _open(site: Path) -> Site:
    from babelwire.newsroom import Site

    return Site.open(site)


@token_app.command("create")
def create(
    name: Annotated[
        str, typer.Option("--name", "-n", help="What the token is for: letters, digits, . _ -")
    ],
    role: Annotated[
        str, typer.Option("--role", "-r", help="viewer, editor or admin (see docs/api.md).")
    ] = "viewer",
    site: SiteOption = Path("."),
) -> None:
    """Make a token and print it, this once: it is stored hashed."""
    from babelwire.jobs.audit import command_actor
    from babelwire.jobs.tokens import create_token

    with _open(site) as opened:
        info, secret = create_token(opened, name, role, actor=command_actor())
    # The secret alone on standard output, so that `$(babelwire token create ...)` takes it.
    Console(stderr=True, markup=False).print(
        f"Token {info.name} ({info.role.value}), shown this once:", style="dim"
    )
    typer.echo(secret)


@token_app.command("list")
def list_command(site: SiteOption = Path(".")) -> None:
    """List the tokens (never their secrets)."""
    from babelwire.jobs.tokens import list_tokens

    with _open(site) as opened:
        found = list_tokens(opened)
    if not found:
        console.print("No tokens yet: make one with `babelwire token create --name NAME`.")
        return
    table = Table("name", "role", "starts with", "made", "by", "last used", "state")
    for info in found:
        table.add_row(
            info.name,
            info.role.value,
            info.prefix + "…",
            info.created_at.strftime("%Y-%m-%d"),
            info.created_by,
            info.last_used_at.strftime("%Y-%m-%d %H:%M") if info.last_used_at else "never",
            styled("revoked " + info.revoked_at.strftime("%Y-%m-%d"), "red")
            if info.revoked_at
            else "live",
        )
    console.print(table)


@token_app.command("revoke")
def revoke(
    name: Annotated[str, typer.Argument(help="The token's name.")],
    site: SiteOption = Path("."),
) -> None:
    """Revoke a token: every request carrying it is refused from now on."""
    from babelwire.jobs.audit import command_actor
    from babelwire.jobs.tokens import revoke_token

    with _open(site) as opened:
        info = revoke_token(opened, name, actor=command_actor())
    console.print(f"Revoked {info.name}.")
