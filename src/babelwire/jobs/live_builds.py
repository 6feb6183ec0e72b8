"""A static site that follows the newsroom: an incremental build as soon as articles go
live, one build at a time, new entries first.

Carries make articles live one after another, often faster than a build writes them.
A build per carry would queue builds behind one another, each rewriting the same front
pages and lists; instead a request made while a build runs only marks the site as
wanted again, and one build after the running one writes every article that went live
meanwhile. Builds run in a thread of their own, so the carry that asked for one goes on
at once.

New entries go first: the articles a request names (the fast lane's), and those that
went live within `fresh_seconds` of being seen, are written by a build of their own
(`build_site_report(articles=...)`: their pages and the lists that show them), not
by one that also writes everything the backlog published meanwhile; a complete
incremental build follows for the rest. Between the two, a list may link to a backlog
article whose page is not written yet, as during any incremental build.

What goes live in another process (a push `babelwire serve` processed, a worker's
publish) is found by looking, every `watch_seconds`, for live articles no build has
written yet.

With `own_process`, each build is written by a process kept for builds (started once,
opening the site from its folder), so that builds and the runner beside them do not
share one interpreter lock: a build then runs on the other core while the runner
carries new entries. What a build went live with is still recorded here.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from babelwire.clock import utcnow
from babelwire.jobs.freshness import record_build
from babelwire.newsroom import Newsroom
from babelwire.newsroom.site import Site
from babelwire.publish.page_writer import BuildReport
from babelwire.storage.freshness import unbuilt_published

__all__ = ["LiveBuild", "LiveBuilds"]

log = logging.getLogger("babelwire.build")


# An article that went live this soon after it was first seen was carried at once (a new
# entry); a backlog article waited longer.
FRESH_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class LiveBuild:
    """One build done: what it wrote, how many articles it made live, and how many new
    entries it was for (0: a complete build of everything that changed)."""

    report: BuildReport
    went_live: int
    fresh: int = 0


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
        on_build: Callable[[LiveBuild], None] | None = None,
        own_process: bool = False,
    ) -> None:
        self.site = site
        self.outdir = outdir
        self.search_index = search_index
        self.watch_seconds = watch_seconds
        self.fresh_seconds = fresh_seconds
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
        self._pool: ProcessPoolExecutor | None = None

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
            self._wanted.set()

    def build_now(self) -> LiveBuild:
        """One complete build in the caller's thread (the first, before the loop starts)."""
        return self._build()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no build runs or is wanted; whether that happened within `timeout`."""
        with self._idle:
            return self._idle.wait_for(
                lambda: not self._building and not self._wanted.is_set(), timeout
            )

    def stop(self, timeout: float = 300.0) -> None:
        """No build after the running one, which is let finish (up to `timeout`)."""
        self._stopping.set()
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
                self._building = True
            try:
                if self.watch_seconds is not None:
                    # Live articles no build wrote: new entries first, the rest after.
                    for article_id, seen, live in self._unbuilt():
                        if (live - seen).total_seconds() <= self.fresh_seconds:
                            fresh.add(article_id)
                        elif article_id not in fresh:
                            complete = True
                if fresh:
                    self._build(fresh)
                    if complete:  # the rest next, after new entries that came meanwhile
                        with self._idle:
                            self._complete = True
                            self._wanted.set()
                elif complete:
                    self._build()
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

    def _build(self, fresh: Collection[int] | None = None) -> LiveBuild:
        from babelwire.publish.static import build_site_report

        started = utcnow()
        if self.own_process:
            report = self._build_elsewhere(fresh)
        else:
            report = build_site_report(
                self.site, self.outdir, search_index=self.search_index, articles=fresh
            )
        went_live = record_build(self.site, started, articles=fresh)
        done = LiveBuild(report, went_live, len(fresh) if fresh else 0)
        if done.went_live and self.site.config.settings.websub.publisher_hub:
            # Our feeds changed: their hub is told, as after `babelwire build`.
            from babelwire.jobs.websub_publish import ping_for_published

            ping_for_published(self.site, [rule.slug for rule in self.site.config.sections])
        self.builds += 1
        if self.on_build is not None:
            self.on_build(done)
        return done

    def _build_elsewhere(self, fresh: Collection[int] | None) -> BuildReport:
        """The build, written by the builds' process (started again if it died)."""
        articles = sorted(fresh) if fresh is not None else None
        for attempt in (1, 2):
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_open_site,
                    initargs=(str(self.site.config.root),),
                )
            try:
                return self._pool.submit(
                    _build_here, str(self.outdir), self.search_index, articles
                ).result()
            except BrokenProcessPool:
                self._pool = None
                if attempt == 2:
                    raise
                log.warning("the builds' process ended; starting another")
        raise AssertionError("unreachable")


# In the builds' process: the site, opened once from its folder.
_site_here: Site | None = None


def _open_site(root: str) -> None:
    global _site_here
    _site_here = Site.open(Path(root), migrate=False)


def _build_here(outdir: str, search_index: bool, articles: list[int] | None) -> BuildReport:
    from babelwire.publish.static import build_site_report

    assert _site_here is not None, "the builds' process opens its site first"
    return build_site_report(_site_here, Path(outdir), search_index=search_index, articles=articles)
