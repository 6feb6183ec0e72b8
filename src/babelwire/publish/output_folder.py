"""The static build's output folder: which folders a build may write, what killed builds
leave behind, and the swap that puts a full build in place.

A build writes only what it owns. `outdir` must be missing, empty or an earlier
build (it holds STATE_FILE); anything else is refused unless forced, since a full
build replaces the whole folder. The site folder, a folder above it and one holding
the site's database are refused even when forced. The temporary folders of a killed
build (`.OUT.build-*` beside `outdir`, each marked with BUILDING_MARKER and its
process id) are removed by the next build.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from babelwire.config import CONFIG_FILE, Config

STATE_FILE = ".babelwire-build.json"
# In a full build's temporary folder until it is swapped in: the process writing it.
BUILDING_MARKER = ".babelwire-building"


class BuildRefusedError(ValueError):
    """The output folder is not the build's to write; nothing was written."""


def _database_file(config: Config) -> Path | None:
    url = config.database_url
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    path = url[len(prefix) :].split("?", 1)[0]
    return None if not path or path == ":memory:" else Path(path).resolve()


def check_outdir(config: Config, outdir: Path, *, force: bool = False) -> None:
    """Refuse an `outdir` a build must not replace: the site folder, a folder above it
    or one holding the site's database (always), a file, another site's folder, and a
    folder of files that is not an earlier build (unless `force`)."""
    out = outdir.resolve()
    site = config.root.resolve()
    if out == site:
        raise BuildRefusedError(f"{outdir} is the site folder; build into another folder")
    if site.is_relative_to(out):
        raise BuildRefusedError(f"{outdir} holds the site folder {site}; build elsewhere")
    database = _database_file(config)
    if database is not None and database.is_relative_to(out):
        raise BuildRefusedError(f"{outdir} holds the site's database {database}")
    if not out.exists():
        return
    if not out.is_dir():
        raise BuildRefusedError(f"{outdir} is not a folder")
    if (out / CONFIG_FILE).exists():
        raise BuildRefusedError(f"{outdir} holds {CONFIG_FILE}: it is a site folder")
    if force or (out / STATE_FILE).is_file():
        return
    with os.scandir(out) as entries:
        if next(entries, None) is not None:
            raise BuildRefusedError(
                f"{outdir} holds files that are not a babelwire build; "
                "empty it, choose another folder, or pass --force to replace it"
            )


def process_mark() -> str:
    return json.dumps({"pid": os.getpid(), "host": socket.gethostname()})


def _still_running(marker: Path) -> bool:
    """Whether the build that wrote `marker` may still be running (on this machine)."""
    try:
        mark = json.loads(marker.read_text(encoding="utf-8"))
        pid, host = int(mark["pid"]), str(mark["host"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if host != socket.gethostname():
        return True  # a build on another machine sharing the folder: its own to finish
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_leftovers(outdir: Path, started: datetime) -> None:
    """Remove what killed builds of `outdir` left: a full build's temporary folder
    beside it (only those it marked, from a process that is gone, made before this
    build began), and the old site a swap had set aside (put back when `outdir`
    is missing)."""
    parent = outdir.parent
    if not parent.is_dir():
        return
    before = started.timestamp()
    with os.scandir(parent) as entries:
        for entry in entries:
            if not entry.is_dir(follow_symlinks=False):
                continue
            path = Path(entry.path)
            if entry.name.startswith(f".{outdir.name}.build-"):
                marker = path / BUILDING_MARKER
                if not marker.is_file() or _still_running(marker):
                    continue
            elif entry.name.startswith(f".{outdir.name}.old-"):
                # Set aside by a swap: empty, or holding a build of ours.
                held = list(path.iterdir())
                if held and [p.name for p in held] != ["site"]:
                    continue
                if held and not (path / "site" / STATE_FILE).is_file():
                    continue
                if held and not outdir.exists() and not outdir.is_symlink():
                    # Killed between the swap's two renames: the old site comes back.
                    os.rename(path / "site", outdir)
                    path.rmdir()
                    continue
            else:
                continue
            if entry.stat(follow_symlinks=False).st_mtime < before:
                shutil.rmtree(path, ignore_errors=True)


def replace_folder(new: Path, target: Path, aside_prefix: str) -> None:
    """Put `new` at `target`: the old one is renamed aside, then the new one renamed in.

    Both are renames within one folder, so each is atomic; between them `target` is
    briefly absent, but it never holds a partial site or index.
    """
    if not target.exists() and not target.is_symlink():
        os.rename(new, target)
        return
    old = Path(tempfile.mkdtemp(prefix=aside_prefix, dir=target.parent))
    os.rename(target, old / "site")
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old / "site", target)
        shutil.rmtree(old, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def building_folder(outdir: Path) -> Iterator[Path]:
    """A new folder beside `outdir`, marked as this build's while it is written, that
    takes `outdir`'s place when the block ends; removed instead when the block raises."""
    parent = outdir.parent
    parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.build-", dir=parent))
    try:
        (building / BUILDING_MARKER).write_text(process_mark(), encoding="utf-8")
        yield building
        (building / BUILDING_MARKER).unlink()
        os.chmod(building, 0o755)  # mkdtemp makes it private; a web server must read it
        swap_in(building, outdir)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def swap_in(new: Path, outdir: Path) -> None:
    replace_folder(new, outdir, f".{outdir.name}.old-")
