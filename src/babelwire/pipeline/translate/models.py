"""Registering neural models in a site: ``babelwire engines add-model PATH``.

A CTranslate2 model folder is checked (model.bin, SentencePiece models, what
it translates), copied into the site's models folder with a
``babelwire-model.json`` describing it, and loaded once to prove it works.  An
``.argosmodel`` package is unpacked the same way for the argos engine.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from babelwire.pipeline.translate.engines.argos import ArgosEngine, install_package
from babelwire.pipeline.translate.engines.ctranslate2 import (
    METADATA_FILE,
    CTranslate2Engine,
    ModelError,
    ModelInfo,
    read_model,
)

__all__ = ["add_model", "install_model", "model_folder", "sample_sentence"]

# A sentence per language to check that an engine translates; others get the English one.
SAMPLES = {
    "ca": "El govern aprova el pressupost.",
    "en": "The government approves the budget.",
    "es": "El gobierno aprueba el presupuesto.",
    "eu": "Gobernuak aurrekontua onartzen du.",
    "fr": "Le gouvernement approuve le budget.",
    "gl": "O goberno aproba o orzamento.",
    "it": "Il governo approva il bilancio.",
    "pt": "O governo aprova o orçamento.",
}


def sample_sentence(language: str) -> str:
    return SAMPLES.get(language, SAMPLES["en"])


def model_folder(info: ModelInfo) -> Path:
    """The installed folder of a model (its CTranslate2 files may be in a subfolder)."""
    return info.path.parent if info.path.name == "model" else info.path


# "opus-mt-es-en", "Helsinki-NLP--opus-mt-ca-es", "opus-mt-tc-big-en-es"
_OPUS_NAME = re.compile(r"opus-mt-(?:tc-big-)?([a-z]{2,3})-([a-z]{2,3})$")


def _describe(
    folder: Path, kind: str | None, source: str | None, target: str | None, languages: Sequence[str]
) -> dict[str, object]:
    if (folder / METADATA_FILE).is_file():
        meta: dict[str, object] = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
        return meta
    name = folder.name
    m = _OPUS_NAME.search(name.lower())
    if kind is None:
        lowered = name.lower()
        kind = "nllb" if "nllb" in lowered else "m2m100" if "m2m" in lowered else "marian"
    if kind in ("marian", "opennmt"):
        source = source or (m.group(1) if m else None)
        target = target or (m.group(2) if m else None)
        if not source or not target:
            raise ModelError(
                f"{folder}: cannot tell the language pair from the name; give --from and --to"
            )
        return {
            "engine": "ctranslate2",
            "kind": kind,
            "source": source,
            "target": target,
            "name": name,
        }
    if not languages:
        raise ModelError(f"{folder}: a {kind} model needs --languages (e.g. en,es,ca)")
    return {"engine": "ctranslate2", "kind": kind, "languages": list(languages), "name": name}


def add_model(
    path: Path,
    models_dir: Path,
    *,
    kind: str | None = None,
    source: str | None = None,
    target: str | None = None,
    languages: Sequence[str] = (),
) -> tuple[str, ModelInfo]:
    """Install a model folder or .argosmodel; returns (engine name, model)."""
    name, info, _sample = install_model(
        path, models_dir, kind=kind, source=source, target=target, languages=languages
    )
    return name, info


def install_model(
    path: Path,
    models_dir: Path,
    *,
    kind: str | None = None,
    source: str | None = None,
    target: str | None = None,
    languages: Sequence[str] = (),
) -> tuple[str, ModelInfo, str]:
    """Install a model folder or .argosmodel; returns (engine name, model, its translation
    of a sample sentence)."""
    if path.is_file():
        info = install_package(path, models_dir)
        engine: CTranslate2Engine = ArgosEngine([info], beam_size=1)
        name = "argos"
    elif path.is_dir():
        meta = _describe(path, kind, source, target, languages)
        destination = models_dir / str(meta.get("name", path.name))
        if destination.exists():
            raise ModelError(f"{destination} exists: remove it to install another version")
        models_dir.mkdir(parents=True, exist_ok=True)
        shutil.copytree(path, destination)
        (destination / METADATA_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        try:
            info = read_model(destination)
        except ModelError:
            shutil.rmtree(destination)
            raise
        engine = CTranslate2Engine([info], beam_size=1)
        name = str(meta.get("engine", "ctranslate2"))
    else:
        raise ModelError(f"{path}: no such file or folder")
    # Load it and translate a sentence, so a broken model is found now, not in the pipeline.
    pair_source, pair_target = sorted(info.pairs)[0]
    try:
        (sample,) = engine.translate_batch([sample_sentence(pair_source)], pair_source, pair_target)
    except Exception:
        shutil.rmtree(model_folder(info))
        raise
    finally:
        engine.close()
    return name, info, sample
