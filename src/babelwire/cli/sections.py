"""`babelwire sections`: label articles, train the classifier, explain a filing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from babelwire.cli.options import SiteOption, fail, make_console, open_newsroom

sections_app = typer.Typer(
    help="Sections: the operator's labels, the classifier, why an article went where.",
    no_args_is_help=True,
)
console = make_console()


@sections_app.command("label")
def label(
    article: Annotated[str, typer.Argument(help="Article id, its address here or original URL.")],
    section: Annotated[str, typer.Argument(help="The section it belongs in (a slug).")],
    site: SiteOption = Path("."),
) -> None:
    """File an article under a section, kept as an example for `sections train`."""
    from babelwire.jobs.audit import command_actor
    from babelwire.jobs.sections import SectionsError, label_article

    with open_newsroom(site) as newsroom:
        try:
            article_id = label_article(newsroom, article, section, actor=command_actor())
        except SectionsError as exc:
            raise fail(str(exc)) from exc
    console.print(f"Article {article_id} labelled {section}.")


@sections_app.command("train")
def train(
    site: SiteOption = Path("."),
    examples: Annotated[
        Path | None,
        typer.Option(help="Also learn from this file: JSONL (text, section) or CSV."),
    ] = None,
) -> None:
    """Train the section classifier from the labels, print its accuracy and save it."""
    from babelwire.jobs.audit import command_actor
    from babelwire.jobs.sections import SectionsError, train_sections

    with open_newsroom(site) as newsroom:
        try:
            report = train_sections(newsroom, examples, actor=command_actor())
        except SectionsError as exc:
            raise fail(str(exc)) from exc
    model = report.model
    console.print(
        f"Trained on {report.from_labels + report.from_file} examples"
        f" ({report.from_labels} labelled articles, {report.from_file} from a file),"
        f" {len(model.vocabulary)} terms, text in {model.language}."
    )
    for slug, count in model.counts.items():
        console.print(f"  {slug}: {count}")
    if report.skipped:
        console.print(
            f"Skipped {len(report.skipped)} labelled article(s) with no {model.language} text yet."
        )
    if model.cv_accuracy is None:
        console.print("Cross-validated accuracy: not measured (a section has one example).")
    else:
        console.print(
            f"Cross-validated accuracy: {model.cv_accuracy:.3f} ({model.cv_folds} folds)."
        )
    console.print(f"Saved {report.path}")


@sections_app.command("explain")
def explain(
    article: Annotated[str, typer.Argument(help="Article id, its address here or original URL.")],
    site: SiteOption = Path("."),
) -> None:
    """Say which step files the article (source, rules, classifier, default) and why."""
    from babelwire.jobs.sections import SectionsError, explain_article

    with open_newsroom(site) as newsroom:
        try:
            found = explain_article(newsroom, article)
        except SectionsError as exc:
            raise fail(str(exc)) from exc
    console.print(f"Article {found.article_id}: {found.title}", markup=False, highlight=False)
    for step, note in found.steps:
        console.print(f"  {step}: {note}", markup=False, highlight=False)
    decision = found.decision
    console.print(
        f"Decided by {decision.step}: {decision.slug} ({decision.reason})",
        markup=False,
        highlight=False,
    )
    section, reason = found.stored
    if section is not None:
        console.print(f"Filed at publish: {section} ({reason})", markup=False, highlight=False)
