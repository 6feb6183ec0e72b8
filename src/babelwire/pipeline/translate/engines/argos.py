"""Argos Translate models, from ``.argosmodel`` packages installed from a local file.

A package is a zip archive with one top folder holding ``metadata.json``
(``from_code``, ``to_code``, ``package_version``...), ``model/`` (a CTranslate2
model converted from OpenNMT-py) and ``sentencepiece.model``.  ``babelwire
engines add-model FILE.argosmodel`` unpacks it into the site's models folder;
this engine runs it with CTranslate2, as Argos Translate itself does, without
depending on the argostranslate package.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path, PurePosixPath

from babelwire.pipeline.translate.engines.ctranslate2 import (
    METADATA_FILE,
    CTranslate2Engine,
    ModelError,
    ModelInfo,
    read_model,
)

__all__ = ["ArgosEngine", "install_package"]


class ArgosEngine(CTranslate2Engine):
    name = "argos"


def _top_folder(names: list[str]) -> str:
    tops = {PurePosixPath(n).parts[0] for n in names if PurePosixPath(n).parts}
    if len(tops) != 1:
        raise ModelError("an .argosmodel holds exactly one top folder")
    return tops.pop()


def install_package(package: Path, models_dir: Path) -> ModelInfo:
    """Unpack and check an .argosmodel into ``models_dir``; returns the model."""
    try:
        archive = zipfile.ZipFile(package)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ModelError(f"{package}: not an .argosmodel (zip) package: {exc}") from exc
    with archive:
        names = archive.namelist()
        top = _top_folder(names)
        for name in names:
            path = PurePosixPath(name)
            if path.is_absolute() or ".." in path.parts:
                raise ModelError(f"{package}: unsafe path {name!r} in the package")
        required = [f"{top}/metadata.json", f"{top}/model/model.bin", f"{top}/sentencepiece.model"]
        missing = [r for r in required if r not in names]
        if missing:
            raise ModelError(f"{package}: missing {', '.join(missing)}")
        try:
            meta = json.loads(archive.read(f"{top}/metadata.json"))
        except ValueError as exc:
            raise ModelError(f"{package}: metadata.json is not JSON") from exc
        source, target = meta.get("from_code"), meta.get("to_code")
        if not isinstance(source, str) or not isinstance(target, str):
            raise ModelError(f"{package}: metadata.json needs from_code and to_code")
        destination = models_dir / f"argos-{source}-{target}"
        if destination.exists():
            raise ModelError(f"{destination} exists: remove it to install another version")
        models_dir.mkdir(parents=True, exist_ok=True)
        staging = models_dir / f".installing-{destination.name}"
        archive.extractall(staging)
    (staging / top).rename(destination)
    staging.rmdir()
    (destination / METADATA_FILE).write_text(
        json.dumps(
            {
                "engine": "argos",
                "kind": "opennmt",
                "source": source,
                "target": target,
                "model_dir": "model",
                "name": f"argos-{source}-{target}",
                "version": str(meta.get("package_version", "")),
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return read_model(destination)
