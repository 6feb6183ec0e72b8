"""Changing a site's babelwire.toml from a command, safely.

The file is edited with tomlkit, so the operator's comments, order and layout
stay; the new text is checked by the same loader every process uses before it
replaces the file (atomically, the previous one kept as ``babelwire.toml.bak``):
a change that would leave the site unable to start is refused and writes nothing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Table

from babelwire.config import CONFIG_FILE, Config, ConfigError

__all__ = ["edit_settings", "settings_table"]


def settings_table(document: tomlkit.TOMLDocument, name: str) -> Table:
    """The [name] table of the document, added when the file has none."""
    table = document.get(name)
    if table is None:
        table = tomlkit.table()
        document[name] = table
    if not isinstance(table, Table):
        raise ConfigError(f"{CONFIG_FILE}: {name} must be a table ([{name}])")
    return table


def edit_settings(root: Path, change: Callable[[tomlkit.TOMLDocument], Any]) -> Config:
    """Apply ``change`` to root/babelwire.toml; returns the site's settings as written."""
    path = root / CONFIG_FILE
    try:
        before = path.read_text(encoding="utf-8")
        document = tomlkit.parse(before)
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.ParseError) as exc:
        raise ConfigError(f"{path}: cannot be edited ({exc})") from exc
    change(document)
    after = tomlkit.dumps(document)
    # Checked as every process reads it, the environment's overrides included.
    Config.from_mapping(root.resolve(), tomllib.loads(after), os.environ)
    shutil.copy2(path, path.with_name(CONFIG_FILE + ".bak"))
    handle, temporary = tempfile.mkstemp(dir=root, prefix=".babelwire-", suffix=".toml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(after)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Config.load(root)
