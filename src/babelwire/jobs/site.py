"""Creating a site: its folder, babelwire.toml and database."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from babelwire.config import CONFIG_FILE, Config, ConfigError, render_config
from babelwire.newsroom import Newsroom

LANGUAGE_CODE_LENGTHS = (2, 3)


def create_site(
    root: Path,
    *,
    title: str = "babelwire",
    base_url: str = "http://127.0.0.1:8000",
    languages: Sequence[str] = ("en", "es"),
    database_url: str = "sqlite:///babelwire.sqlite3",
    overwrite: bool = False,
) -> Config:
    """Write `root/babelwire.toml` and create the database; refuses to overwrite a site."""
    codes = [code.strip().lower() for code in languages if code.strip()]
    if not codes or any(
        len(code) not in LANGUAGE_CODE_LENGTHS or not code.isalpha() for code in codes
    ):
        raise ConfigError(f"languages must be ISO 639-1 codes such as en,es: got {languages!r}")
    root.mkdir(parents=True, exist_ok=True)
    path = root / CONFIG_FILE
    if path.exists() and not overwrite:
        raise ConfigError(f"{path} already exists")
    path.write_text(
        render_config(title=title, base_url=base_url, languages=codes, database_url=database_url),
        encoding="utf-8",
    )
    config = Config.load(root)
    Newsroom.from_config(config).close()
    return config
