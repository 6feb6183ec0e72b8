"""`babelwire translations`, `retranslate` and `eval-mt`: review, redo and measure translations."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from babelwire.cli.options import SiteOption, make_console, open_newsroom
from babelwire.extras import require

translations_app = typer.Typer(
    help="Translations the quality gate held back: review and release.", no_args_is_help=True
)
console = make_console()


def _fail(message: str, code: int = 2) -> typer.Exit:
    console.print(Text.assemble(("error: ", "red"), message))
    return typer.Exit(code)


@translations_app.command("review")
def review(site: SiteOption = Path(".")) -> None:
    """List translations held back for review (not shown on the site), worst first."""
    from babelwire.jobs.retranslate import held_translations

    with open_newsroom(site) as newsroom:
        held = held_translations(newsroom)
    if not held:
        console.print("No translation is held for review.")
        return
    table = Table(title=f"{len(held)} translation(s) held for review")
    for column in ("article", "lang", "quality", "engine", "flags", "title", "original title"):
        table.add_column(column, overflow="fold")
    for item in held:
        table.add_row(
            str(item.article_id),
            item.language,
            "-" if item.quality is None else f"{item.quality:.2f}",
            item.engine,
            ", ".join(item.flags),
            item.title,
            item.source_title,
        )
    console.print(table)
    console.print("Publish one as it is: babelwire translations release ARTICLE LANG")


@translations_app.command("release")
def release(
    article: Annotated[int, typer.Argument(help="Article id (from `translations review`).")],
    language: Annotated[str, typer.Argument(help="Edition language of the translation.")],
    site: SiteOption = Path("."),
) -> None:
    """Publish a held translation as it is, after an editor has read it."""
    from babelwire.jobs.audit import command_actor
    from babelwire.jobs.review import release_held

    with open_newsroom(site) as newsroom:
        if not release_held(newsroom, article, language, actor=command_actor()):
            raise _fail(f"article {article} has no held translation into {language}", 1)
    console.print(f"Article {article} is now published in {language}.")


def _parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _fail(f"--since {value!r}: expected a date like 2026-11-26") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def retranslate(
    site: SiteOption = Path("."),
    engine: Annotated[
        str | None, typer.Option(help="Use this engine (default: the preference order).")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only articles first published on or after this date.")
    ] = None,
    section: Annotated[str | None, typer.Option(help="Only articles in this section.")] = None,
    overwrite_edits: Annotated[
        bool,
        typer.Option(
            "--overwrite-edits",
            help="Replace translations a person revised too (their revisions are kept).",
        ),
    ] = False,
) -> None:
    """Translate published articles again (e.g. after installing a better engine)."""
    from babelwire.jobs.audit import command_actor, record
    from babelwire.jobs.retranslate import retranslate as retranslate_articles
    from babelwire.pipeline.translate.engine import EngineError
    from babelwire.pipeline.translate.glossary import GlossaryError

    moment = _parse_since(since)
    with open_newsroom(site) as newsroom:
        try:
            result = retranslate_articles(
                newsroom,
                engine=engine,
                since=moment,
                section=section,
                overwrite_edits=overwrite_edits,
            )
        except (EngineError, GlossaryError) as exc:
            raise _fail(str(exc)) from exc
        record(
            newsroom,
            command_actor(),
            "translation.retranslate",
            f"{len(result.done)} articles",
            engine=engine,
            since=since,
            section=section,
            overwrite_edits=overwrite_edits,
        )
    rate = f"{result.memory_hits / result.segments:.0%}" if result.segments else "-"
    by_people = f" ({result.human_hits} written by people)" if result.human_hits else ""
    console.print(
        f"Re-translated {len(result.done)} article(s), {result.words} words; "
        f"translation memory answered {rate} of {result.segments} segments{by_people}."
    )
    for article_id, error in list(result.failed.items())[:20]:
        console.print(Text.assemble((f"article {article_id}:", "yellow"), " ", error))
    if result.failed:
        raise typer.Exit(1)


def eval_mt(
    source_file: Annotated[Path, typer.Option("--src", help="Source text, one segment a line.")],
    reference_file: Annotated[Path, typer.Option("--ref", help="Reference translations.")],
    source: Annotated[str, typer.Option("--from", help="Source language (ISO 639-1).")],
    target: Annotated[str, typer.Option("--to", help="Target language (ISO 639-1).")],
    site: SiteOption = Path("."),
    engine: Annotated[
        str | None, typer.Option(help="Engine to evaluate (default: the preference order).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="Write the translations here, one a line.")
    ] = None,
) -> None:
    """Translate a file through the full path and print BLEU, chrF and words/s."""
    require("sacrebleu", "eval", "babelwire eval-mt")
    from babelwire.jobs.evaluate import EvaluationError, evaluate, read_lines
    from babelwire.jobs.stages.translate import path_settings
    from babelwire.pipeline.translate.engine import EngineError
    from babelwire.pipeline.translate.glossary import GlossaryError

    with open_newsroom(site) as newsroom:
        try:
            routes = newsroom.translators.routes(source, target, only=engine)
            if not routes:
                raise _fail(f"no engine translates {source} -> {target}", 1)
            report = evaluate(
                routes[0],
                read_lines(source_file),
                read_lines(reference_file),
                path_settings(newsroom, None),
            )
        except (EngineError, GlossaryError, EvaluationError) as exc:
            raise _fail(str(exc)) from exc
    if output is not None:
        output.write_text("\n".join(report.hypotheses) + "\n", encoding="utf-8")
    console.print(f"{report.route}: {report.lines} lines, {report.words} words")
    console.print(f"BLEU {report.bleu:.2f}  chrF {report.chrf:.2f}")
    console.print(f"{report.words_per_second:,.0f} words/s ({report.seconds:.2f} s)")
    if report.flags:
        flagged = ", ".join(f"{flag} {count}" for flag, count in report.flags.most_common())
        console.print(f"Lines flagged by the checks: {flagged}")
