"""The ctranslate2 and argos engines, for real, on a tiny Marian model built by the suite.

The model has random weights, so its output means nothing: these tests prove
that models are installed and checked, loaded, tokenized, batched (sorted by
length and put back in order) and detokenized, through the engine and through
the full translation path.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("ctranslate2")
pytest.importorskip("sentencepiece")
pytest.importorskip("transformers")
pytest.importorskip("torch")

from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.config import Config
from babelwire.jobs.neural_engines import add_model_to_site
from babelwire.jobs.site import create_site
from babelwire.newsroom import engine_options
from babelwire.pipeline.translate.article import SourceText, translate_texts
from babelwire.pipeline.translate.engine import Engine, UnsupportedPair
from babelwire.pipeline.translate.engines.argos import ArgosEngine
from babelwire.pipeline.translate.engines.ctranslate2 import (
    CTranslate2Engine,
    ModelError,
    scan_models,
)
from babelwire.pipeline.translate.models import add_model
from babelwire.pipeline.translate.registry import Translators
from tests.tiny_marian import build_argos_package, build_marian

SEGMENTS = [
    "El ayuntamiento aprueba el presupuesto.",
    "",
    "La biblioteca abre el lunes con doce mil libros y una sala nueva para estudiar.",
    "Hola.",
    "El equipo gana el partido en casa ante su rival de siempre, y la afición lo celebra.",
]


@pytest.fixture(scope="session")
def cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Pytest's cache folder keeps the model between runs; without it, one per session."""
    plugin = getattr(request.config, "cache", None)
    if plugin is None:
        return tmp_path_factory.mktemp("tiny-marian")
    return Path(plugin.mkdir("babelwire-tiny-marian"))


@pytest.fixture(scope="session")
def marian(cache: Path) -> Path:
    return build_marian(cache)


