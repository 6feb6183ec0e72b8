"""The static site's search index: Pagefind run over the written pages.

The index is made afresh from the current pages on every build that changed an
article, in a new folder swapped in for the old one: Pagefind adds to no earlier
index, so a removed article's fragment and words go with the old one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from babelwire.publish.output_folder import STATE_FILE, replace_folder

PAGEFIND_FOLDER = "pagefind"
PAGEFIND_TIMEOUT = 1800
# Pagefind's box carries only a placeholder; the page's visible heading labels it.
SEARCH_SCRIPT = """window.addEventListener("DOMContentLoaded", function () {
  new PagefindUI({ element: "#pagefind", showSubResults: true });
  var input = document.querySelector("#pagefind input");
  if (input) { input.setAttribute("aria-labelledby", "search-title"); }
});
"""


class PagefindError(RuntimeError):
    """Pagefind failed to index the static site."""


def run_pagefind(root: Path, output: Path | None = None) -> None:
    """Index the static site with Pagefind (its binary ships with the `pagefind` package),
    into `output` (default: root/pagefind)."""
    command = [sys.executable, "-m", "pagefind", "--site", str(root), "--silent"]
    if output is not None:
        command += ["--output-path", str(output)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=PAGEFIND_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PagefindError(f"pagefind could not run: {exc}") from exc
    if done.returncode != 0:
        raise PagefindError(f"pagefind failed: {(done.stderr or done.stdout).strip()[-2000:]}")


def index_search(root: Path) -> None:
    """Index the pages under `root` afresh and swap the new index in for the old one.

    Pagefind writes its files into the output folder without removing those it did not
    write, so indexing over an old index would keep the fragments (title, text, path)
    of articles taken down since: a new folder holds only what the pages hold now.
    """
    fresh = Path(tempfile.mkdtemp(prefix=".pagefind-", dir=root))
    try:
        run_pagefind(root, fresh)
        os.chmod(fresh, 0o755)
        replace_folder(fresh, root / PAGEFIND_FOLDER, ".pagefind-old-")
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise


def remove_unfinished(outdir: Path, started: datetime) -> None:
    """Remove the half-made search indexes a killed build left in `outdir` (a build of
    ours), made before the build that `started` began."""
    before = started.timestamp()
    if (outdir / STATE_FILE).is_file():
        for folder in outdir.glob(".pagefind-*"):
            if folder.is_dir() and not folder.is_symlink() and folder.stat().st_mtime < before:
                shutil.rmtree(folder, ignore_errors=True)
