"""A static site that follows the newsroom: an incremental build as soon as articles go
live, one build at a time, new entries first.

Carries make articles live one after another, often faster than a build writes them.
A build per carry would queue builds behind one another, each rewriting the same front
pages and lists; instead a request made while a build runs only marks the site as
wanted again, and one build after the running one writes every article that went live
meanwhile. Builds run beside the runner, so the carry that asked for one goes on at once.

New entries go first: the articles a request names (the fast lane's), and those that
went live within `fresh_seconds` of being seen, are written by a build of their own
(`build_site_report(articles=...)`: their pages, the front pages and their sections'
first pages, with those lists' feeds), not by one that also writes everything the
backlog published meanwhile; a complete incremental build follows for the rest (their
sources' and tags' lists, stories, sitemaps, and what the backlog published). A
complete build gives way to new entries: after `slice_seconds` of work it pauses between
two pages or lists when new entries wait, and goes on after their build. Between the
two, a list may link to a backlog article whose page is not written yet, as during any
incremental build.

What goes live in another process (a push `babelwire serve` processed, a worker's
publish) is found by looking, every `watch_seconds`, for live articles no build has
written yet; while a build runs too, so that a complete build can give way to them.

With `own_process`, builds are written by a process kept for builds (started once,
opening the site from its folder, started again if it dies), so that builds and the
runner beside them do not share one interpreter lock: a build then runs on the other
core while the runner carries new entries. Otherwise they are written by a thread.
What a build went live with is recorded here either way.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from babelwire.clock import utcnow
from babelwire.jobs.freshness import record_build
from babelwire.newsroom import Newsroom
from babelwire.newsroom.site import Site
from babelwire.publish.page_writer import BuildReport
from babelwire.publish.pages import SitePages
from babelwire.publish.static import BuildSteps, build_site_report, build_steps, run_steps
from babelwire.storage.freshness import unbuilt_published

__all__ = ["LiveBuild", "LiveBuilds"]

log = logging.getLogger("babelwire.build")


# An article that went live this soon after it was first seen was carried at once (a new
# entry); a backlog article waited longer.
FRESH_SECONDS = 30.0
# A complete build works at least this long before it pauses for new entries.
SLICE_SECONDS = 2.0


class _Pause(Protocol):
    """A threading or multiprocessing Event."""

    def is_set(self) -> bool: ...
    def set(self) -> None: ...
    def clear(self) -> None: ...


@dataclass(frozen=True, slots=True)
class LiveBuild:
    """One build done: what it wrote, how many articles it made live, how many new
    entries it was for (0: a complete build of everything that changed) and in how many
    slices it was written (a complete build paused for new entries between them)."""

    report: BuildReport
    went_live: int
    fresh: int = 0
    slices: int = 1


class _Builder:
    """Writes one site's builds: new entries' builds whole, complete builds in slices,
    the one under way kept between calls."""

    def __init__(self, site: Site, pause: _Pause) -> None:
        self.site = site
        self.pause = pause
        self._under_way: BuildSteps | None = None

    def new_entries(self, outdir: str, search_index: bool, articles: list[int]) -> BuildReport:
        return build_site_report(
            self.site, Path(outdir), search_index=search_index, articles=articles
        )

    def complete(
        self, outdir: str, search_index: bool, slice_seconds: float | None
    ) -> BuildReport | None:
        """The complete build under way, or a new one, for `slice_seconds` or more: its
        report, or None when it paused for new entries (None: no pausing)."""
        if self._under_way is None:
            pages = SitePages.for_site(self.site, static=True)
            self._under_way = build_steps(pages, Path(outdir), search_index=search_index)
        until = time.monotonic() + (slice_seconds or 0.0)
        try:
            report = run_steps(
                self._under_way,
                None
                if slice_seconds is None
                else lambda: self.pause.is_set() and time.monotonic() >= until,
            )
        except BaseException:
            self._under_way = None
            raise
        if report is not None:
            self._under_way = None
        return report


class LiveBuilds:
    """Incremental builds of `outdir`, one at a time, each covering every request made
    while the one before it ran; new entries first, in builds of their own.

    `request` (usable as a fast lane's `on_live`) returns at once. With `watch_seconds`,
    the database is also looked at that often for live articles not built yet.
    `on_build` is called after each build (in the builds' thread).

        builds = LiveBuilds(newsroom, Path("public"), watch_seconds=1.0).start()
        lane = FastLane(newsroom, on_live=builds.request)
        ...
        builds.stop()
    """

    def __init__(
        self,
        site: Newsroom,
        outdir: Path,
        *,
        search_index: bool = False,
        watch_seconds: float | None = None,
        fresh_seconds: float = FRESH_SECONDS,
        slice_seconds: float = SLICE_SECONDS,
        on_build: Callable[[LiveBuild], None] | None = None,
        own_process: bool = False,
    ) -> None:
        self.site = site
        self.outdir = outdir
        self.search_index = search_index
        self.watch_seconds = watch_seconds
        self.fresh_seconds = fresh_seconds
        self.slice_seconds = slice_seconds
        self.on_build = on_build
        self.builds = 0  # builds done
        self.requests = 0  # requests taken (many may share one build)
        self._wanted = threading.Event()
        self._fresh: set[int] = set()  # new entries to write first
        self._complete = False  # a build of everything that changed is wanted
        self._stopping = threading.Event()
        self._idle = threading.Condition()
        self._building = False
        self._thread: threading.Thread | None = None
        self.own_process = own_process
        self._context = multiprocessing.get_context("spawn")
        # Set when new entries wait: a complete build under way pauses for them.
        self._pause: _Pause = self._context.Event() if own_process else threading.Event()
        self._pool: Executor | None = None
        self._builder: _Builder | None = None
        self._under_way: tuple[datetime, int] | None = None  # a paused complete build

    def start(self) -> LiveBuilds:
        self._thread = threading.Thread(target=self._loop, name="babelwire-builds", daemon=True)
        self._thread.start()
        return self

    def request(self, article_ids: Sequence[int] = ()) -> None:
        """Articles went live: a build is wanted (after the running one, if one runs);
        the articles named, new entries, are written first."""
        with self._idle:
            self.requests += 1
            self._fresh.update(int(i) for i in article_ids)
            self._complete = True
            if self._fresh:
                self._pause.set()
            self._wanted.set()

    def build_now(self) -> LiveBuild:
        """One complete build, not paused, in the caller's thread (the first, before the
        loop starts)."""
        done = self._build()
        assert done is not None
        return done

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no build runs or is wanted; whether that happened within `timeout`."""
        with self._idle:
            return self._idle.wait_for(
                lambda: not self._building and not self._wanted.is_set(), timeout
            )

    def stop(self, timeout: float = 300.0) -> None:
        """No build after the running one (or its slice), which is let finish (up to
        `timeout`); a complete build paused is left for the next build to redo."""
        self._stopping.set()
        self._pause.set()
        self._wanted.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wanted.wait(self.watch_seconds)
            if self._stopping.is_set():
                break
            with self._idle:
                fresh, self._fresh = self._fresh, set()
                complete, self._complete = self._complete, False
                self._wanted.clear()  # what goes live from here on wants the next build
                self._pause.clear()
                self._building = True
            try:
                if self.watch_seconds is not None:
                    # Live articles no build wrote: new entries first, the rest after.
                    for article_id, seen, live in self._unbuilt():
                        if (live - seen).total_seconds() <= self.fresh_seconds:
                            fresh.add(article_id)
                        elif article_id not in fresh:
                            complete = True
                complete = complete or self._under_way is not None
                if fresh:
                    self._build(fresh)
                elif complete:
                    complete = self._build(pausable=True) is None  # paused: go on after
                else:
                    continue
                if complete:  # the rest next, after new entries that came meanwhile
                    with self._idle:
                        self._complete = True
                        self._wanted.set()
            except Exception:
                log.exception("the incremental build of %s failed", self.outdir)
            finally:
                with self._idle:
                    self._building = False
                    self._idle.notify_all()

    def _unbuilt(self) -> list[tuple[int, datetime, datetime]]:
        try:
            with self.site.sessions() as session:
                return unbuilt_published(session)
        except Exception:
            log.exception("looking for articles to build failed")
            return []

    def _new_entries_wait(self) -> bool:
        """Whether live articles carried at once wait for a build."""
        return any(
            (live - seen).total_seconds() <= self.fresh_seconds for _, seen, live in self._unbuilt()
        )

    def _build(
        self, fresh: Collection[int] | None = None, *, pausable: bool = False
    ) -> LiveBuild | None:
        """A build of new entries, or the complete build (or, `pausable`, a slice of it:
        None when it paused)."""
        if fresh:
            started = utcnow()
            report = self._call("new_entries", sorted(fresh))
            assert report is not None
            slices = 1
        else:
            if self._under_way is None:
                self._under_way = (utcnow(), 0)
            started, slices = self._under_way
            slices += 1
            try:
                report = self._call("complete", self.slice_seconds if pausable else None)
            except BaseException:
                self._under_way = None
                raise
            if report is None:
                self._under_way = (started, slices)
                return None
            self._under_way = None
        went_live = record_build(self.site, started, articles=fresh or None)
        done = LiveBuild(report, went_live, len(fresh) if fresh else 0, slices)
        if done.went_live and self.site.config.settings.websub.publisher_hub:
            # Our feeds changed: their hub is told, as after `babelwire build`.
            from babelwire.jobs.websub_publish import ping_for_published

            ping_for_published(self.site, [rule.slug for rule in self.site.config.sections])
        self.builds += 1
        if self.on_build is not None:
            self.on_build(done)
        return done

    def _call(self, what: str, argument: list[int] | float | None) -> BuildReport | None:
        """A build by the builds' thread or process (started again if it died), looking
        meanwhile for new entries that a complete build should pause for."""
        for attempt in (1, 2):
            if self._pool is None:
                self._pool = self._new_pool()
            if self.own_process:
                future = self._pool.submit(
                    _build_here, what, str(self.outdir), self.search_index, argument
                )
            else:
                assert self._builder is not None
                future = self._pool.submit(
                    getattr(self._builder, what), str(self.outdir), self.search_index, argument
                )
            try:
                while True:
                    try:
                        return future.result(timeout=self.watch_seconds)
                    except FutureTimeout:
                        if what == "complete" and self._new_entries_wait():
                            self._pause.set()
            except BrokenProcessPool:
                self._pool = None
                if attempt == 2:
                    raise
                log.warning("the builds' process ended; starting another")
        raise AssertionError("unreachable")

    def _new_pool(self) -> Executor:
        if not self.own_process:
            self._builder = _Builder(self.site, self._pause)
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="babelwire-build")
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=self._context,
            initializer=_open_site,
            initargs=(str(self.site.config.root), self._pause),
        )


# In the builds' process: the site, opened once from its folder, and its builder.
_builder_here: _Builder | None = None


def _open_site(root: str, pause: _Pause) -> None:
    global _builder_here
    _builder_here = _Builder(Site.open(Path(root), migrate=False), pause)


def _build_here(
    what: str, outdir: str, search_index: bool, argument: list[int] | float | None
) -> BuildReport | None:
    assert _builder_here is not None, "the builds' process opens its site first"
    if what == "new_entries":
        assert isinstance(argument, list)
        return _builder_here.new_entries(outdir, search_index, argument)
    assert not isinstance(argument, list)
    return _builder_here.complete(outdir, search_index, argument)
