"""Writing a static build's files: each path checked to stay inside the build folder,
each file written beside its target and renamed over it, and the count of what was written."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from babelwire.model import is_ascii_number


class UnsafePathError(ValueError):
    """A page path would have been written outside the build folder."""


@dataclass(slots=True)
class BuildReport:
    """What a build did: pages (HTML) and other files written, and whether it was full;
    `seconds` of work (a build paused between steps does not count its pauses), and of
    those, the seconds each kind of page took (`phases`)."""

    full: bool
    pages: int = 0
    files: int = 0
    removed: int = 0
    articles_changed: int = 0
    taken_down: int = 0
    seconds: float = 0.0
    search_indexed: bool = False
    notes: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timing(self, phase: str) -> Iterator[None]:
        """Count the seconds of the block under `phase`."""
        clock = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - clock
            self.phases[phase] = self.phases.get(phase, 0.0) + spent


def target_path(root: Path, url_path: str) -> Path:
    """The file for a site path: "/en/about/" -> root/en/about/index.html."""
    if not url_path.startswith("/"):
        raise UnsafePathError(url_path)
    parts = [p for p in url_path.split("/") if p]
    if any(p in {".", ".."} or "\\" in p or "\x00" in p for p in parts):
        raise UnsafePathError(url_path)
    if url_path.endswith("/"):
        parts.append("index.html")
    target = root.joinpath(*parts)
    if not target.resolve().is_relative_to(root.resolve()):
        raise UnsafePathError(url_path)
    return target


class PageWriter:
    """Writes a build's files under `root`, counting them in `report`."""

    def __init__(self, root: Path, report: BuildReport) -> None:
        self.root = root
        self.report = report

    def file(self, url_path: str, content: str | bytes) -> None:
        target = target_path(self.root, url_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        # Beside the target, then renamed over it: readers never see half a file.
        handle, temporary = tempfile.mkstemp(prefix=".w-", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        if target.suffix == ".html":
            self.report.pages += 1
        else:
            self.report.files += 1

    def page(self, url_path: str, html: str | None) -> None:
        if html is not None:
            self.file(url_path, html)

    def remove_tree(self, url_path: str) -> None:
        target = target_path(self.root, url_path.rstrip("/") + "/").parent
        if target.is_dir() and target != self.root:
            shutil.rmtree(target)
            self.report.removed += 1


def remove_pages_after(out: PageWriter, list_path: str, count: int, kind: str = "page") -> None:
    """Drop /{kind}/N/ folders (kind "page" or "archive") of a list that has shrunk to
    `count` such pages."""
    folder = target_path(out.root, list_path + kind + "/")
    if not folder.parent.is_dir() or not (folder.parent / kind).is_dir():
        return
    for child in (folder.parent / kind).iterdir():
        if is_ascii_number(child.name) and int(child.name) > count:
            shutil.rmtree(child)
            out.report.removed += 1