def test_marian_model_installs_loads_and_batches(marian: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    with pytest.raises(ModelError, match="--from and --to"):
        add_model(marian, models)
    engine_name, info = add_model(marian, models, source="es", target="en")
    assert engine_name == "ctranslate2" and info.pairs == {("es", "en")}
    (found,) = scan_models(models, "ctranslate2")
    assert found.name == info.name
    engine = CTranslate2Engine([found], beam_size=1, batch_size=2, device="cpu", threads=1)
    assert isinstance(engine, Engine)
    assert engine.pairs() == {("es", "en")} and engine.version()
    assert engine.pair_version("es", "en") == info.name
    small = engine.translate_batch(SEGMENTS, "es", "en")
    assert len(small) == len(SEGMENTS) and small[1] == ""
    assert all(isinstance(s, str) for s in small)
    # batches of 2 sorted by length give what one batch of all gives, in input order
    engine.batch_size = 32
    assert engine.translate_batch(SEGMENTS, "es", "en") == small
    assert engine.translate_batch(list(reversed(SEGMENTS)), "es", "en") == list(reversed(small))
    with pytest.raises(UnsupportedPair):
        engine.translate_batch(["x"], "en", "es")
    # the full path: the random model's output is caught by the checks
    (result,) = translate_texts(engine, [SourceText(SEGMENTS[0], [])], "es", "en")
    assert result.article.engine == "ctranslate2"
    assert result.verdict.flags and result.verdict.score < 1.0
    engine.close()


def test_installing_a_broken_model_is_refused(tmp_path: Path, marian: Path) -> None:
    broken = tmp_path / "opus-mt-es-en"
    broken.mkdir()
    (broken / "source.spm").write_bytes((marian / "source.spm").read_bytes())
    with pytest.raises(ModelError, match=r"model\.bin"):
        add_model(broken, tmp_path / "models")
    assert not (tmp_path / "models" / "opus-mt-es-en").exists()


def test_argos_package_installs_and_translates(cache: Path, tmp_path: Path) -> None:
    package = build_argos_package(cache)
    models = tmp_path / "models"
    engine_name, info = add_model(package, models)
    assert engine_name == "argos" and info.pairs == {("es", "en")} and info.version == "1.0"
    with pytest.raises(ModelError, match="exists"):
        add_model(package, models)
    engine = ArgosEngine(scan_models(models, "argos"), beam_size=2, device="cpu", threads=1)
    out = engine.translate_batch(SEGMENTS, "es", "en")
    assert len(out) == len(SEGMENTS) and out[1] == ""
    assert scan_models(models, "ctranslate2") == []  # argos models belong to argos
    engine.close()


def test_bad_argos_packages_are_refused(tmp_path: Path) -> None:
    not_zip = tmp_path / "x.argosmodel"
    not_zip.write_text("hello", encoding="utf-8")
    with pytest.raises(ModelError, match="zip"):
        add_model(not_zip, tmp_path / "models")
    partial = tmp_path / "y.argosmodel"
    with zipfile.ZipFile(partial, "w") as archive:
        archive.writestr("pkg/metadata.json", json.dumps({"from_code": "es", "to_code": "en"}))
    with pytest.raises(ModelError, match=r"model\.bin"):
        add_model(partial, tmp_path / "models")


def test_site_engines_from_the_models_folder(marian: Path, tmp_path: Path) -> None:
    create_site(tmp_path / "site", languages=("en", "es"))
    toml = tmp_path / "site" / "babelwire.toml"
    toml.write_text("# the operator's note\n" + toml.read_text(encoding="utf-8"), encoding="utf-8")
    runner = CliRunner()
    site = ["-s", str(tmp_path / "site")]
    done = runner.invoke(
        app, ["engines", "add-model", str(marian), "--from", "es", "--to", "en", *site]
    )
    assert done.exit_code == 0, done.output
    assert "Added" in done.output and "Preferred for es>en" in done.output
    assert "test sentence as:" in done.output
    # babelwire.toml: the engine added last, preferred for its pair, comments kept
    text = toml.read_text(encoding="utf-8")
    assert text.startswith("# the operator's note\n")
    assert (tmp_path / "site" / "babelwire.toml.bak").is_file()
    config = Config.load(tmp_path / "site")
    assert config.settings.translation.engines == ["apertium", "ctranslate2"]
    assert config.settings.translation.prefer == ["es>en=ctranslate2"]
    translators = Translators(config.settings.translation.engines, options=engine_options(config))
    assert [r.engine_name for r in translators.routes("es", "en")] == ["ctranslate2", "apertium"]
    assert [r.engine_name for r in translators.routes("en", "es")] == ["apertium"]
    listing = runner.invoke(app, ["engines", *site])
    assert listing.exit_code == 0, listing.output
    assert "ctranslate2 es>en (preferred)" in listing.output
    translators.close()
    # the same model again is refused, and the settings stay as they were
    again = runner.invoke(
        app, ["engines", "add-model", str(marian), "--from", "es", "--to", "en", *site]
    )
    assert again.exit_code == 2 and "exists" in again.output
    assert toml.read_text(encoding="utf-8") == text


def test_the_gate_falls_back_from_a_preferred_model_to_apertium(
    marian: Path, tmp_path: Path
) -> None:
    """The random model's output fails the quality gate: Apertium, the fallback, translates."""
    from babelwire.jobs.stages.translate import translate_articles
    from babelwire.model import Stage
    from babelwire.newsroom import Newsroom
    from babelwire.storage.tables import TranslationRow
    from tests.factory import make_article, make_source

    create_site(tmp_path / "site", languages=("en",))
    config = Config.load(tmp_path / "site")
    models = tmp_path / "site" / "models"
    add_model_to_site(config, marian, models, source="es", target="en")
    with Newsroom.open(tmp_path / "site") as newsroom:
        with newsroom.sessions() as session:
            source = make_source(session, url="http://127.0.0.1:9/f", name="D", language="es")
            article = make_article(
                session,
                source,
                url="http://127.0.0.1:9/1",
                title="El gobierno aprueba el presupuesto.",
                blocks=[{"kind": "p", "text": "El ayuntamiento abre una biblioteca nueva."}],
                stage=Stage.EXTRACTED.value,
            )
            session.commit()
            article_id = article.id
        first, *fallbacks = newsroom.translators.routes("es", "en")
        assert first.engine_name == "ctranslate2" and fallbacks
        result = translate_articles(newsroom, [article_id])
        assert result.done == [article_id]
        with newsroom.sessions() as session:
            row = session.query(TranslationRow).filter_by(article_id=article_id).one()
            assert row.engine == "apertium" and "government" in row.title.lower()
