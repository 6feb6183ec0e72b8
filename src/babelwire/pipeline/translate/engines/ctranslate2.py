"""Neural translation with CTranslate2 models: OPUS-MT/Marian, NLLB-200, M2M-100.

A model is a folder holding a converted CTranslate2 model (``model.bin`` and its
vocabulary) and SentencePiece models, plus ``babelwire-model.json``, written
by ``babelwire engines add-model``, that says what it is::

    {"kind": "marian", "source": "es", "target": "en", "name": "opus-mt-es-en"}
    {"kind": "nllb", "languages": ["en", "es", "ca"], "name": "nllb-200-distilled-600M"}

Marian models translate one pair, with ``source.spm`` and ``target.spm`` (or one
shared ``sentencepiece.model``/``sentencepiece.bpe.model``).  NLLB and M2M-100
translate between all their languages: the source sentence starts with the
source language's token and the target prefix is the target language's token.

Segments are tokenized, sorted by length (similar lengths share a batch, so
little padding is computed), translated in batches, and put back in order.
On CPU the weights run as int8; with a CUDA device, as int8_float16.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babelwire.extras import install_hint
from babelwire.pipeline.translate.engine import EngineError, UnsupportedPair
from babelwire.setting import setting

__all__ = [
    "METADATA_FILE",
    "CTranslate2Engine",
    "CTranslate2Options",
    "ModelInfo",
    "read_model",
    "scan_models",
]

METADATA_FILE = "babelwire-model.json"
# A limit per sentence, the same whatever the batch, so a segment's translation
# does not depend on its neighbours (sentences are at most ~80 words long here).
MAX_DECODING_LENGTH = 256
# "opennmt": one pair, no end-of-sentence token on the source (Argos packages).
KINDS = ("marian", "opennmt", "nllb", "m2m100")


@dataclass(frozen=True, slots=True)
class CTranslate2Options:
    """The settings of the neural engines (this one and Argos), translation.models_dir and
    translation.beam_size in babelwire.toml."""

    models_dir: str = setting(
        "models", "Folder of CTranslate2 and Argos models (`babelwire engines add-model`)."
    )
    beam_size: int = setting(2, "Beam size of neural engines (1 = greedy, fastest).", minimum=1)


# ISO 639-1 -> the language tokens of NLLB-200 (FLORES codes).
NLLB_CODES = {
    "ca": "cat_Latn",
    "de": "deu_Latn",
    "en": "eng_Latn",
    "es": "spa_Latn",
    "eu": "eus_Latn",
    "fr": "fra_Latn",
    "gl": "glg_Latn",
    "it": "ita_Latn",
    "nl": "nld_Latn",
    "pt": "por_Latn",
    "ro": "ron_Latn",
    "ru": "rus_Cyrl",
    "uk": "ukr_Cyrl",
    "pl": "pol_Latn",
    "ar": "arb_Arab",
    "zh": "zho_Hans",
    "ja": "jpn_Jpan",
}


class ModelError(EngineError):
    """A model folder is missing a file or says something impossible."""


@dataclass(frozen=True, slots=True)
class ModelInfo:
    path: Path  # the CTranslate2 model folder (with model.bin)
    kind: str
    name: str
    version: str
    pairs: frozenset[tuple[str, str]]
    source_spm: Path
    target_spm: Path

    def language_token(self, code: str) -> str:
        if self.kind == "nllb":
            return NLLB_CODES.get(code, code)
        return f"__{code}__"


def _spm(folder: Path, *names: str) -> Path | None:
    for name in names:
        if (folder / name).is_file():
            return folder / name
    return None


def read_model(folder: Path, model_subdir: str = "") -> ModelInfo:
    """Read and check a model folder; raises ModelError saying what is wrong."""
    meta_path = folder / METADATA_FILE
    try:
        meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{meta_path}: {exc}") from exc
    kind = str(meta.get("kind", ""))
    if kind not in KINDS:
        raise ModelError(f"{meta_path}: kind must be one of {list(KINDS)}, not {kind!r}")
    model_dir = folder / str(meta.get("model_dir", model_subdir or "."))
    if not (model_dir / "model.bin").is_file():
        raise ModelError(f"{model_dir}: no model.bin (not a CTranslate2 model)")
    shared = _spm(folder, "sentencepiece.model", "sentencepiece.bpe.model", "spm.model")
    source_spm = _spm(folder, "source.spm") or shared
    target_spm = _spm(folder, "target.spm") or shared
    if source_spm is None or target_spm is None:
        raise ModelError(f"{folder}: no SentencePiece model (source.spm/target.spm)")
    if kind in ("marian", "opennmt"):
        source, target = str(meta.get("source", "")), str(meta.get("target", ""))
        if not source or not target:
            raise ModelError(f"{meta_path}: a Marian model needs source and target")
        pairs = frozenset({(source, target)})
    else:
        languages = [str(x) for x in meta.get("languages", [])]
        if len(languages) < 2:
            raise ModelError(f"{meta_path}: a {kind} model needs its languages")
        pairs = frozenset((s, t) for s in languages for t in languages if s != t)
    return ModelInfo(
        path=model_dir,
        kind=kind,
        name=str(meta.get("name", folder.name)),
        version=str(meta.get("version", "")),
        pairs=pairs,
        source_spm=source_spm,
        target_spm=target_spm,
    )


def scan_models(models_dir: Path | None, engine: str) -> list[ModelInfo]:
    """The valid models of ``engine`` in ``models_dir`` (others are left for their engine)."""
    if models_dir is None or not models_dir.is_dir():
        return []
    found = []
    for folder in sorted(models_dir.iterdir()):
        meta = folder / METADATA_FILE
        if not meta.is_file():
            continue
        try:
            owner = json.loads(meta.read_text(encoding="utf-8")).get("engine", "ctranslate2")
        except (OSError, ValueError):
            continue
        if owner == engine:
            found.append(read_model(folder))
    return found


@dataclass
class _Loaded:
    translator: Any
    source: Any
    target: Any
    lock: threading.Lock = field(default_factory=threading.Lock)


class CTranslate2Engine:
    """Every CTranslate2 model in a folder, loaded when first used."""

    name = "ctranslate2"
    native_protection: frozenset[str] = frozenset()

    def __init__(
        self,
        models: Sequence[ModelInfo],
        *,
        beam_size: int = 2,
        batch_size: int = 32,
        device: str | None = None,
        threads: int | None = None,
        models_dir: Path | None = None,
    ) -> None:
        self.models = list(models)
        self.models_dir = models_dir
        self.beam_size = max(1, beam_size)
        self.batch_size = max(1, batch_size)
        self.device = device or _default_device()
        self.threads = threads or max(1, os.cpu_count() or 1)
        self._loaded: dict[Path, _Loaded] = {}
        self._lock = threading.Lock()

    def version(self) -> str:
        try:
            import ctranslate2
        except ImportError:
            return "unavailable"
        return str(ctranslate2.__version__)

    def pairs(self) -> set[tuple[str, str]]:
        return {pair for model in self.models for pair in model.pairs}

    def model_for(self, source: str, target: str) -> ModelInfo:
        for model in self.models:
            if (source, target) in model.pairs:
                return model
        raise UnsupportedPair(f"{self.name}: no model translates {source}->{target}")

    def pair_version(self, source: str, target: str) -> str:
        model = self.model_for(source, target)
        return f"{model.name}@{model.version}" if model.version else model.name

    def _load(self, model: ModelInfo) -> _Loaded:
        with self._lock:
            loaded = self._loaded.get(model.path)
            if loaded is not None:
                return loaded
            try:
                import ctranslate2
                import sentencepiece
            except ImportError as exc:
                hint = install_hint("neural", f"the {self.name} engine")
                raise EngineError(f"{self.name}: {hint} ({exc})") from exc
            compute = "int8" if self.device == "cpu" else "int8_float16"
            try:
                translator = ctranslate2.Translator(
                    str(model.path),
                    device=self.device,
                    compute_type=compute,
                    intra_threads=self.threads if self.device == "cpu" else 0,
                )
                source = sentencepiece.SentencePieceProcessor(model_file=str(model.source_spm))
                target = sentencepiece.SentencePieceProcessor(model_file=str(model.target_spm))
            except (RuntimeError, OSError, ValueError) as exc:
                raise EngineError(f"{self.name}: cannot load {model.path}: {exc}") from exc
            loaded = _Loaded(translator, source, target)
            self._loaded[model.path] = loaded
            return loaded

    def translate_batch(self, segments: Sequence[str], source: str, target: str) -> list[str]:
        model = self.model_for(source, target)
        loaded = self._load(model)
        results = [""] * len(segments)
        todo = [(i, s) for i, s in enumerate(segments) if s.strip()]
        if not todo:
            return results
        tokens: list[list[str]] = loaded.source.encode([s for _, s in todo], out_type=str)
        prefix: list[list[str]] | None = None
        if model.kind == "marian":
            tokens = [[*t, "</s>"] for t in tokens]
        elif model.kind in ("nllb", "m2m100"):
            tokens = [[model.language_token(source), *t, "</s>"] for t in tokens]
            prefix = [[model.language_token(target)]] * len(tokens)
        order = sorted(range(len(tokens)), key=lambda k: len(tokens[k]))
        outputs: dict[int, str] = {}
        with loaded.lock:
            for start in range(0, len(order), self.batch_size):
                part = order[start : start + self.batch_size]
                try:
                    answers = loaded.translator.translate_batch(
                        [tokens[k] for k in part],
                        target_prefix=[prefix[k] for k in part] if prefix else None,
                        beam_size=self.beam_size,
                        max_decoding_length=MAX_DECODING_LENGTH,
                    )
                except (RuntimeError, ValueError) as exc:
                    raise EngineError(f"{self.name} {model.name}: {exc}") from exc
                for k, answer in zip(part, answers, strict=True):
                    hypothesis = list(answer.hypotheses[0])
                    if prefix and hypothesis[:1] == prefix[k]:
                        hypothesis = hypothesis[1:]
                    outputs[k] = loaded.target.decode(hypothesis)
        for k, (i, _) in enumerate(todo):
            results[i] = outputs[k]
        return results

    def close(self) -> None:
        with self._lock:
            self._loaded.clear()


def _default_device() -> str:
    try:
        import ctranslate2

        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except (ImportError, RuntimeError):
        return "cpu"
