"""The glossary and the gazetteer as the desk reads and edits them.

The desk edits two files of the site folder: `translation.desk_glossary` (tab-separated
terms, read after babelwire.toml's [[glossary]] and `translation.glossary_files`,
which stay the operator's) and the gazetteer, `tags.gazetteer`. A text is checked as
the pipeline reads it (the glossary loader, `babelwire tags check`), with every problem
and its line; a valid one replaces the file at once (written beside it, then renamed),
the previous text kept as FILE.bak. The pipeline reads both files again when they
change, so the next translation uses the new terms and records the new glossary
version, without a restart.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from babelwire.config import Config
from babelwire.errors import InputError
from babelwire.jobs.audit import Actor, record
from babelwire.jobs.tags import gazetteer_path, site_glossary
from babelwire.newsroom import Site
from babelwire.pipeline.entities.gazetteer import Entity, GazetteerError, parse_gazetteer
from babelwire.pipeline.translate.glossary import (
    GlossaryError,
    Term,
    load_glossary,
    parse_text,
)

__all__ = [
    "EditedFile",
    "InvalidEditError",
    "StaleFileError",
    "check_gazetteer",
    "check_glossary",
    "desk_glossary_path",
    "read_gazetteer",
    "read_glossary",
    "save_gazetteer",
    "save_glossary",
]

# What the desk accepts in one save (a form field holds at most 1 MiB).
MAX_CHARS = 1_000_000


class InvalidEditError(InputError):
    """The text was not saved: `problems` lists every one, with its line or entry."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class StaleFileError(InputError):
    """The file changed since the text was read; nothing was saved."""


@dataclass(frozen=True, slots=True)
class EditedFile:
    """A file the desk edits, as it is now."""

    path: Path
    text: str
    revision: str  # a digest of the text: a save names the one it was made on
    version: str  # the site's glossary version (with the gazetteer's names); "" if broken
    problem: str  # why the site's glossary or gazetteer cannot be read now, or ""
    terms: tuple[Term, ...] = ()  # the glossary's own entries, in this file
    configured: tuple[Term, ...] = ()  # babelwire.toml's and glossary_files' entries
    entities: tuple[Entity, ...] = ()


def desk_glossary_path(config: Config) -> Path:
    path = Path(config.settings.translation.desk_glossary)
    return path if path.is_absolute() else config.root / path


def _revision(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: {exc}") from exc


def _site_version(config: Config) -> tuple[str, str]:
    try:
        return site_glossary(config).version, ""
    except GlossaryError as exc:
        return "", str(exc)


def _normalised(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if not text or text.endswith("\n") else text + "\n"


def _tabbed(text: str) -> str:
    """A glossary typed in a browser, where a tab cannot be typed: a line with no tab
    may separate its fields with "|" (FROM | TO | TERM | TRANSLATION)."""
    lines = []
    for line in text.split("\n"):
        if "\t" not in line and "|" in line and not line.lstrip().startswith("#"):
            line = "\t".join(field.strip() for field in line.split("|"))
        lines.append(line)
    return "\n".join(lines)


# The glossary -----------------------------------------------------------------------


def check_glossary(text: str, where: str = "glossary") -> list[str]:
    """Every problem the glossary loader would find in `text`, each with its line."""
    if len(text) > MAX_CHARS:
        return [f"{where}: more than {MAX_CHARS} characters"]
    if "\0" in text:
        return [f"{where}: contains a NUL character"]
    return parse_text(text, where)[1]


def read_glossary(site: Site) -> EditedFile:
    """The desk's glossary file, and the configured terms it is read after."""
    config = site.config
    path = desk_glossary_path(config)
    text = _read(path)
    terms, _ = parse_text(text, path.name)
    version, problem = _site_version(config)
    try:
        configured = load_glossary(
            config.root, None, list(config.settings.translation.glossary_files)
        ).terms
    except GlossaryError as exc:
        configured, problem = (), problem or str(exc)
    return EditedFile(path, text, _revision(text), version, problem, tuple(terms), configured)


def save_glossary(site: Site, text: str, *, revision: str, actor: Actor) -> EditedFile:
    """Replace the desk's glossary file with `text` if it is valid and the file is
    still at `revision`; InvalidEditError (with every problem) or StaleFileError otherwise.

    Fields are separated by tabs, or by "|" on a line without a tab (written as tabs)."""
    path = desk_glossary_path(site.config)
    text = _tabbed(_normalised(text))
    problems = check_glossary(text, path.name)
    if problems:
        raise InvalidEditError(problems)
    return _save(site, path, text, revision, actor, "glossary.save", read_glossary)


# The gazetteer ----------------------------------------------------------------------


def check_gazetteer(text: str, where: str = "gazetteer") -> list[str]:
    """Every problem `babelwire tags check` would find in `text`."""
    if len(text) > MAX_CHARS:
        return [f"{where}: more than {MAX_CHARS} characters"]
    try:
        parse_gazetteer(tomllib.loads(text), where)
    except tomllib.TOMLDecodeError as exc:
        return [f"{where}: {exc}"]
    except GazetteerError as exc:
        return str(exc).splitlines()
    return []


def read_gazetteer(site: Site) -> EditedFile:
    config = site.config
    path = gazetteer_path(config)
    text = _read(path)
    try:
        entities = parse_gazetteer(tomllib.loads(text), path.name).entities
        problem = ""
    except (tomllib.TOMLDecodeError, GazetteerError) as exc:
        entities, problem = (), f"{path.name}: {exc}"
    version, broken = _site_version(config)
    return EditedFile(
        path, text, _revision(text), version, problem or broken, entities=tuple(entities)
    )


def save_gazetteer(site: Site, text: str, *, revision: str, actor: Actor) -> EditedFile:
    """Replace the gazetteer with `text` if `babelwire tags check` would pass it and the
    file is still at `revision`; InvalidEditError or StaleFileError otherwise."""
    path = gazetteer_path(site.config)
    text = _normalised(text)
    problems = check_gazetteer(text, path.name)
    if problems:
        raise InvalidEditError(problems)
    return _save(site, path, text, revision, actor, "gazetteer.save", read_gazetteer)


# Saving -----------------------------------------------------------------------------

# One save at a time in this process: the revision check and the write go together.
_saving = threading.Lock()


def _save(
    site: Site,
    path: Path,
    text: str,
    revision: str,
    actor: Actor,
    action: str,
    read: Callable[[Site], EditedFile],
) -> EditedFile:
    with _saving:
        if _revision(_read(path)) != revision:
            raise StaleFileError(
                f"{path.name} was changed by someone else since you opened it; nothing was "
                "saved. Your text is kept below: saving it again replaces theirs"
            )
        version_before, _ = _site_version(site.config)
        _replace_file(path, text)
    after = read(site)
    record(
        site,
        actor,
        action,
        path.name,
        version_before=version_before,
        version_after=after.version,
        lines=len(text.splitlines()),
    )
    return after


def _replace_file(path: Path, text: str) -> None:
    """Write `text` to `path` at once (a reader sees the old file or the new one), keeping
    the old one as `path`.bak; its modification time moves on even within one clock tick,
    so every process reading it sees the change."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        before = path.stat() if path.exists() else None
        # mkstemp makes a file only its owner may read: keep the mode the file had.
        os.chmod(temporary, stat.S_IMODE(before.st_mode) if before else 0o644)
        old = before.st_mtime_ns if before else 0
        moment = max(time.time_ns(), old + 1_000_000)
        os.utime(temporary, ns=(moment, moment))
        if path.exists():
            shutil.copy2(path, path.with_name(path.name + ".bak"))
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
