"""`babelwire engines`: what the site's engines translate, by which route and how well;
which package gives a missing route; bringing a neural model or server."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from babelwire.cli.options import SiteOption, fail, make_console, open_newsroom

if TYPE_CHECKING:
    from babelwire.jobs.engine_routes import PairRoutes
    from babelwire.jobs.stages.translate import Gate
    from babelwire.pipeline.translate.registry import Translators

engines_app = typer.Typer(help="Translation engines.", invoke_without_command=True)
console = make_console()

FromOption = Annotated[
    str,
    typer.Option("--from", help="Source languages besides the editions, e.g. gl,eu,fr."),
]


def _where(engine: object) -> str:
    for attribute in ("modes_dir", "model_dir", "models_dir", "url"):
        value = getattr(engine, attribute, None)
        if value:
            return str(value)
    return ""


def _codes(text: str) -> list[str]:
    return [code.strip().lower() for code in text.split(",") if code.strip()]


def _engines_table(translators: Translators) -> Table:
    from babelwire.pipeline.translate.engine import EngineError

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
    return table


def _routes_table(pairs: list[PairRoutes], prefer: dict[tuple[str, str], str], gate: Gate) -> Table:
    table = Table(title="Routes into the editions (chrF and words/s measured on FLORES-200)")
    for column in ("pair", "route", "chrF", "words/s", "gate threshold", "the gate retries with"):
        table.add_column(column, overflow="fold")
    for pair in pairs:
        name = f"{pair.source}>{pair.target}"
        if not pair.routes:
            table.add_row(name, Text("no route", style="red"), "", "", "", "")
            continue
        first, *others = pair.routes
        described = f"{first.engine_name} {first.pivot or name}"
        if prefer.get((pair.source, pair.target)) == first.engine_name:
            described += " (preferred)"
        m = pair.measure
        table.add_row(
            name,
            described,
            f"{m.chrf:.1f}" if m else "-",
            str(m.words_per_second) if m else "-",
            f"{gate.threshold_for(first):.2f}",
            ", ".join(f"{r.engine_name} {r.pivot or name}" for r in others),
        )
    return table


@engines_app.callback()
def engines(ctx: typer.Context, site: SiteOption = Path("."), sources: FromOption = "") -> None:
    """List the site's engines, and the route of every pair into an edition with its
    measured quality and the fallbacks the quality gate retries with."""
    if ctx.invoked_subcommand is not None:
        return
    from babelwire.jobs.engine_routes import pair_routes
    from babelwire.jobs.stages.translate import quality_gate

    with open_newsroom(site) as newsroom:
        translators = newsroom.translators
        console.print(_engines_table(translators))
        pairs = pair_routes(translators, newsroom.config.languages, _codes(sources))
        console.print(_routes_table(pairs, translators.prefer, quality_gate(newsroom)))
        missing = [f"{p.source}>{p.target}" for p in pairs if not p.routes]
        if missing:
            console.print(
                f"No route into the site's editions for: {', '.join(missing)} "
                "(`babelwire engines suggest` names the packages)"
            )


def print_suggestions(translators: Translators, editions: list[str], sources: list[str]) -> int:
    """Print the package for each missing route; returns how many routes are missing."""
    from babelwire.jobs.engine_routes import suggestions

    found = suggestions(translators, editions, sources, direct=True)
    packages: list[str] = []
    missing = 0
    for source, target, suggestion in found:
        routed = bool(translators.routes(source, target))
        missing += 0 if routed else 1
        if suggestion is None:
            console.print(f"{source}>{target}: no Debian package; bring a neural model or server")
            continue
        how = "directly" if not suggestion.pivot else f"through {suggestion.path}"
        already = " (now through a pivot)" if routed else ""
        console.print(f"{source}>{target}{already}: {', '.join(suggestion.packages)} ({how})")
        packages += suggestion.packages
    if packages:
        unique = " ".join(dict.fromkeys(packages))
        console.print(f"Install with: sudo apt-get install {unique}")
    return missing


@engines_app.command("suggest")
def suggest(site: SiteOption = Path("."), sources: FromOption = "") -> None:
    """Say which Debian Apertium package gives each missing route (between the editions,
    and from the languages of --from into them)."""
    with open_newsroom(site) as newsroom:
        editions = newsroom.config.languages
        if not print_suggestions(newsroom.translators, editions, _codes(sources)):
            console.print("Every pair has a route.")


@engines_app.command("add-model")
def add_model(
    path: Annotated[
        Path | None,
        typer.Argument(help="A CTranslate2 model folder or an .argosmodel (not with --url)."),
    ] = None,
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
    url: Annotated[
        str | None,
        typer.Option(
            help="An OpenAI-compatible server (llama.cpp, vLLM, Ollama), e.g. "
            "http://127.0.0.1:8080/v1, instead of a model folder."
        ),
    ] = None,
    model: Annotated[str | None, typer.Option(help="The server's model name (with --url).")] = None,
    key: Annotated[
        str, typer.Option(envvar="BABELWIRE_TRANSLATION_OPENAI_KEY", help="The server's API key.")
    ] = "",
    prefer: Annotated[
        bool,
        typer.Option(help="Route its pairs to it first (the other engines stay the fallbacks)."),
    ] = True,
) -> None:
    """Check a neural model or server translates, add it to the site and prefer it for its
    pairs (translation.engines and translation.prefer in babelwire.toml)."""
    from babelwire.config import ConfigError
    from babelwire.jobs.neural_engines import add_model_to_site, add_openai_server
    from babelwire.pipeline.translate.engine import EngineError

    if (path is None) == (url is None):
        raise fail("give a model folder or .argosmodel, or --url for a server (not both)")
    with open_newsroom(site) as newsroom:
        try:
            if url is not None:
                if not model or not source or not target:
                    raise fail("--url needs --model, --from and --to")
                added = add_openai_server(
                    newsroom.config,
                    url,
                    model,
                    source=source,
                    target=target,
                    key=key,
                    prefer=prefer,
                )
            else:
                assert path is not None
                folder = newsroom.translators.options.models_dir()
                assert folder is not None
                added = add_model_to_site(
                    newsroom.config,
                    path,
                    folder,
                    kind=kind,
                    source=source,
                    target=target,
                    languages=_codes(languages or ""),
                    prefer=prefer,
                )
        except (EngineError, ConfigError, OSError) as exc:
            raise fail(str(exc)) from exc
    console.print(f"Added {added.what} to the {added.engine} engine.")
    console.print(f"It translated the test sentence as: {added.sample}")
    if added.pairs:
        pairs = ", ".join(f"{s}>{t}" for s, t in added.pairs)
        console.print(f"Preferred for {pairs}; the other engines stay the gate's fallbacks.")
    engines = ", ".join(added.config.settings.translation.engines)
    console.print(f"translation.engines = [{engines}] (babelwire.toml; the old one kept as .bak)")
