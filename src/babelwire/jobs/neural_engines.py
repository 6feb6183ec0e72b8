"""Bringing a neural engine to a site: a CTranslate2 model or an OpenAI-compatible server.

`babelwire engines add-model` calls these.  Each checks that the engine really
translates (the model loads and translates a sentence; the server answers a
translation request in the asked format) before anything is written, then adds
the engine to `translation.engines` (last, so that it takes no other pair) and
names it in `translation.prefer` for the pairs it was brought for: the routing
tries it first there, and the engines that translated the pair before (Apertium)
stay the routes the quality gate retries with.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import tomlkit

from babelwire.config import Config, ConfigError
from babelwire.jobs.settings_file import edit_settings, settings_table
from babelwire.pipeline.translate.engine import EngineError
from babelwire.pipeline.translate.engines.openai import OpenAIEngine
from babelwire.pipeline.translate.models import install_model, model_folder, sample_sentence
from babelwire.pipeline.translate.preferences import parse_preferences, preference_entry

__all__ = ["NeuralEngineAdded", "add_model_to_site", "add_openai_server"]


@dataclass(frozen=True, slots=True)
class NeuralEngineAdded:
    engine: str
    what: str  # the model's name and folder, or the server's URL and model
    pairs: list[tuple[str, str]]  # the pairs the engine is now preferred for
    sample: str  # its translation of the sample sentence
    config: Config


def _register(
    root: Path, engine: str, pairs: Sequence[tuple[str, str]], **openai: str | list[str]
) -> Config:
    """Add ``engine`` to translation.engines and prefer it for ``pairs``."""

    def change(document: tomlkit.TOMLDocument) -> None:
        table = settings_table(document, "translation")
        engines = [str(x) for x in table.get("engines", ["apertium"])]
        if engine not in engines:
            table["engines"] = [*engines, engine]
        entries = [str(x) for x in table.get("prefer", [])]
        kept = parse_preferences(entries)
        for source, target in pairs:
            if kept.get((source, target)) not in (None, engine):
                entries.remove(preference_entry(source, target, kept[(source, target)]))
            if kept.get((source, target)) != engine:
                entries.append(preference_entry(source, target, engine))
        table["prefer"] = entries
        for name, value in openai.items():
            table[f"openai_{name}"] = value

    return edit_settings(root, change)


def _preferred_pairs(
    pairs: Sequence[tuple[str, str]], editions: Sequence[str]
) -> list[tuple[str, str]]:
    """A one-pair model is preferred for its pair; a many-pair one for the pairs into an
    edition."""
    if len(pairs) == 1:
        return list(pairs)
    return sorted((s, t) for s, t in pairs if t in editions)


def add_model_to_site(
    config: Config,
    path: Path,
    models_dir: Path,
    *,
    kind: str | None = None,
    source: str | None = None,
    target: str | None = None,
    languages: Sequence[str] = (),
    prefer: bool = True,
) -> NeuralEngineAdded:
    """Install a CTranslate2 model folder or .argosmodel, and prefer it for its pairs."""
    engine, info, sample = install_model(
        path, models_dir, kind=kind, source=source, target=target, languages=languages
    )
    pairs = _preferred_pairs(sorted(info.pairs), config.languages) if prefer else []
    try:
        written = _register(config.root, engine, pairs)
    except (ConfigError, OSError):
        shutil.rmtree(model_folder(info))  # a model no setting names is not left behind
        raise
    return NeuralEngineAdded(engine, f"{info.name} in {info.path}", pairs, sample, written)


def add_openai_server(
    config: Config,
    url: str,
    model: str,
    *,
    source: str,
    target: str,
    key: str = "",
    prefer: bool = True,
) -> NeuralEngineAdded:
    """Check an OpenAI-compatible server (llama.cpp, vLLM, Ollama) by translating a
    sentence source -> target, then configure it and prefer it for that pair."""
    settings = config.settings.translation.openai
    if settings.url and settings.url.rstrip("/") != url.rstrip("/"):
        raise ConfigError(
            f"translation.openai_url is already {settings.url}: a site has one "
            "OpenAI-compatible server; change that setting to replace it"
        )
    timeout = config.settings.translation.timeout
    engine = OpenAIEngine(
        url, model=model, api_key=key, languages=[source, target], timeout=timeout
    )
    try:
        (sample,) = engine.translate_batch([sample_sentence(source)], source, target)
    except EngineError as exc:
        raise EngineError(f"{url} did not translate {source}->{target}: {exc}") from exc
    finally:
        engine.close()
    if not sample.strip():
        raise EngineError(f"{url} answered an empty translation for {source}->{target}")
    known = list(settings.languages) if settings.url else []
    languages = list(dict.fromkeys([*known, source, target]))
    values: dict[str, str | list[str]] = {"url": url, "model": model, "languages": languages}
    if key:
        values["key"] = key
    pairs = [(source, target)] if prefer else []
    written = _register(config.root, "openai", pairs, **values)
    return NeuralEngineAdded("openai", f"{model} at {url}", pairs, sample, written)
