"""Static export: every public page written as files.

A full build writes the whole site into a temporary folder next to `outdir`
and renames it into place, so a web server reading `outdir` sees either the old
site or the new one, never a half-written mixture.

An incremental build (the default once `outdir` holds a build of the same
site) writes only what changed since the last build: the pages of new, updated
and removed articles, and the lists that contain them (front pages, every page
of their sections and sources, feeds, the sitemaps that list them). Each file
is written beside its target and renamed over it, so every page is replaced
atomically; a reader may briefly see some pages new and others old.

A build writes only what it owns. `outdir` must be missing, empty or an
earlier build (it holds STATE_FILE); anything else is refused unless forced,
since a full build replaces the whole folder. The site folder, a folder above
it and one holding the site's database are refused even when forced. The
temporary folders of a killed build (`.OUT.build-*` beside `outdir`, each
marked with BUILDING_MARKER and its process id) are removed by the next build.

Output paths are made only of language codes and section slugs that pass
validation, article ids and ASCII slugs, and each is checked to stay inside the
build folder. Taken-down articles leave a "removed" page at their old paths
(static hosts cannot send 410 from a file; serve mode does).

The Pagefind index is made afresh from the current pages on every build that
changed an article, in a new folder swapped in for the old one: Pagefind adds to
no earlier index, so a removed article's fragment and words go with the old one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from babelwire import __version__
from babelwire.config import CONFIG_FILE, Config
from babelwire.publish import queries, tags
from babelwire.publish.article_pages import EditionIndex
from babelwire.publish.pages import SitePages
from babelwire.publish.paths import (
    FEED_FILES,
    STYLESHEET,
    url_for_about,
    url_for_feed,
    url_for_front,
    url_for_news_sitemap,
    url_for_search,
    url_for_section,
    url_for_sitemap,
    url_for_sitemap_index,
    url_for_source,
    url_for_story,
    url_for_story_sitemap,
    url_for_tag,
    url_for_tag_sitemap,
)
from babelwire.publish.sitemaps import SITEMAP_URLS
from babelwire.storage.tables import ArticleRow, StoryRow, TombstoneRow, TranslationRow

if TYPE_CHECKING:
    from babelwire.jobs.newsroom import Newsroom

STATE_FILE = ".babelwire-build.json"
# In a full build's temporary folder until it is swapped in: the process writing it.
BUILDING_MARKER = ".babelwire-building"
PAGEFIND_FOLDER = "pagefind"
# A change committed while a build reads the database must be seen by the next build.
CLOCK_MARGIN = timedelta(seconds=5)
PAGEFIND_TIMEOUT = 1800
# Pagefind's box carries only a placeholder; the page's visible heading labels it.
SEARCH_SCRIPT = """window.addEventListener("DOMContentLoaded", function () {
  new PagefindUI({ element: "#pagefind", showSubResults: true });
  var input = document.querySelector("#pagefind input");
  if (input) { input.setAttribute("aria-labelledby", "search-title"); }
});
"""


class UnsafePathError(ValueError):
    """A page path would have been written outside the build folder."""


class PagefindError(RuntimeError):
    """Pagefind failed to index the static site."""


class BuildRefusedError(ValueError):
    """The output folder is not the build's to write; nothing was written."""


@dataclass(slots=True)
class BuildReport:
    """What a build did: pages (HTML) and other files written, and whether it was full."""

    full: bool
    pages: int = 0
    files: int = 0
    removed: int = 0
    articles_changed: int = 0
    taken_down: int = 0
    seconds: float = 0.0
    search_indexed: bool = False
    notes: list[str] = field(default_factory=list)


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


class _Writer:
    def __init__(self, root: Path, report: BuildReport) -> None:
        self.root = root
        self.report = report

    def file(self, url_path: str, content: str | bytes) -> None:
        target = _target(self.root, url_path)
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
        target = _target(self.root, url_path.rstrip("/") + "/").parent
        if target.is_dir() and target != self.root:
            shutil.rmtree(target)
            self.report.removed += 1


