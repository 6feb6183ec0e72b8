"""Settings: written by init, read back, overridden by the environment, documented."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from babelwire.config import SETTINGS, Config, ConfigError, render_config
from babelwire.setting import PREFIX

DOCS = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_rendered_config_reads_back(tmp_path: Path) -> None:
    (tmp_path / "babelwire.toml").write_text(
        render_config(title="Wire", base_url="https://wire.example/", languages=["en", "ca"])
    )
    config = Config.load(tmp_path)
    assert config.title == "Wire"
    assert config.base_url == "https://wire.example"
    assert config.languages == ["en", "ca"]
    assert config.database_url == f"sqlite:///{tmp_path.resolve()}/babelwire.sqlite3"
    assert [s.slug for s in config.sections][:2] == ["politics", "economy"]
    assert config.section("sport") is not None
    assert config.section("sport").name("es") == "Deportes"  # type: ignore[union-attr]


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    (tmp_path / "babelwire.toml").write_text(
        render_config(title="Wire", base_url="http://x", languages=["en"])
    )
    config = Config.load(
        tmp_path,
        env={"BABELWIRE_SITE_LANGUAGES": "en,fr", "BABELWIRE_FETCH_MAX_ENTRIES": "7"},
    )
    assert config.languages == ["en", "fr"]
    assert config.settings.fetch.max_entries == 7


def test_wrong_types_are_refused_with_the_setting_named(tmp_path: Path) -> None:
    (tmp_path / "babelwire.toml").write_text('[site]\nlanguages = "en"\n')
    with pytest.raises(ConfigError, match=r"site\.languages"):
        Config.load(tmp_path)


def test_missing_site_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="babelwire init"):
        Config.load(tmp_path)


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [s.key for s in SETTINGS if f"`{s.key}`" not in text or s.env not in text]
    assert not missing, f"undocumented settings in docs/configuration.md: {missing}"


@pytest.mark.parametrize(
    ("stories", "complaint"),
    [
        ({"threshold": 1.5}, "stories.threshold"),
        ({"threshold": 0}, "stories.threshold"),
        ({"window_hours": 0}, "stories.window_hours"),
        ({"duplicate_hours": -1}, "stories.duplicate_hours"),
        ({"pivot_language": "fr"}, "'fr' is not an edition"),
    ],
)
def test_story_settings_out_of_range_are_refused(
    tmp_path: Path, stories: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(complaint)):
        Config.from_mapping(tmp_path, {"site": {"languages": ["en", "es"]}, "stories": stories})
    config = Config.from_mapping(tmp_path, {"stories": {"pivot_language": "es"}})
    assert config.settings.stories.pivot_language == "es"


def _typed(group: object, table: str, prefix: str = "") -> dict[str, object]:
    """Each setting's value as read through the typed tables, by its dotted key."""
    found: dict[str, object] = {}
    for item in dataclasses.fields(group):  # type: ignore[arg-type]
        value = getattr(group, item.name)
        if PREFIX in item.metadata:
            found |= _typed(value, table, prefix + item.metadata[PREFIX])
        else:
            found[f"{table}.{prefix}{item.name}"] = value
    return found


def _all_typed(config: Config) -> dict[str, object]:
    tables = dataclasses.fields(config.settings)
    return {
        k: v for t in tables for k, v in _typed(getattr(config.settings, t.name), t.name).items()
    }


def test_the_typed_tables_hold_every_setting_with_its_declared_type(tmp_path: Path) -> None:
    values = _all_typed(Config.from_mapping(tmp_path, {}, {}))
    assert list(values) == [s.key for s in SETTINGS]
    for setting in SETTINGS:
        value = values[setting.key]
        assert type(value) is setting.kind, setting.key
        assert value == setting.default, setting.key
        if isinstance(value, list):
            assert all(isinstance(x, str) for x in value), setting.key


