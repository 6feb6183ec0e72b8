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

A build writes only what it owns: `babelwire.publish.output_folder` says which
folders those are and clears what killed builds left.

Output paths are made only of language codes and section slugs that pass
validation, article ids and ASCII slugs, and each is checked to stay inside the
build folder. Taken-down articles leave a "removed" page at their old paths
(static hosts cannot send 410 from a file; serve mode does).

Pictures are copied under /media/ from the site's media folder on every build
(`babelwire.publish.media_files`); those no page shows any more are removed.

The search index (`babelwire.publish.search_index`) is made afresh with Pagefind
on every build that changed an article. The groups of pages a build writes (a list
with its feeds, an article's pages, ...) are written by `babelwire.publish.page_groups`.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Collection, Generator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from babelwire.publish.build_changes import (
    SiteList,
    article_folders,
    first_changed_page,
    later_neighbours,
    lists_linked_from,
)
from babelwire.publish.build_state import fingerprint, read_state, write_state
from babelwire.publish.media_files import sync_media
from babelwire.publish.output_folder import (
    BuildRefusedError as BuildRefusedError,  # what build_site_report raises
)
from babelwire.publish.output_folder import (
    building_folder,
    check_outdir,
    remove_leftovers,
)
from babelwire.publish.page_groups import (
    write_article,
    write_edition_lists,
    write_gone,
    write_list,
    write_site_files,
    write_sitemaps,
    write_story,
)
from babelwire.publish.page_writer import (
    BuildReport,
    PageWriter,
    target_path,
)
from babelwire.publish.pages import SitePages
from babelwire.publish.paths import (
    url_for_about,
    url_for_feed,
    url_for_search,
    url_for_section,
)
from babelwire.publish.search_index import (
    PAGEFIND_FOLDER,
    index_search,
    remove_unfinished,
    run_pagefind,
)
from babelwire.publish.sitemaps import SITEMAP_URLS
from babelwire.storage.published import changes, stories, tags

if TYPE_CHECKING:
    from babelwire.newsroom import Site

# A change committed while a build reads the database must be seen by the next build.
CLOCK_MARGIN = timedelta(seconds=5)


# ---------------------------------------------------------------------------
# Full and incremental builds
# ---------------------------------------------------------------------------


def _copy_media(pages: SitePages, root: Path, report: BuildReport) -> None:
    """The pictures pages show, beside them under /media/; those no page shows removed."""
    copied, removed = sync_media(pages.sessions, pages.config.media_dir, root)
    if copied or removed:
        report.notes.append(f"pictures: {copied} files copied, {removed} removed")


def write_pages(pages: SitePages, root: Path, report: BuildReport | None = None) -> int:
    """Write every page of the site under `root`; returns how many HTML pages were written."""
    report = report or BuildReport(full=True)
    out = PageWriter(root, report)
    write_site_files(pages, out)
    _copy_media(pages, root, report)
    write_gone(pages, out, pages.gone_paths())
    for language in pages.languages:
        write_edition_lists(pages, out, language)
        out.page(url_for_about(language), pages.about(language))
        out.page(url_for_search(language), pages.search(language))
        for rule in pages.config.sections:
            if pages.has_section(rule.slug):
                write_list(pages, out, language, SiteList("section", rule.slug))
        for source_id in pages.source_ids(language):
            write_list(pages, out, language, SiteList("source", str(source_id)))
        for slug in pages.tag_slugs(language):
            write_list(pages, out, language, SiteList("tag", slug))
        for story_id in pages.story_ids(language):
            write_story(pages, out, language, story_id)
        index = pages.edition_index(language)
        for article_id, _path in pages.article_ids(language):
            write_article(pages, out, language, article_id, index)
    write_sitemaps(pages, out, None)
    return report.pages


def build_site(
    site: Site,
    outdir: Path,
    *,
    full: bool = False,
    search_index: bool = True,
    force: bool = False,
) -> int:
    """Export the public site into `outdir`; returns HTML pages written."""
    return build_site_report(site, outdir, full=full, search_index=search_index, force=force).pages


