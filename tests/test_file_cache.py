"""The glossary and the gazetteer are read once per process, and again when their files change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from babelwire.config import Config, render_config
from babelwire.jobs.tags import site_glossary
from babelwire.pipeline.entities.gazetteer import GazetteerError, load_gazetteer
from babelwire.pipeline.file_cache import FileCache
from babelwire.pipeline.translate.glossary import GlossaryError, load_glossary

PLACE = '[[entity]]\nslug = "portvell"\nkind = "place"\nname = "{name}"\n'


def _rewrite(path: Path, text: str) -> None:
    """Write `text` and move the modification time on, whatever the clock's resolution."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    later = max(before, path.stat().st_mtime_ns) + 1_000_000_000
    os.utime(path, ns=(later, later))


def test_the_cache_keeps_a_value_until_its_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("one", encoding="utf-8")
    cache: FileCache[list[str]] = FileCache()
    loads: list[str] = []

    def load() -> list[str]:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        loads.append(text)
        return [text]

    first = cache.get("k", [path], load)
    assert cache.get("k", [path], load) is first and loads == ["one"]
    _rewrite(path, "two")  # the same size: only the time says it changed
    second = cache.get("k", [path], load)
    assert second == ["two"] and cache.get("k", [path], load) is second
    path.unlink()
    assert cache.get("k", [path], load) == [""]
    assert loads == ["one", "two", ""]


def test_a_failed_load_is_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("x", encoding="utf-8")
    cache: FileCache[str] = FileCache()
    calls: list[int] = []

    def broken() -> str:
        calls.append(1)
        raise ValueError("cannot read")

    for _ in range(2):
        with pytest.raises(ValueError, match="cannot read"):
            cache.get("k", [path], broken)
    assert len(calls) == 2
    assert cache.get("k", [path], lambda: "fine") == "fine"


def test_the_gazetteer_is_read_once_until_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "entities.toml"
    path.write_text(PLACE.format(name="Portvell"), encoding="utf-8")
    first = load_gazetteer(path)
    assert load_gazetteer(path) is first
    _rewrite(path, PLACE.format(name="Portvelo"))  # same size
    changed = load_gazetteer(path)
    assert changed is not first and changed.entities[0].name == "Portvelo"
    assert load_gazetteer(path) is changed
    path.unlink()
    assert load_gazetteer(path).entities == ()  # a deleted gazetteer is an empty one


def test_a_broken_gazetteer_says_so_every_time(tmp_path: Path) -> None:
    path = tmp_path / "entities.toml"
    path.write_text(PLACE.format(name="Portvell"), encoding="utf-8")
    good = load_gazetteer(path)
    _rewrite(path, "[[entity]\nslug=")
    messages = []
    for _ in range(2):
        with pytest.raises(GazetteerError, match=r"entities\.toml") as caught:
            load_gazetteer(path)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    _rewrite(path, PLACE.format(name="Portvell"))
    fixed = load_gazetteer(path)
    assert fixed is not good and fixed == good


def test_the_glossary_is_read_once_until_a_file_changes(tmp_path: Path) -> None:
    terms = tmp_path / "terms.tsv"
    terms.write_text("es\ten\tJunta\tBoard\n", encoding="utf-8")
    first = load_glossary(tmp_path, None, ["terms.tsv"])
    assert load_glossary(tmp_path, None, ["terms.tsv"]) is first
    _rewrite(terms, "es\ten\tJunta\tBoart\n")
    changed = load_glossary(tmp_path, None, ["terms.tsv"])
    assert changed.for_pair("es", "en").outputs == {"Junta": "Boart"}
    # babelwire.toml's [[glossary]] counts as one of its files, from absent to present
    (tmp_path / "babelwire.toml").write_text('[[glossary]]\nterm = "Generalitat"\n', "utf-8")
    with_toml = load_glossary(tmp_path, None, ["terms.tsv"])
    assert [t.term for t in with_toml.terms] == ["Generalitat", "Junta"]
    assert load_glossary(tmp_path, None, ["terms.tsv"]) is with_toml
    _rewrite(terms, "es\ten\n")
    for _ in range(2):
        with pytest.raises(GlossaryError, match=r"terms\.tsv:1: expected FROM"):
            load_glossary(tmp_path, None, ["terms.tsv"])


def test_the_site_glossary_follows_the_gazetteer(tmp_path: Path) -> None:
    (tmp_path / "babelwire.toml").write_text(
        render_config(title="Wire", base_url="https://wire.example/", languages=["en", "es"])
    )
    config = Config.load(tmp_path)
    gazetteer = tmp_path / "entities.toml"
    gazetteer.write_text(PLACE.format(name="Portvell"), encoding="utf-8")
    first = site_glossary(config)
    assert site_glossary(config) is first
    _rewrite(gazetteer, PLACE.format(name="Portvelo"))
    changed = site_glossary(config)
    assert "Portvelo" in {t.term for t in changed.terms} and site_glossary(config) is changed
    _rewrite(gazetteer, '[[entity]]\nslug = "x"\nkind = "alien"\n')
    with pytest.raises(GlossaryError, match=r"gazetteer: .*alien"):
        site_glossary(config)
