"""Settings: written by init, read back, overridden by the environment, documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from babelwire.config import SETTINGS, Config, ConfigError, render_config

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