def build_site_report(
    site: Site,
    outdir: Path,
    *,
    full: bool = False,
    search_index: bool = True,
    force: bool = False,
    articles: Collection[int] | None = None,
) -> BuildReport:
    """Export the site: incrementally when `outdir` holds an earlier build of it, else in full.

    With `articles` (and an earlier build), a build that puts new entries online without
    waiting for the rest of what changed: their pages in every edition, the front pages
    and the first page of their sections, with those lists' feeds. Their sources' and
    tags' lists, their stories, other pages' related boxes and the sitemaps are left to
    the next build without `articles`: this one leaves the earlier build's time in place
    and the search index as it is, so that build still writes everything that changed
    since the last one, these articles included.

    Raises BuildRefusedError, before writing anything, when `outdir` is not the build's
    to write (see `check_outdir`); `force` replaces a folder of other files.
    """
    pages = SitePages.for_site(site, static=True)
    steps = build_steps(
        pages, outdir, full=full, search_index=search_index, force=force, articles=articles
    )
    report = run_steps(steps)
    assert report is not None  # nothing paused it
    return report


BuildSteps = Generator[None, None, BuildReport]


def run_steps(steps: BuildSteps, pause: Callable[[], bool] | None = None) -> BuildReport | None:
    """Go on with a build made by `build_steps` until it ends (its report) or, between two
    steps, `pause` says to stop for now (None: call again with the same `steps`)."""
    try:
        while True:
            next(steps)
            if pause is not None and pause():
                return None
    except StopIteration as done:
        report: BuildReport = done.value
        return report


def build_steps(
    pages: SitePages,
    outdir: Path,
    *,
    full: bool = False,
    search_index: bool = True,
    force: bool = False,
    articles: Collection[int] | None = None,
) -> BuildSteps:
    """A build (as `build_site_report`, of the pages given) in steps: an incremental
    build of everything that changed may be paused between any two of its pages or
    lists, so that a build of new entries can go first (`run_steps`). A full build, and
    one of `articles`, is one step. Files are replaced one at a time, so a paused build
    leaves a readable site; it writes its build time (`since` of the next) only when it
    has ended."""
    outdir = Path(os.path.abspath(outdir))
    check_outdir(pages.config, outdir, force=force)
    started = datetime.now(UTC)
    clock = time.perf_counter()
    remove_leftovers(outdir, started)
    remove_unfinished(outdir, started)
    state = None if full else read_state(outdir)
    if state is not None and state.get("fingerprint") == fingerprint(pages):
        try:
            since = datetime.fromisoformat(state["built_at"]) - CLOCK_MARGIN
        except (KeyError, ValueError):
            since = None
        if since is not None and articles is not None:
            report = _write_new_entries(pages, outdir, sorted(set(articles)))
            report.seconds = time.perf_counter() - clock
            return report  # the state keeps the last build that wrote every change
        if since is not None:
            report = BuildReport(full=False)
            report.seconds = time.perf_counter() - clock
            steps = _incremental(pages, outdir, since, report)
            while True:  # the seconds of work, not of pauses
                clock = time.perf_counter()
                try:
                    next(steps)
                except StopIteration:
                    break
                finally:
                    report.seconds += time.perf_counter() - clock
                yield
            clock = time.perf_counter()
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
            write_state(outdir, pages, started)
            report.seconds += time.perf_counter() - clock
            return report
    report = BuildReport(full=True)
    with building_folder(outdir) as building:
        write_pages(pages, building, report)
        if search_index:
            run_pagefind(building)
            report.search_indexed = True
        write_state(building, pages, started)
    report.seconds = time.perf_counter() - clock
    return report


