"""How fresh the news is: from a source's publication, and from babelwire first seeing
an article, to the article going live here, as p50 and p95 over the last hour and the
last day, overall and for the slowest sources. `babelwire status` and `/metrics` show
the same figures, read from the database (storage/freshness.py says what "live" is).

A static build records when it finished on the articles it wrote for the first time
(`record_build`): on a site exported with `babelwire build`, that is when they went live.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from babelwire.clock import utcnow
from babelwire.newsroom import Site
from babelwire.storage import freshness as queries
from babelwire.storage.freshness import MEASURES, QUANTILES, Delays, SourceDelays

__all__ = [
    "MEASURES",
    "QUANTILES",
    "WINDOWS",
    "Delays",
    "Freshness",
    "SourceDelays",
    "freshness",
    "record_build",
]

# The windows looked back over, by the name /metrics gives them.
WINDOWS = {"1h": timedelta(hours=1), "24h": timedelta(hours=24)}
# The window the slowest sources are ranked over.
SOURCES_WINDOW = "24h"


@dataclass(frozen=True, slots=True)
class Freshness:
    """Each window's delays by measure, and the slowest sources over the last day."""

    windows: dict[str, dict[str, Delays]]
    slowest: list[SourceDelays]


def freshness(site: Site, *, sources: int = 5, now: datetime | None = None) -> Freshness:
    """The delays over each window and the `sources` slowest sources of the last day."""
    now = now or utcnow()
    with site.sessions() as session:
        windows = {
            name: queries.window_delays(session, now - length) for name, length in WINDOWS.items()
        }
        slowest = (
            queries.slowest_sources(session, now - WINDOWS[SOURCES_WINDOW], sources)
            if sources > 0
            else []
        )
    return Freshness(windows, slowest)


def record_build(
    site: Site,
    started: datetime,
    finished: datetime | None = None,
    articles: Collection[int] | None = None,
) -> int:
    """A static build that began at `started` has finished: the articles published before
    it began that no build wrote yet (of `articles`, for a build of those only) went live
    when it finished. How many."""
    with site.sessions.begin() as session:
        return queries.mark_built(session, started, finished or utcnow(), articles)
