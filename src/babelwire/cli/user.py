"""`babelwire user`: the people who may use the desk, and their roles."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from babelwire.cli.options import SiteOption, make_console, styled

if TYPE_CHECKING:
    from babelwire.newsroom import Site

console = make_console()
user_app = typer.Typer(help="People of the desk: add, list, change passwords, remove.")

RoleOption = Annotated[
    str, typer.Option("--role", "-r", help="admin, editor or viewer (see docs/desk.md).")
]


def _open(site: Path) -> Site:
    from babelwire.newsroom import Site

    return Site.open(site)


def _password(generate: bool, stdin: bool) -> str | None:
    """The new password: read from stdin, made (None), or typed twice at a prompt."""
    if generate:
        return None
    if stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _show_made(name: str, made: str | None) -> None:
    if made is not None:
        console.print(f"Password for {name} (shown this once):", styled(made, "bold"))


GenerateOption = Annotated[
    bool, typer.Option("--generate", help="Make a password and show it once, instead of asking.")
]
StdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Sign-in name: lower-case letters, digits, . _ -")],
    role: RoleOption = "editor",
    display_name: Annotated[
        str, typer.Option("--display-name", help="Name shown for this person's revisions.")
    ] = "",
    generate: GenerateOption = False,
    password_stdin: StdinOption = False,
    site: SiteOption = Path("."),
) -> None:
    """Add a person who may sign in to the desk."""
    from babelwire.jobs.audit import command_actor
    from babelwire.jobs.users import add_user

    password = _password(generate, password_stdin)
    with _open(site) as opened:
        user, made = add_user(
            opened,
            name,
            role,
            actor=command_actor(),
            password=password,
            display_name=display_name,
        )
    console.print(f"Added {user.name} ({user.role.value}).")
    _show_made(user.name, made)


@user_app.command("passwd")
def passwd(
    name: Annotated[str, typer.Argument(help="Whose password.")],
    generate: GenerateOption = False,
    password_stdin: StdinOption = False,
    site: SiteOption = Path("."),
) -> None:
    """Set a new password; every session of that person ends."""
    from babelwire.jobs.audit import command_actor
    from babelwire.jobs.users import change_password, get_user

    with _open(site) as opened:
        get_user(opened, name)  # an unknown name is said before any prompt
        password = _password(generate, password_stdin)
        made = change_password(opened, name, password, actor=command_actor())
    console.print(f"New password set for {name}; their sessions ended.")
    _show_made(name, made)


@user_app.command("role")
def role_command(
    name: Annotated[str, typer.Argument(help="Whose role.")],
    role: Annotated[str, typer.Argument(help="admin, editor or viewer.")],
    site: SiteOption = Path("."),
) -> None:
    """Change a person's role."""
    from babelwire.jobs.audit import command_actor
    from babelwire.jobs.users import change_role

    with _open(site) as opened:
        user = change_role(opened, name, role, actor=command_actor())
    console.print(f"{user.name} is now {user.role.value}.")


@user_app.command("list")
def list_command(site: SiteOption = Path(".")) -> None:
    """List the people of the desk."""
    from babelwire.jobs.users import list_users

    with _open(site) as opened:
        people = list_users(opened)
    if not people:
        console.print("No users yet: add one with `babelwire user add NAME --role admin`.")
        return
    table = Table("name", "role", "display name", "added", "last sign-in")
    for user in people:
        table.add_row(
            user.name,
            user.role.value,
            user.display_name,
            user.created_at.strftime("%Y-%m-%d"),
            user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "never",
        )
    console.print(table)


@user_app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="Who to remove.")],
    site: SiteOption = Path("."),
) -> None:
    """Remove a person; their sessions end at once."""
    from babelwire.jobs.audit import command_actor
    from babelwire.jobs.users import remove_user

    with _open(site) as opened:
        user = remove_user(opened, name, actor=command_actor())
    console.print(f"Removed {user.name} ({user.role.value}).")