def _fingerprint(pages: SitePages) -> str:
    """Changes when something every page depends on changes: then the build is full."""
    c = pages.config
    parts = {
        "site": site_id(c),
        "version": __version__,
        "style": hashlib.sha256(STYLESHEET).hexdigest(),
        "templates": _templates_hash(),
        "languages": c.languages,
        "sections": [(r.slug, dict(r.names)) for r in c.sections],
        "title": c.title,
        "base_url": c.base_url,
        "description": c.settings.site.description,
        "contact": c.settings.site.contact,
        "page_size": queries.page_size(c),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def site_id(config: Config) -> str:
    """Names the site a build was made from (its database) without revealing the URL,
    which may hold a password: another site's build in `outdir` is rebuilt in full."""
    return hashlib.sha256(config.database_url.encode("utf-8")).hexdigest()[:16]


def _templates_hash() -> str:
    folder = Path(__file__).resolve().parent.parent / "web" / "templates"
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.html")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


# ---------------------------------------------------------------------------
# Writing groups of pages
# ---------------------------------------------------------------------------


def _write_site_files(pages: SitePages, out: _Writer) -> None:
    out.page("/", pages.home())
    out.file("/404.html", pages.not_found())
    out.file("/style.css", STYLESHEET)
    out.file("/search.js", SEARCH_SCRIPT)
    out.file("/robots.txt", pages.robots())


def _write_sitemaps(
    pages: SitePages,
    out: _Writer,
    chunks: dict[str, set[int]] | None,
    *,
    tags_changed: bool = True,
    stories_changed: bool = True,
) -> None:
    """The index, the news sitemap and the numbered sitemaps (only `chunks` when given);
    the tag and story sitemaps when tags or stories may have changed."""
    out.file(url_for_sitemap_index(), pages.sitemap_index())
    out.file(url_for_news_sitemap(), pages.news_sitemap())
    for language in pages.languages:
        tag_map = pages.tag_sitemap(language) if tags_changed else None
        if tag_map is not None:
            out.file(url_for_tag_sitemap(language), tag_map)
        story_map = pages.story_sitemap(language) if stories_changed else None
        if story_map is not None:
            out.file(url_for_story_sitemap(language), story_map)
        count = pages.sitemap_count(language)
        numbers: Iterable[int] = range(1, count + 1)
        if chunks is not None:
            numbers = sorted(n for n in chunks.get(language, set()) if n <= count)
        for number in numbers:
            body = pages.sitemap(language, number)
            if body is not None:
                out.file(url_for_sitemap(language, number), body)


def _write_edition_lists(pages: SitePages, out: _Writer, language: str) -> None:
    out.page(url_for_front(language), pages.front(language))
    for kind in FEED_FILES:
        body = pages.feed(language, kind)
        if body is not None:
            out.file(url_for_feed(language, kind), body)


@dataclass(frozen=True, slots=True)
class _List:
    """A paginated list of an edition: kind is "section", "source" or "tag"."""

    kind: str
    key: str


def _list_url(language: str, lst: _List, page: int = 0) -> str:
    if lst.kind == "section":
        return url_for_section(language, lst.key, page)
    if lst.kind == "source":
        return url_for_source(language, int(lst.key), page)
    return url_for_tag(language, lst.key, page)


def _list_pages(
    pages: SitePages, language: str, lst: _List, since: tuple[int, int] | None
) -> Iterator[tuple[queries.SectionListing, str]]:
    if lst.kind == "section":
        return pages.section_pages(language, lst.key, since)
    if lst.kind == "source":
        return pages.source_pages(language, int(lst.key), since)
    return pages.tag_pages(language, lst.key, since)


def _write_list(
    pages: SitePages,
    out: _Writer,
    language: str,
    lst: _List,
    since: tuple[int, int] | None = None,
) -> None:
    """A list's pages (every one, or with `since` = (archive page, the list's length)
    page 0 and the archive pages from that one on) and its feeds; its folder goes
    when the edition no longer shows it."""
    archive = None
    for listing, html in _list_pages(pages, language, lst, since):
        out.page(_list_url(language, lst, listing.page), html)
        archive = listing.archive_pages
    if archive is None:
        out.remove_tree(_list_url(language, lst))
        return
    _remove_pages_after(out, _list_url(language, lst), archive)
    if lst.kind == "source":
        return
    section, tag = (lst.key, None) if lst.kind == "section" else (None, lst.key)
    for kind in FEED_FILES:
        body = pages.feed(language, kind, section, tag)
        if body is not None:
            out.file(url_for_feed(language, kind, section, tag), body)


def _first_changed_page(
    pages: SitePages, language: str, lst: _List, changed: Iterable[int]
) -> tuple[int, int] | None:
    """The oldest archive page of a list that the changed articles may alter, and the
    list's length (None: no such list any more).

    Pages are counted from the oldest article, so an article changes only the page
    it falls on and the newer ones; a list that grew may have gained archive pages,
    and the newest old one then links to them. An article that left the list (taken
    down, no longer shown) moved every page: the whole list is rewritten.
    """
    where = pages.list_where(language, lst.kind, lst.key)
    if where is None:
        return None
    size = queries.page_size(pages.config)
    ids = sorted(set(changed))
    with pages.sessions() as session:
        total = queries.count_visible(session, language, where)
        archive = queries.archive_pages(total, size)
        lowest = archive + 1
        for article_id in ids:
            newer = queries.newer_than(session, language, article_id, where)
            if newer < 0:
                return 1, total
            lowest = min(lowest, (total - 1 - newer) // size + 1)
    # Were all of them new, the list had this many archive pages before.
    before = queries.archive_pages(total - len(ids), size)
    if archive > before:
        lowest = min(lowest, before)
    return max(1, lowest), total


def _write_story(pages: SitePages, out: _Writer, language: str, story_id: int) -> None:
    html = pages.story(language, story_id)
    if html is None:
        out.remove_tree(url_for_story(language, story_id))
    else:
        out.page(url_for_story(language, story_id), html)


def _remove_pages_after(out: _Writer, list_path: str, count: int) -> None:
    """Drop /page/N/ folders of a list that has shrunk to `count` pages."""
    folder = _target(out.root, list_path + "page/")
    if not folder.parent.is_dir() or not (folder.parent / "page").is_dir():
        return
    for child in (folder.parent / "page").iterdir():
        if child.name.isdigit() and int(child.name) > count:
            shutil.rmtree(child)
            out.report.removed += 1


def _write_article(
    pages: SitePages,
    out: _Writer,
    language: str,
    article_id: int,
    index: EditionIndex | None = None,
) -> bool:
    """An article's page and original-text view; False when it is not in this edition."""
    written = pages.article_pages(language, article_id, index)
    for path, html in written:
        out.page(path, html)
    return bool(written)


def _write_gone(pages: SitePages, out: _Writer, paths: Iterable[str]) -> None:
    for path in paths:
        language = path.strip("/").split("/", 1)[0]
        out.page(path, pages.gone(language))


# ---------------------------------------------------------------------------
# Full and incremental builds
# ---------------------------------------------------------------------------


def write_pages(pages: SitePages, root: Path, report: BuildReport | None = None) -> int:
    """Write every page of the site under `root`; returns how many HTML pages were written."""
    report = report or BuildReport(full=True)
    out = _Writer(root, report)
    _write_site_files(pages, out)
    _write_gone(pages, out, pages.gone_paths())
    for language in pages.languages:
        _write_edition_lists(pages, out, language)
        out.page(url_for_about(language), pages.about(language))
        out.page(url_for_search(language), pages.search(language))
        for rule in pages.config.sections:
            if pages.has_section(rule.slug):
                _write_list(pages, out, language, _List("section", rule.slug))
        for source_id in pages.source_ids(language):
            _write_list(pages, out, language, _List("source", str(source_id)))
        for slug in pages.tag_slugs(language):
            _write_list(pages, out, language, _List("tag", slug))
        for story_id in pages.story_ids(language):
            _write_story(pages, out, language, story_id)
        index = pages.edition_index(language)
        for article_id, _path in pages.article_ids(language):
            _write_article(pages, out, language, article_id, index)
    _write_sitemaps(pages, out, None)
    return report.pages


def build_site(
    newsroom: Newsroom,
    outdir: Path,
    *,
    full: bool = False,
    search_index: bool = True,
    force: bool = False,
) -> int:
    """Export the public site into `outdir`; returns HTML pages written."""
    return build_site_report(
        newsroom, outdir, full=full, search_index=search_index, force=force
    ).pages


def build_site_report(
    newsroom: Newsroom,
    outdir: Path,
    *,
    full: bool = False,
    search_index: bool = True,
    force: bool = False,
) -> BuildReport:
    """Export the site: incrementally when `outdir` holds an earlier build of it, else in full.

    Raises BuildRefusedError, before writing anything, when `outdir` is not the build's
    to write (see `check_outdir`); `force` replaces a folder of other files.
    """
    pages = SitePages.for_newsroom(newsroom, static=True)
    return build_site_from_pages(pages, outdir, full=full, search_index=search_index, force=force)


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


def _read_state(outdir: Path) -> dict[str, str] | None:
    try:
        state = json.loads((outdir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def _write_state(root: Path, pages: SitePages, started: datetime) -> None:
    state = {
        "built_at": started.isoformat(),
        "fingerprint": _fingerprint(pages),
        "site": site_id(pages.config),
    }
    (root / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")


def build_site_from_pages(
    pages: SitePages,
    outdir: Path,
    *,
    full: bool = False,
    search_index: bool = True,
    force: bool = False,
) -> BuildReport:
    outdir = Path(os.path.abspath(outdir))
    check_outdir(pages.config, outdir, force=force)
    started = datetime.now(UTC)
    clock = time.perf_counter()
    _remove_leftovers(outdir, started)
    state = None if full else _read_state(outdir)
    if state is not None and state.get("fingerprint") == _fingerprint(pages):
        try:
            since = datetime.fromisoformat(state["built_at"]) - CLOCK_MARGIN
        except (KeyError, ValueError):
            since = None
        if since is not None:
            report = _incremental(pages, outdir, since)
            if search_index and report.articles_changed:
                index_search(outdir)
                report.search_indexed = True
            elif report.taken_down and (outdir / PAGEFIND_FOLDER).exists():
                # The old index still holds the text of what was taken down.
                shutil.rmtree(outdir / PAGEFIND_FOLDER)
                report.notes.append(
                    "search index removed: it held taken-down articles; "
                    "build with --search to make it again"
                )
            _write_state(outdir, pages, started)
            report.seconds = time.perf_counter() - clock
            return report
    report = BuildReport(full=True)
    parent = outdir.parent
    parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.build-", dir=parent))
    try:
        (building / BUILDING_MARKER).write_text(_process_mark(), encoding="utf-8")
        write_pages(pages, building, report)
        if search_index:
            run_pagefind(building)
            report.search_indexed = True
        _write_state(building, pages, started)
        (building / BUILDING_MARKER).unlink()
        os.chmod(building, 0o755)  # mkdtemp makes it private; a web server must read it
        _swap_in(building, outdir)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    report.seconds = time.perf_counter() - clock
    return report


def _process_mark() -> str:
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


def _remove_leftovers(outdir: Path, started: datetime) -> None:
    """Remove what killed builds of `outdir` left: a full build's temporary folder
    beside it (only those it marked, from a process that is gone, made before this
    build began), the old site a swap had set aside (put back when `outdir` is
    missing), and a half-made search index."""
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
    if (outdir / STATE_FILE).is_file():
        for folder in outdir.glob(".pagefind-*"):
            if folder.is_dir() and not folder.is_symlink() and folder.stat().st_mtime < before:
                shutil.rmtree(folder, ignore_errors=True)


def _changed_articles(pages: SitePages, since: datetime) -> list[int]:
    with pages.sessions() as session:
        articles = select(ArticleRow.id).where(
            or_(
                ArticleRow.first_published_at >= since,
                ArticleRow.updated_at >= since,
            )
        )
        translations = select(TranslationRow.article_id).where(TranslationRow.updated_at >= since)
        removed = select(TombstoneRow.article_id).where(
            TombstoneRow.created_at >= since, TombstoneRow.article_id.is_not(None)
        )
        ids: set[int] = set()
        for query in (articles, translations, removed):
            ids.update(int(x) for x in session.scalars(query) if x is not None)
    return sorted(ids)


def _incremental(pages: SitePages, outdir: Path, since: datetime) -> BuildReport:
    report = BuildReport(full=False)
    out = _Writer(outdir, report)
    changed = _changed_articles(pages, since)
    report.articles_changed = len(changed)
    with pages.sessions() as session:
        story_ids = _changed_stories(session, changed, since)
    if not changed and not story_ids:
        return report
    with pages.sessions() as session:
        rows = session.execute(
            select(ArticleRow.id, ArticleRow.section, ArticleRow.source_id).where(
                ArticleRow.id.in_(changed)
            )
        ).all()
        gone = {
            row.article_id: list(row.paths)
            for row in session.scalars(
                select(TombstoneRow).where(TombstoneRow.article_id.in_(changed))
            )
            if row.article_id is not None
        }
        report.taken_down = len(gone)
        tagged = tags.tags_of_articles(session, changed)
        story_members = _story_members(session, story_ids)
    # Each list the changed articles are in, with those articles.
    lists: dict[_List, set[int]] = {}
    for article_id, section, source_id in rows:
        if section and pages.has_section(section):
            lists.setdefault(_List("section", section), set()).add(article_id)
        lists.setdefault(_List("source", str(source_id)), set()).add(article_id)
    for article_id, slug in tagged:
        lists.setdefault(_List("tag", slug), set()).add(article_id)
    # An updated article may have left a section or lost a tag: its old pages say
    # which lists showed it, and those are rewritten too.
    old_folders = {
        language: _article_folders(_target(outdir, f"/{language}/article/").parent, set(changed))
        for language in pages.languages
    }
    for language, folders in old_folders.items():
        for article_id, paths in folders.items():
            for lst in _lists_linked_from(language, paths):
                lists.setdefault(lst, set()).add(article_id)
    chunks: dict[str, set[int]] = {}
    for language in pages.languages:
        old = old_folders[language]
        touched = (
            bool(old)
            or bool(story_ids)
            or any(p.startswith(f"/{language}/") for paths in gone.values() for p in paths)
        )
        for article_id in changed:
            for folder in old.get(article_id, []):
                shutil.rmtree(folder, ignore_errors=True)
                report.removed += 1
            if article_id not in gone and _write_article(pages, out, language, article_id):
                touched = True
        if not touched:
            continue  # nothing this edition shows (or showed) has changed
        chunks[language] = {(article_id - 1) // SITEMAP_URLS + 1 for article_id in changed}
        # Their story pages, and the other reports of those stories ("N sources").
        rewrite = _later_neighbours(pages, language, changed) | (story_members - set(changed))
        for article_id in sorted(rewrite - set(gone)):
            _write_article(pages, out, language, article_id)
        for story_id in story_ids:
            _write_story(pages, out, language, story_id)
        _write_edition_lists(pages, out, language)
        for lst, members in sorted(lists.items(), key=lambda item: (item[0].kind, item[0].key)):
            first = _first_changed_page(pages, language, lst, members)
            _write_list(pages, out, language, lst, first)
    _write_gone(pages, out, [p for paths in gone.values() for p in paths])
    _write_sitemaps(
        pages,
        out,
        chunks,
        tags_changed=any(lst.kind == "tag" for lst in lists),
        stories_changed=bool(story_ids),
    )
    return report


def _changed_stories(session: Session, changed: list[int], since: datetime) -> list[int]:
    """Stories of the changed articles, and stories the organising stage changed since."""
    found = set(
        session.scalars(
            select(ArticleRow.story_id).where(
                ArticleRow.id.in_(changed), ArticleRow.story_id.is_not(None)
            )
        )
    )
    found.update(session.scalars(select(StoryRow.id).where(StoryRow.updated_at >= since)))
    return sorted(int(x) for x in found if x is not None)


def _story_members(session: Session, story_ids: list[int]) -> set[int]:
    """The published articles of these stories (their pages say how many sources)."""
    if not story_ids:
        return set()
    return {
        int(x)
        for x in session.scalars(
            select(ArticleRow.id).where(
                ArticleRow.story_id.in_(story_ids), ArticleRow.first_published_at.is_not(None)
            )
        )
    }


def _article_folders(root: Path, ids: set[int]) -> dict[int, list[Path]]:
    """The existing folders of these articles under /{lang}/article/ (any slug)."""
    found: dict[int, list[Path]] = {}
    if not root.is_dir():
        return found
    with os.scandir(root) as entries:
        for entry in entries:
            head = entry.name.split("-", 1)[0]
            if head.isdigit() and int(head) in ids and entry.is_dir():
                found.setdefault(int(head), []).append(Path(entry.path))
    return found


_OWN_LIST_LINK = re.compile(
    r'<p class="kicker"><a href="(/[^"/]+/section/[^"/]+/)"'
    r'|<a href="(/[^"/]+/tag/[^"/]+/)" rel="tag"'
)


def _lists_linked_from(language: str, folders: list[Path]) -> set[_List]:
    """The section and tag lists an article page written earlier links as its own."""
    found: set[_List] = set()
    for folder in folders:
        try:
            page = (folder / "index.html").read_text(encoding="utf-8")
        except OSError:
            continue
        for match in _OWN_LIST_LINK.finditer(page):
            href = match.group(1) or match.group(2)
            lang, kind, key = (unquote(part) for part in href.strip("/").split("/"))
            if lang == language:
                found.add(_List(kind, key))
    return found


def _later_neighbours(pages: SitePages, language: str, changed: list[int]) -> set[int]:
    """Articles whose "earlier in this section" box may list a changed article."""
    result: set[int] = set()
    with pages.sessions() as session:
        for article_id in changed:
            result.update(queries.later_in_section(session, language, article_id, 5))
    return result - set(changed)


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
        _replace_folder(fresh, root / PAGEFIND_FOLDER, ".pagefind-old-")
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise


def _replace_folder(new: Path, target: Path, aside_prefix: str) -> None:
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


def _swap_in(new: Path, outdir: Path) -> None:
    _replace_folder(new, outdir, f".{outdir.name}.old-")
