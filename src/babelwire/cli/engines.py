"""`babelwire engines`: what each engine of the site can translate, and where its models are."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from babelwire.cli.options import SiteOption, fail, make_console, open_newsroom

if TYPE_CHECKING:
    from babelwire.pipeline.translate.registry import Translators

engines_app = typer.Typer(help="Translation engines.", invoke_without_command=True)
console = make_console()


def _where(engine: object) -> str:
    for attribute in ("modes_dir", "model_dir", "url"):
        value = getattr(engine, attribute, None)
        if value:
            return str(value)
    return ""


@engines_app.callback()
def engines(ctx: typer.Context, site: SiteOption = Path(".")) -> None:
    """List the site's engines in preference order, with their pairs and models."""
    if ctx.invoked_subcommand is not None:
        return
    from babelwire.pipeline.translate.engine import EngineError

    with open_newsroom(site) as newsroom:
        translators = newsroom.translators
        table = Table(title="Engines, in order of preference")
        for column in ("engine", "version", "pairs", "models"):
            table.add_column(column, overflow="fold")
        for name in translators.names:
            try:
                engine = translators.engine(name)
                pairs = sorted(engine.pairs())
                version = engine.version()
            except EngineError as exc:
                table.add_row(name, "", Text(str(exc), style="red"), "")
                continue
            listed = ", ".join(f"{s}>{t}" for s, t in pairs) or "none"
            table.add_row(name, version, listed, _where(engine))
        console.print(table)
        languages = newsroom.config.languages
        missing = []
        for source in sorted({s for n in translators.names for s, _ in _pairs(translators, n)}):
            for target in languages:
                if source == target:
                    continue
                routes = translators.routes(source, target)
                if not routes:
                    missing.append(f"{source}>{target}")
                elif routes[0].pivot:
                    console.print(f"{source}>{target}: through a pivot, {routes[0].describe()}")
        if missing:
            console.print(f"No route into the site's editions for: {', '.join(missing)}")


def _pairs(translators: Translators, name: str) -> set[tuple[str, str]]:
    from babelwire.pipeline.translate.engine import EngineError

    try:
        return translators.engine(name).pairs()
    except EngineError:
        return set()


@engines_app.command("add-model")
def add_model(
    path: Annotated[Path, typer.Argument(help="A CTranslate2 model folder or an .argosmodel.")],
    site: SiteOption = Path("."),
    source: Annotated[
        str | None, typer.Option("--from", help="Source language of a one-pair model.")
    ] = None,
    target: Annotated[
        str | None, typer.Option("--to", help="Target language of a one-pair model.")
    ] = None,
    kind: Annotated[
        str | None, typer.Option(help="marian, opennmt, nllb or m2m100 (default: guessed).")
    ] = None,
    languages: Annotated[
        str | None, typer.Option(help="Languages of a many-pair model, e.g. en,es,ca.")
    ] = None,
) -> None:
    """Check a model, copy it into the site's models folder and say how to use it."""
    from babelwire.pipeline.translate.engine import EngineError
    from babelwire.pipeline.translate.engines.ctranslate2 import ModelError
    from babelwire.pipeline.translate.models import add_model as install

    with open_newsroom(site) as newsroom:
        folder = newsroom.translators.options.models_dir()
        assert folder is not None
        try:
            engine, info = install(
                path,
                folder,
                kind=kind,
                source=source,
                target=target,
                languages=[x.strip() for x in (languages or "").split(",") if x.strip()],
            )
        except (ModelError, EngineError, OSError) as exc:
            raise fail(str(exc)) from exc
        pairs = ", ".join(f"{s}>{t}" for s, t in sorted(info.pairs))
        console.print(f"Installed {info.name} ({info.kind}) for {engine}: {pairs}")
        console.print(f"Model folder: {info.path}")
        if engine not in newsroom.translators.names:
            console.print(
                f'Add "{engine}" to translation.engines in babelwire.toml to use it '
                "(earlier in the list is preferred)."
            )
