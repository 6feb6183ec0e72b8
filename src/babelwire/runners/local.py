"""The embedded default: every stage in this process, one pass after another."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select

from babelwire.clock import utcnow
from babelwire.jobs.newsroom import Newsroom
from babelwire.jobs.run import Progress, RunReport, run_pass
from babelwire.storage.tables import SourceRow

MIN_SLEEP = 5.0
MAX_SLEEP = 3600.0


def seconds_until_next_due(newsroom: Newsroom) -> float:
    """How long until the next enabled source is due (bounded, so new sources are noticed)."""
    with newsroom.sessions() as session:
        soonest = session.scalar(
            select(func.min(SourceRow.next_fetch_at)).where(SourceRow.enabled.is_(True))
        )
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
) -> None:
    """Pass after pass until `stop` is set, sleeping until the next source is due."""
    while not stop.is_set():
        on_report(run_pass(newsroom, progress=progress()))
        stop.wait(seconds_until_next_due(newsroom))
