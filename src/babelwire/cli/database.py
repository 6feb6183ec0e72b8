"""`babelwire db`: the database schema."""

from __future__ import annotations

from pathlib import Path

import typer

from babelwire.cli.options import SiteOption, fail, make_console

db_app = typer.Typer(help="The database schema (Alembic migrations).", no_args_is_help=True)
console = make_console()


@db_app.command("upgrade")
def db_upgrade(site: SiteOption = Path(".")) -> None:
    """Apply every migration (run once before starting workers of a new version)."""
    from babelwire.config import Config, ConfigError
    from babelwire.storage.database import current_heads, make_engine, upgrade

    try:
        config = Config.load(site)
    except ConfigError as exc:
        raise fail(str(exc)) from exc
    engine = make_engine(config.database_url)
    try:
        before = current_heads(engine)
        upgrade(engine)
        after = current_heads(engine)
    finally:
        engine.dispose()
    if before == after:
        console.print(f"The database is up to date (migration {', '.join(sorted(after))}).")
    else:
        was = ", ".join(sorted(before)) or "empty"
        console.print(f"Migrated the database from {was} to {', '.join(sorted(after))}.")
