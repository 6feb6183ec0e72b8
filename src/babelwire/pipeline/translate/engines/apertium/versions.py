"""Which Apertium is installed, and which Debian package installed a pair's mode."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from pathlib import Path


def _command_output(argv: list[str]) -> str:
    if shutil.which(argv[0]) is None:
        return ""
    try:
        done = subprocess.run(argv, capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    if done.returncode != 0:
        return ""
    return done.stdout.decode("utf-8", "replace").strip()


def find_apertium_version() -> str:
    m = re.search(r"(\d+(?:\.\d+)+)", _command_output(["apertium", "-V"]))
    if m:
        return m.group(1)
    debian = _command_output(["dpkg-query", "-W", "-f=${Version}", "apertium"])
    m = re.match(r"(?:\d+:)?(\d+(?:\.\d+)+)", debian)
    return m.group(1) if m else "unknown"


def find_package_version(mode_path: Path) -> str:
    candidates = [str(mode_path)]
    with contextlib.suppress(OSError):
        resolved = str(mode_path.resolve())
        if resolved not in candidates:
            candidates.append(resolved)
    for candidate in candidates:
        owner = _command_output(["dpkg-query", "-S", candidate])
        if ":" not in owner:
            continue
        package = owner.split(":", 1)[0].split(",")[0].strip()
        version = _command_output(["dpkg-query", "-W", "-f=${Version}", package])
        if version:
            return version
    return ""
