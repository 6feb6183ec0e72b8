"""The embedded default: every stage in this process, one pass after another."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from babelwire.clock import utcnow
from babelwire.jobs.fast_lane import FastLane
from babelwire.jobs.run import Progress, RunReport, run_pass
from babelwire.jobs.run_lock import run_lock
from babelwire.newsroom import Newsroom
from babelwire.storage.sources import next_due_time

MIN_SLEEP = 5.0
MAX_SLEEP = 3600.0
WAKE_CHECK = 1.0  # seconds between two looks at `stop` while waiting on the fast lane

log = logging.getLogger("babelwire.run")


def seconds_until_next_due(newsroom: Newsroom) -> float:
    """How long until the next enabled source is due (bounded, so new sources are noticed)."""
    with newsroom.sessions() as session:
        soonest = next_due_time(session)
    if soonest is None:
        return MIN_SLEEP * 12
    wait = (soonest - utcnow()) / timedelta(seconds=1)
    return max(MIN_SLEEP, min(MAX_SLEEP, wait))


def run_forever(
    newsroom: Newsroom,
    *,
    stop: threading.Event,
    on_report: Callable[[RunReport], None],
    progress: Callable[[], Progress | None] = lambda: None,
    on_failure: Callable[[int, float], None] = lambda failures, wait: None,
    lane: FastLane | None = None,
) -> None:
    """Pass after pass until `stop` is set, sleeping until the next source is due.

    With the fast lane on, `lane` (one is made if none is given) lives across passes:
    articles pushed to it wake the loop at once and are carried ahead of the backlog.

    A pass that raises does not end the loop: sources and articles contain
    their own failures, so what escapes a pass is the database or a bug, and
    the newsroom must still be running when it is fixed or goes away. It is
    logged with its traceback, and the loop waits before the next try, longer
    after each pass that failed in a row (up to MAX_SLEEP), so a database
    that is down is neither hidden nor hammered. KeyboardInterrupt and
    SystemExit still end it.
    """
    if lane is None and newsroom.config.settings.translation.fast_lane:
        lane = FastLane(newsroom)
    failures = 0
    while not stop.is_set():
        try:
            on_report(run_pass(newsroom, progress=progress(), lane=lane))
            wait = seconds_until_next_due(newsroom)
            failures = 0
        except Exception:
            failures += 1
            wait = min(MAX_SLEEP, MIN_SLEEP * 2 ** min(failures - 1, 10))
            log.exception("pass failed (%d in a row); next try in %.0f s", failures, wait)
            on_failure(failures, wait)
        _sleep(stop, lane, wait)


def _sleep(stop: threading.Event, lane: FastLane | None, seconds: float) -> None:
    """Wait `seconds`, or until `stop` is set or something is pushed to the fast lane."""
    if lane is None:
        stop.wait(seconds)
        return
    deadline = time.monotonic() + seconds
    while not stop.is_set() and not lane.wake.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        lane.wake.wait(min(left, WAKE_CHECK))


def start_pass(newsroom: Newsroom, *, force: bool = False) -> None:
    """Start one pass in a thread of this process (an API request asked for it), holding
    the site's run lock; raises SiteBusy at once when a run already holds it."""
    hold = contextlib.ExitStack()
    hold.enter_context(run_lock(newsroom))

    def work() -> None:
        with hold:
            try:
                report = run_pass(newsroom, force=force)
                log.info(
                    "pass asked for by the API: %d sources, %d articles published",
                    len(report.sources),
                    report.stage_articles.get("publish", 0),
                )
            except Exception:
                log.exception("a pass asked for by the API failed")

    threading.Thread(target=work, name="babelwire-pass", daemon=True).start()