def test_typed_settings_from_the_file(tmp_path: Path) -> None:
    data = {
        "fetch": {"host_delay": 2, "max_entries": 7, "fetch_pages": False},
        "translation": {
            "engines": ["libretranslate", "apertium"],
            "libretranslate_url": "http://127.0.0.1:5000",
            "beam_size": 4,
            "apertium_fresh_tagger": True,
        },
        "workers": {"queues": ["fetch"]},
    }
    settings = Config.from_mapping(tmp_path, data, {}).settings
    assert settings.fetch.host_delay == 2.0 and type(settings.fetch.host_delay) is float
    assert settings.fetch.max_entries == 7 and type(settings.fetch.max_entries) is int
    assert settings.fetch.fetch_pages is False
    assert settings.translation.engines == ["libretranslate", "apertium"]
    assert settings.translation.libretranslate.url == "http://127.0.0.1:5000"
    assert settings.translation.libretranslate.key == ""
    assert settings.translation.ctranslate2.beam_size == 4
    assert settings.translation.apertium.fresh_tagger is True
    assert settings.workers.queues == ["fetch"]


def test_typed_settings_from_the_environment(tmp_path: Path) -> None:
    env = {
        "BABELWIRE_FETCH_HOST_DELAY": "0.5",
        "BABELWIRE_FETCH_MAX_ENTRIES": "7",
        "BABELWIRE_TRANSLATION_MEMORY": "no",
        "BABELWIRE_TRANSLATION_ENGINES": "openai, apertium",
        "BABELWIRE_TRANSLATION_OPENAI_LANGUAGES": '["en", "fr"]',
        "BABELWIRE_TRANSLATION_OPENAI_MODEL": "tiny",
        "BABELWIRE_TRANSLATION_MODELS_DIR": "/srv/models",
        "BABELWIRE_SERVE_BACKLOG": "64",
    }
    data = {"fetch": {"host_delay": 3.0}, "translation": {"openai_model": "big"}}
    settings = Config.from_mapping(tmp_path, data, env).settings
    assert settings.fetch.host_delay == 0.5 and type(settings.fetch.host_delay) is float
    assert settings.fetch.max_entries == 7 and type(settings.fetch.max_entries) is int
    assert settings.translation.memory is False
    assert settings.translation.engines == ["openai", "apertium"]
    assert settings.translation.openai.languages == ["en", "fr"]
    assert settings.translation.openai.model == "tiny"
    assert settings.translation.ctranslate2.models_dir == "/srv/models"
    assert settings.serve.backlog == 64


def test_an_engine_option_is_checked_like_any_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"translation\.beam_size: expected at least 1"):
        Config.from_mapping(tmp_path, {"translation": {"beam_size": 0}}, {})
    with pytest.raises(ConfigError, match="BABELWIRE_TRANSLATION_APERTIUM_FRESH_TAGGER='maybe'"):
        Config.from_mapping(tmp_path, {}, {"BABELWIRE_TRANSLATION_APERTIUM_FRESH_TAGGER": "maybe"})
    with pytest.raises(ConfigError, match=r"translation\.openai_languages: expected list"):
        Config.from_mapping(tmp_path, {"translation": {"openai_languages": "en"}}, {})


def test_the_typed_settings_cannot_be_changed(tmp_path: Path) -> None:
    settings = Config.from_mapping(tmp_path, {}, {}).settings
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.fetch.host_delay = 0.0  # type: ignore[misc]


SRC = Path(__file__).resolve().parents[1] / "src"


def _imported(path: Path) -> set[str]:
    """The babelwire modules a source file imports, at any depth of its code."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {name for name in found if name.split(".")[0] == "babelwire"}


def _module_file(name: str) -> Path | None:
    base = SRC.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def test_no_pipeline_module_reaches_the_site_settings() -> None:
    """Pipeline stages are plain functions over model values: the settings are read by their
    callers and passed in, so nothing under pipeline/ imports babelwire.config, not even
    through another module."""
    package = SRC / "babelwire" / "pipeline"
    start = sorted(package.rglob("*.py"))
    assert len(start) > 20
    seen: dict[str, str] = {}  # module -> the pipeline file it was reached from
    todo = [(".".join(p.relative_to(SRC).with_suffix("").parts), str(p)) for p in start]
    while todo:
        name, origin = todo.pop()
        if name in seen:
            continue
        seen[name] = origin
        path = _module_file(name)
        if path is not None:
            todo += [(child, origin) for child in _imported(path)]
    assert "babelwire.pipeline.translate.registry" in seen
    reached = {
        n: o
        for n, o in seen.items()
        if n == "babelwire.config" or n.startswith("babelwire.config.")
    }
    assert reached == {}
