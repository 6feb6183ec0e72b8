"""The translate stage with the full path: memory in the site's database, glossary from
babelwire.toml, the quality gate (held back, retried with the next engine), pivots,
provenance, re-translation, and engines that die or hang.

The misbehaving engines are real processes: Apertium pipelines built from mode
files whose stages are `cat` (a copy), `sed` (a loop, an empty answer) or `sleep`
(a hang), run by the same engine code as Debian's pairs.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from babelwire.jobs.retranslate import held_translations, release_translation, retranslate
from babelwire.jobs.stages.publish import publish_articles
from babelwire.jobs.stages.translate import translate_articles
from babelwire.model import Stage
from babelwire.newsroom import Newsroom
from babelwire.pipeline.translate.engines.apertium import ApertiumEngine
from babelwire.pipeline.translate.registry import Translators
from babelwire.storage.published.articles import edition_teasers
from babelwire.storage.tables import (
    ArticleRow,
    SourceRow,
    TranslationMemoryRow,
    TranslationRow,
)
from tests.factory import make_article, make_source, small_site

BOILERPLATE = "Suscríbete a nuestro boletín diario y recibe las noticias de la región."
ARTICLES = [
    (
        "El gobierno regional aprueba el presupuesto de 2027",
        [
            "El gobierno regional aprobó ayer el presupuesto para el año 2027. "
            "La oposición votó en contra y pidió más inversión en las escuelas.",
            "La Generalitat defiende la integridad territorial.",
            BOILERPLATE,
        ],
    ),
    (
        "El ayuntamiento abre una nueva biblioteca en el centro",
        [
            "La nueva biblioteca municipal abrió sus puertas el lunes con 12.000 libros. "
            "El alcalde dijo que es un día importante para la ciudad.",
            BOILERPLATE,
        ],
    ),
]


def _mode(folder: Path, pair: str, pipeline: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{pair}.mode").write_text(pipeline + "\n", encoding="utf-8")


def _engine(folder: Path, name: str, pipeline: str, timeout: float = 30.0) -> ApertiumEngine:
    _mode(folder, "spa-eng", pipeline)
    engine = ApertiumEngine(modes_dir=folder, timeout=timeout)
    engine.name = name  # its memory and provenance are its own
    return engine


@pytest.fixture
def site(tmp_path: Path, database_url: str) -> Iterator[Newsroom]:
    newsroom = small_site(tmp_path / "site", languages=("es", "en"), database_url=database_url)
    with newsroom.sessions() as session:
        source = make_source(session, url="http://127.0.0.1:9/feed", name="Diario", language="es")
        for i, (title, paragraphs) in enumerate(ARTICLES):
            make_article(
                session,
                source,
                url=f"http://127.0.0.1:9/{i}",
                title=title,
                blocks=[{"kind": "p", "text": p} for p in paragraphs],
                stage=Stage.EXTRACTED.value,
            )
        session.commit()
    try:
        yield newsroom
    finally:
        newsroom.close()


def _ids(newsroom: Newsroom) -> list[int]:
    with newsroom.sessions() as session:
        return list(session.scalars(select(ArticleRow.id).order_by(ArticleRow.id)))


def _translations(newsroom: Newsroom, language: str = "en") -> list[TranslationRow]:
    with newsroom.sessions() as session:
        return list(
            session.scalars(
                select(TranslationRow)
                .where(TranslationRow.language == language)
                .order_by(TranslationRow.article_id)
            )
        )


def _set_translation(newsroom: Newsroom, **changes: Any) -> None:
    settings = newsroom.config.settings
    translation = replace(settings.translation, **changes)
    newsroom.config = replace(newsroom.config, settings=replace(settings, translation=translation))


def _use(newsroom: Newsroom, names: list[str], *engines: ApertiumEngine) -> None:
    newsroom.services._translators = Translators(names, engines=list(engines))


def test_translations_carry_provenance_memory_and_glossary(site: Newsroom) -> None:
    config = site.config.root / "babelwire.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[[glossary]]\nterm = "integridad territorial"\ntranslation = "territorial integrity"'
        + '\nfrom = "es"\nto = "en"\n\n[[glossary]]\nterm = "Generalitat"\n',
        encoding="utf-8",
    )
    ids = _ids(site)
    result = translate_articles(site, ids)
    assert sorted(result.done) == ids and not result.failed
    # the second copy of the boilerplate was not sent to the engine
    assert result.memory_hits >= 1 and result.segments > result.memory_hits
    rows = _translations(site)
    assert [r.status for r in rows] == ["translated", "translated"]
    first = rows[0]
    assert "The Generalitat defends the territorial integrity." in [b["text"] for b in first.blocks]
    assert "2027" in first.title
    assert first.engine == "apertium" and first.engine_version and first.model_version
    threshold = site.config.settings.translation.quality_threshold
    assert first.quality is not None and first.quality >= threshold
    # the quality estimate's signals, the round trip through es -> en's reverse among them
    assert 0.5 < first.checks["signals"]["round_trip"] <= 1.0
    assert first.checks["estimate"] > 0 and first.checks["form_score"] == 1.0
    assert len(first.glossary_version) == 12 and first.pivot == ""
    assert first.translated_at is not None
    assert first.checks["source_words"] > 20 and "unknown_share" in first.checks
    assert [b["kind"] for b in first.blocks] == ["p", "p", "p"]
    with site.sessions() as session:
        stored = session.scalar(select(func.count()).select_from(TranslationMemoryRow)) or 0
    assert stored >= 5
    # re-translating finds every segment in memory and gives the same text
    before = [(r.title, r.blocks) for r in rows]
    publish_articles(site, ids)
    again = retranslate(site)
    assert sorted(again.done) == ids
    assert again.segments and again.memory_hits == again.segments
    assert [(r.title, r.blocks) for r in _translations(site)] == before


def test_a_copy_is_held_back_and_listed_for_review(site: Newsroom, tmp_path: Path) -> None:
    _use(site, ["copy"], _engine(tmp_path / "copy", "copy", "cat"))
    ids = _ids(site)
    result = translate_articles(site, ids)
    assert sorted(result.done) == ids  # the article goes on; only the edition is held
    rows = _translations(site)
    assert {r.status for r in rows} == {"held"}
    for row in rows:
        assert "copy-of-source" in row.flags and "wrong-language" in row.flags
        assert row.quality is not None and row.quality < 0.2
        assert row.reason and "copy-of-source" in row.reason
    publish_articles(site, ids)
    with site.sessions() as session:
        assert edition_teasers(session, "en") == ()
        assert len(edition_teasers(session, "es")) == 2  # the original edition is untouched
    held = held_translations(site)
    assert [(h.article_id, h.language) for h in held] == [(i, "en") for i in ids]
    assert release_translation(site, ids[0], "en")
    assert not release_translation(site, ids[0], "en")
    with site.sessions() as session:
        assert [t.id for t in edition_teasers(session, "en")] == [ids[0]]


@pytest.mark.parametrize(
    ("pipeline", "flag"),
    [
        ("sed -u -z -e 's/[[:alpha:]][[:alpha:]]*/& & & & &/g'", "repetition"),
        ("sed -u -z -e 's/[^\\n]*//'", "empty"),
    ],
)
def test_bad_output_is_retried_with_the_next_engine(
    site: Newsroom, tmp_path: Path, pipeline: str, flag: str
) -> None:
    bad = _engine(tmp_path / "bad", "bad", pipeline)
    _use(site, ["bad", "apertium"], bad)
    ids = _ids(site)
    translate_articles(site, ids)
    rows = _translations(site)
    assert {r.status for r in rows} == {"translated"}
    assert {r.engine for r in rows} == {"apertium"}
    # with no engine left to retry, the bad one is held with its flag
    _set_translation(site, on_low_quality="hold")
    publish_articles(site, ids)
    retranslate(site, engine="bad")
    rows = _translations(site)
    assert {r.status for r in rows} == {"held"}
    assert all(flag in r.flags for r in rows)


def test_wrong_language_is_flagged(site: Newsroom, tmp_path: Path) -> None:
    catalan = Path("/usr/share/apertium/modes/spa-cat.mode").read_text(encoding="utf-8")
    _use(site, ["catalan"], _engine(tmp_path / "cat", "catalan", catalan.strip()))
    translate_articles(site, _ids(site))
    rows = _translations(site)
    assert all("wrong-language" in r.flags for r in rows)
    assert {r.status for r in rows} == {"held"}


def test_pivot_is_recorded(site: Newsroom, tmp_path: Path) -> None:
    modes = tmp_path / "pivot"
    for pair in ("spa-cat", "cat-eng"):
        _mode(modes, pair, Path(f"/usr/share/apertium/modes/{pair}.mode").read_text().strip())
    _use(site, ["apertium"], ApertiumEngine(modes_dir=modes, timeout=60))
    translate_articles(site, _ids(site))
    rows = _translations(site)
    assert {r.status for r in rows} == {"translated"}
    assert {r.pivot for r in rows} == {"es>ca>en"}
    assert all(r.model_version.count(";") == 1 for r in rows)


@pytest.mark.slow
def test_a_hung_engine_times_out_and_the_next_one_translates(
    site: Newsroom, tmp_path: Path
) -> None:
    # The hang outlasts the test's own time limit: only the engine's timeout ends it.
    hung = _engine(tmp_path / "hung", "hung", "sleep 3600", timeout=1.0)
    _use(site, ["hung", "apertium"], hung)
    result = translate_articles(site, _ids(site))
    assert not result.failed
    assert {r.engine for r in _translations(site)} == {"apertium"}
    # with only the hung engine, the failure is recorded on the article, nothing is lost
    with site.sessions() as session:
        for article in session.scalars(select(ArticleRow)):
            article.stage = Stage.EXTRACTED.value
        session.commit()
    _use(site, ["hung"], hung)
    result = translate_articles(site, _ids(site))
    assert set(result.failed) == set(_ids(site))
    assert all("no output for 1 s" in e for e in result.failed.values())
    with site.sessions() as session:
        assert {a.error for a in session.scalars(select(ArticleRow))} == set(result.failed.values())


@pytest.mark.slow
def test_an_engine_killed_mid_batch_is_restarted(site: Newsroom) -> None:
    engine = ApertiumEngine(timeout=60)
    _use(site, ["apertium"], engine)
    # a batch big enough to be in flight when a stage is killed; every sentence
    # differs, so neither the memory nor the batch's own repeats shorten it
    vocabulary = sorted(
        {w.strip(".,").lower() for _, ps in ARTICLES for p in ps for w in p.split()}
    )
    rng = random.Random(4)
    with site.sessions() as session:
        source_id = session.scalar(select(SourceRow.id))
        for i in range(60):
            blocks = [
                {"kind": "p", "text": " ".join(rng.sample(vocabulary, 12)).capitalize() + "."}
                for _ in range(30)
            ]
            make_article(
                session,
                source_id,
                url=f"http://127.0.0.1:9/bulk{i}",
                title=f"Artículo {i}",
                blocks=blocks,
                language="es",
                stage=Stage.EXTRACTED.value,
            )
        session.commit()
    killed: list[int] = []

    def kill_when_running() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not killed:
            pids = engine.pipeline_pids("es", "en")
            if pids:
                time.sleep(0.05)
                os.kill(pids[2], signal.SIGKILL)
                killed.append(pids[2])
            time.sleep(0.01)

    killer = threading.Thread(target=kill_when_running)
    killer.start()
    result = translate_articles(site, _ids(site))
    killer.join()
    assert killed
    assert not result.failed
    assert engine.pipeline_pids("es", "en")[2] != killed[0]
    rows = _translations(site)
    # every article translated (sentences of random words: the quality gate may hold some)
    assert len(rows) == 62 and {r.status for r in rows} <= {"translated", "held"}
    assert all(
        r.title and len(r.blocks) == n for r, n in zip(rows, [3, 2] + [30] * 60, strict=True)
    )
    engine.close()


def test_a_broken_glossary_holds_the_stage_and_says_why(site: Newsroom) -> None:
    (site.config.root / "terms.tsv").write_text("es\ten\n", encoding="utf-8")
    _set_translation(site, glossary_files=["terms.tsv"])
    ids = _ids(site)
    result = translate_articles(site, ids)
    assert set(result.failed) == set(ids)
    with site.sessions() as session:
        for article in session.scalars(select(ArticleRow)):
            assert article.stage == Stage.EXTRACTED.value and article.attempts == 0
            assert article.error and "terms.tsv:1" in article.error
    # fixed, the same articles go through
    (site.config.root / "terms.tsv").write_text("es\ten\tJunta\tBoard\n", encoding="utf-8")
    assert sorted(translate_articles(site, ids).done) == ids