def _write_new_entries(pages: SitePages, outdir: Path, articles: list[int]) -> BuildReport:
    """New entries online first (see `build_site_report`): their pages in every edition,
    then each edition's front page and feeds, and the first page and feeds of their
    sections."""
    report = BuildReport(full=False, articles_changed=len(articles))
    out = PageWriter(outdir, report)
    with report.timing("pictures"):
        copied, _ = sync_media(pages.sessions, pages.config.media_dir, outdir, articles)
        if copied:
            report.notes.append(f"pictures: {copied} files copied")
    with pages.sessions() as session:
        rows = changes.placements(session, articles)
        gone = changes.taken_down_paths(session, articles)
    report.taken_down = len(gone)
    sections = sorted({s for _, s, _ in rows if s and pages.has_section(s)})
    shown: dict[str, bool] = {}
    with report.timing("articles"):
        for language in pages.languages:
            shown[language] = False
            for article_id in articles:
                if article_id not in gone and write_article(pages, out, language, article_id):
                    shown[language] = True
    with report.timing("lists"):
        for language in pages.languages:
            if not shown[language]:
                continue
            write_edition_lists(pages, out, language)
            for slug in sections:
                out.page(url_for_section(language, slug), pages.section(language, slug))
                for kind, body in pages.feed_documents(language, slug).items():
                    out.file(url_for_feed(language, kind, slug), body)
    write_gone(pages, out, [p for paths in gone.values() for p in paths])
    return report


def _incremental(
    pages: SitePages, outdir: Path, since: datetime, report: BuildReport
) -> Iterator[None]:
    """What changed since `since`, written into `report`'s counts; yields between steps
    (an article's pages, a story, a list), where the build may be paused."""
    out = PageWriter(outdir, report)
    with pages.sessions() as session:
        changed = changes.changed_articles(session, since)
    report.articles_changed = len(changed)
    with report.timing("pictures"):
        _copy_media(pages, outdir, report)
    with pages.sessions() as session:
        story_ids = changes.changed_stories(session, changed, since)
    if not changed and not story_ids:
        return
    with pages.sessions() as session:
        rows = changes.placements(session, changed)
        gone = changes.taken_down_paths(session, changed)
        report.taken_down = len(gone)
        tagged = tags.tags_of_articles(session, changed)
        story_members = changes.published_members(session, story_ids)
    # Each list the changed articles are in, with those articles.
    lists: dict[SiteList, set[int]] = {}
    for article_id, section, source_id in rows:
        if section and pages.has_section(section):
            lists.setdefault(SiteList("section", section), set()).add(article_id)
        lists.setdefault(SiteList("source", str(source_id)), set()).add(article_id)
    for article_id, slug in tagged:
        lists.setdefault(SiteList("tag", slug), set()).add(article_id)
    # An updated article may have left a section or lost a tag: its old pages say
    # which lists showed it, and those are rewritten too.
    old_folders = {
        language: article_folders(target_path(outdir, f"/{language}/article/").parent, set(changed))
        for language in pages.languages
    }
    for language, folders in old_folders.items():
        for article_id, paths in folders.items():
            for lst in lists_linked_from(language, paths):
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
            with report.timing("articles"):
                for folder in old.get(article_id, []):
                    shutil.rmtree(folder, ignore_errors=True)
                    report.removed += 1
                if article_id not in gone and write_article(pages, out, language, article_id):
                    touched = True
            yield
        if not touched:
            continue  # nothing this edition shows (or showed) has changed
        chunks[language] = {(article_id - 1) // SITEMAP_URLS + 1 for article_id in changed}
        # Their story pages, and the other reports of those stories ("N sources").
        with report.timing("related"):
            rewrite = later_neighbours(pages, language, changed) | (story_members - set(changed))
            if gone:  # a removed report's title may have been its story's headline
                with pages.sessions() as session:
                    rewrite |= stories.later_story_listers(session, language, list(gone))
        for article_id in sorted(rewrite - set(gone)):
            with report.timing("related"):
                write_article(pages, out, language, article_id)
            yield
        for story_id in story_ids:
            with report.timing("stories"):
                write_story(pages, out, language, story_id)
            yield
        with report.timing("lists"):
            write_edition_lists(pages, out, language)
        yield
        for lst, members in sorted(lists.items(), key=lambda item: (item[0].kind, item[0].key)):
            with report.timing("lists"):
                first = first_changed_page(pages, language, lst, members)
                write_list(pages, out, language, lst, first)
            yield
    with report.timing("articles"):
        write_gone(pages, out, [p for paths in gone.values() for p in paths])
    with report.timing("sitemaps"):
        write_sitemaps(
            pages,
            out,
            chunks,
            tags_changed=any(lst.kind == "tag" for lst in lists),
            stories_changed=bool(story_ids),
        )
