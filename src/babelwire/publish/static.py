"""Static export: every public page written as files, swapped in all at once.

The site is built in a temporary folder next to `outdir` and renamed into
place, so a web server reading `outdir` sees either the old site or the new
one, never a half-written mixture. Output paths are made only of language codes
and section slugs that pass validation, article ids and ASCII slugs, and each
is checked to stay inside the build folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from babelwire.publish.pages import SitePages
from babelwire.publish.paths import STYLESHEET, url_for_about, url_for_front, url_for_section

if TYPE_CHECKING:
    from babelwire.jobs.newsroom import Newsroom


class UnsafePathError(ValueError):
    """A page path would have been written outside the build folder."""


def _target(root: Path, url_path: str) -> Path:
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


def _write(root: Path, url_path: str, content: str | bytes) -> None:
    target = _target(root, url_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    target.write_bytes(data)


def write_pages(pages: SitePages, root: Path) -> int:
    """Write every page of the site under `root`; returns how many pages were written."""
    written = 0

    def page(url_path: str, html: str | None) -> None:
        nonlocal written
        if html is not None:
            _write(root, url_path, html)
            written += 1

    page("/", pages.home())
    _write(root, "/404.html", pages.not_found())
    written += 1
    _write(root, "/style.css", STYLESHEET)
    for language in pages.languages:
        page(url_for_front(language), pages.front(language))
        page(url_for_about(language), pages.about(language))
        for rule in pages.config.sections:
            if not pages.has_section(rule.slug):
                continue
            for number in range(1, pages.page_count(language, rule.slug) + 1):
                page(
                    url_for_section(language, rule.slug, number),
                    pages.section(language, rule.slug, number),
                )
        for article_id, url_path in pages.article_ids(language):
            page(url_path, pages.article(language, article_id))
    return written


def build_site(newsroom: Newsroom, outdir: Path) -> int:
    """Export the public site into `outdir`, replacing what was there; returns pages written."""
    return build_site_from_pages(SitePages.for_newsroom(newsroom), outdir)


def build_site_from_pages(pages: SitePages, outdir: Path) -> int:
    outdir = Path(os.path.abspath(outdir))
    parent = outdir.parent
    parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.build-", dir=parent))
    try:
        count = write_pages(pages, building)
        os.chmod(building, 0o755)  # mkdtemp makes it private; a web server must read it
        _swap_in(building, outdir)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return count


def _swap_in(new: Path, outdir: Path) -> None:
    """Put `new` at `outdir`: the old site is renamed aside, then the new one renamed in.

    Both are renames within one folder, so each is atomic; between them `outdir` is
    briefly absent, but it never holds a partial site.
    """
    if not outdir.exists() and not outdir.is_symlink():
        os.rename(new, outdir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.old-", dir=outdir.parent))
    old_site = old / "site"
    os.rename(outdir, old_site)
    try:
        os.rename(new, outdir)
    except BaseException:
        os.rename(old_site, outdir)
        shutil.rmtree(old, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
