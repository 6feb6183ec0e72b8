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
    runner = CliRunner()
    done = runner.invoke(
        app,
        [
            "engines",
            "add-model",
            str(marian),
            "--from",
            "es",
            "--to",
            "en",
            "-s",
            str(tmp_path / "site"),
        ],
    )
    assert done.exit_code == 0, done.output
    assert "Installed" in done.output and 'Add "ctranslate2"' in done.output
    config = Config.load(
        tmp_path / "site", env={"BABELWIRE_TRANSLATION_ENGINES": "ctranslate2,apertium"}
    )
    translators = Translators(config.settings.translation.engines, options=engine_options(config))
    routes = translators.routes("es", "en")
    assert [r.engine_name for r in routes] == ["ctranslate2", "apertium"]
    listing = runner.invoke(
        app,
        ["engines", "-s", str(tmp_path / "site")],
        env={"BABELWIRE_TRANSLATION_ENGINES": "ctranslate2,apertium"},
    )
    assert listing.exit_code == 0, listing.output
    assert "ctranslate2" in listing.output and "es>en" in listing.output
    translators.close()
