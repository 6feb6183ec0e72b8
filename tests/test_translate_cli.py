"""`babelwire translations review/release`, `retranslate`, `eval-mt` and `engines`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.jobs.audit import audit_entries
from babelwire.jobs.site import create_site
from babelwire.model import Stage
from babelwire.newsroom import Newsroom
from babelwire.storage.tables import ArticleRow, SourceRow, TranslationRow

runner = CliRunner()
# Every translation scores at most 1.0, so this threshold holds them all back.
STRICT = {"BABELWIRE_TRANSLATION_QUALITY_THRESHOLD": "1.01"}
# Below every score these short sentences get ("El pleno" gives "The full": the default
# threshold holds the first).
LENIENT = {"BABELWIRE_TRANSLATION_QUALITY_THRESHOLD": "0.1"}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    create_site(root, title="T", languages=("es", "en"))
    with Newsroom.open(root) as newsroom, newsroom.sessions() as session:
        # disabled: the pass only moves the stored articles on
        source = SourceRow(
            url="http://127.0.0.1:9/feed", name="Diario", language="es", enabled=False
        )
        session.add(source)
        session.flush()
        for i, title in enumerate(["El pleno aprueba el presupuesto", "Abre la nueva biblioteca"]):
            session.add(
                ArticleRow(
                    source_id=source.id,
                    url=f"http://127.0.0.1:9/{i}",
                    canonical_url=f"http://127.0.0.1:9/{i}",
                    title=title,
                    blocks=[{"kind": "p", "text": "El ayuntamiento dijo que es un gran día."}],
                    language="es",
                    stage=Stage.EXTRACTED.value,
                    version=1,
                )
            )
        session.commit()
    return root


def _statuses(root: Path) -> list[str]:
    with Newsroom.open(root) as newsroom, newsroom.sessions() as session:
        return list(
            session.scalars(
                select(TranslationRow.status)
                .where(TranslationRow.language == "en")
                .order_by(TranslationRow.article_id)
            )
        )


def test_held_translations_are_reviewed_released_and_retranslated(site: Path) -> None:
    done = runner.invoke(app, ["run", "--once", "-s", str(site)], env=STRICT)
    assert done.exit_code == 0, done.output
    assert "Translation memory:" in done.output
    assert _statuses(site) == ["held", "held"]
    review = runner.invoke(app, ["translations", "review", "-s", str(site)])
    assert review.exit_code == 0
    assert "2 translation(s) held" in review.output and "El pleno aprueba" in review.output
    released = runner.invoke(app, ["translations", "release", "1", "en", "-s", str(site)])
    assert released.exit_code == 0, released.output
    assert _statuses(site) == ["translated", "held"]
    with Newsroom.open(site) as newsroom:
        logged = audit_entries(newsroom, action="translation.release")
    assert [(e.target, e.actor.startswith("cli:")) for e in logged] == [("article 1 en", True)]
    again = runner.invoke(app, ["translations", "release", "1", "en", "-s", str(site)])
    assert again.exit_code == 1 and "no held translation" in again.output
    # with a lower threshold, re-translation publishes the held one
    redo = runner.invoke(
        app, ["retranslate", "--since", "2000-01-01", "-s", str(site)], env=LENIENT
    )
    assert redo.exit_code == 0, redo.output
    assert "Re-translated 2 article(s)" in redo.output and "100%" in redo.output
    with Newsroom.open(site) as newsroom:
        redone = audit_entries(newsroom, action="translation.retranslate")
    assert [(e.target, e.detail["since"]) for e in redone] == [("2 articles", "2000-01-01")]
    assert _statuses(site) == ["translated", "translated"]
    bad = runner.invoke(app, ["retranslate", "--since", "yesterday", "-s", str(site)])
    assert bad.exit_code == 2 and "--since" in bad.output
    nothing = runner.invoke(app, ["retranslate", "--section", "nope", "-s", str(site)])
    assert nothing.exit_code == 0 and "Re-translated 0 article(s)" in nothing.output


def test_eval_mt_scores_a_file(site: Path, tmp_path: Path) -> None:
    src = tmp_path / "src.es"
    ref = tmp_path / "ref.en"
    src.write_text("El gobierno aprueba el presupuesto.\nLa biblioteca abre hoy.\n", "utf-8")
    ref.write_text("The government approves the budget.\nThe library opens today.\n", "utf-8")
    out = tmp_path / "out.en"
    args = ["eval-mt", "--src", str(src), "--ref", str(ref), "--from", "es", "--to", "en"]
    done = runner.invoke(app, [*args, "--output", str(out), "-s", str(site)])
    assert done.exit_code == 0, done.output
    assert "BLEU" in done.output and "chrF" in done.output and "words/s" in done.output
    lines = out.read_text("utf-8").splitlines()
    assert lines == ["The government approves the estimate.", "The library opens today."]
    ref.write_text("Only one line.\n", "utf-8")
    short = runner.invoke(app, [*args, "-s", str(site)])
    assert short.exit_code == 2 and "2 source lines but 1 reference lines" in short.output
    none = runner.invoke(app, [*args[:-4], "--from", "es", "--to", "fi", "-s", str(site)])
    assert none.exit_code == 1 and "no engine translates es -> fi" in none.output


def test_engines_lists_pairs(site: Path) -> None:
    done = runner.invoke(app, ["engines", "-s", str(site)])
    assert done.exit_code == 0, done.output
    assert "apertium" in done.output and "es>en" in done.output
