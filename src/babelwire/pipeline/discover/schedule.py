"""When to poll a source next, and why: adaptive intervals, backoff, Retry-After.

A source that publishes every ten minutes is polled every five; one that
publishes twice a week is polled about daily. The interval is half the
median gap between the source's recent publications (so a new item waits at
most about half a gap), kept between the site's minimum and maximum. A
source that has gone quiet for longer than its usual rhythm slows down with
it. A hot source, one whose half-gap falls below the site's minimum, is polled
down to a floor of its own in seconds (`hot_interval`), unless the source has a
minimum interval of its own. Failures back off exponentially, with jitter so
that sources that failed together (one host down) do not all come back in the
same second.
"""

from __future__ import annotations

import itertools
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

__all__ = [
    "MAX_BACKOFF",
    "MAX_INTERVAL_MINUTES",
    "Policy",
    "after_failure",
    "after_success",
    "hot_interval",
    "human_duration",
]

MAX_BACKOFF = timedelta(hours=24)
# The longest interval a source's own bounds may ask for: a week.
MAX_INTERVAL_MINUTES = 7 * 24 * 60
HISTORY = 20  # recent publications looked at
MIN_HISTORY = 3


@dataclass(frozen=True, slots=True)
class Policy:
    default_minutes: int = 30
    min_minutes: int = 5
    max_minutes: int = 1440
    failing_after: int = 5
    hot_seconds: int | None = None  # the floor of a hot source (None: no hot sources)

    def bounded(self, min_minutes: int | None, max_minutes: int | None) -> Policy:
        """This policy with one source's own bounds, where it has them, in place of
        the site's; a source with a minimum of its own is never polled below it."""
        low = min_minutes or self.min_minutes
        high = max_minutes or self.max_minutes
        hot = self.hot_seconds if min_minutes is None else None
        return replace(self, min_minutes=low, max_minutes=max(low, high), hot_seconds=hot)


def human_duration(minutes: float) -> str:
    if minutes < 90:
        return f"{max(1, round(minutes))} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.0f} h"
    return f"{minutes / 1440:.0f} d"


def after_success(
    policy: Policy,
    *,
    current_minutes: int,
    published: Sequence[datetime],
    new_entries: int,
    now: datetime,
) -> tuple[int, str]:
    """The next interval (minutes) and the reason, after a poll that worked.

    `published` are the times of the source's recent entries (publication
    date, or when babelwire first saw them).
    """
    rhythm = _rhythm(published, now)
    if rhythm is not None:
        gap, quiet = max(rhythm[0], 1.0), rhythm[1]
        if quiet > 2 * gap:
            target, reason = quiet / 2, f"quiet for {human_duration(quiet)}"
        else:
            target, reason = gap / 2, f"publishes about every {human_duration(gap)}"
    elif new_entries == 0:
        target = current_minutes * 1.5
        reason = "nothing new and too little history; polling less often"
    else:
        target = current_minutes
        reason = "too little history yet; default interval"
    return _clamp(policy, target, reason)


def _rhythm(published: Sequence[datetime], now: datetime) -> tuple[float, float] | None:
    """The median gap between recent publications and the time since the last one
    (minutes), or None with too little history."""
    times = sorted(set(published), reverse=True)[:HISTORY]
    if len(times) < MIN_HISTORY:
        return None
    gaps = [(a - b).total_seconds() / 60 for a, b in itertools.pairwise(times)]
    return max(statistics.median(gaps), 1.0 / 60), (now - times[0]).total_seconds() / 60


# A hot source has gone quiet after this many of its median gaps without a post. Posts
# at random times (a Poisson process) are followed by a silence of k median gaps with
# probability 2**-k: two after one post in four, eight after one in 256. So a hot
# source stays hot through its ordinary silences, whose first post would otherwise
# wait for the minimum interval.
QUIET_GAPS = 8


def hot_interval(
    policy: Policy, *, published: Sequence[datetime], now: datetime
) -> tuple[float, str] | None:
    """Seconds until the next poll of a hot source, and the reason; None when the source
    is not hot: it has gone quiet (QUIET_GAPS of its gaps without a post), publishes
    less often than every two minimum intervals, or the policy has no hot floor. The
    floor is `policy.hot_seconds`."""
    rhythm = _rhythm(published, now)
    if policy.hot_seconds is None or rhythm is None:
        return None
    gap, quiet = rhythm
    half = gap / 2
    if quiet > QUIET_GAPS * gap or half >= policy.min_minutes:
        return None
    seconds = max(half * 60, float(policy.hot_seconds))
    reason = f"hot: publishes about every {human_duration(gap)}"
    if seconds <= policy.hot_seconds:
        return seconds, f"{reason} (at the hot floor, {policy.hot_seconds} s)"
    return seconds, reason


def _clamp(policy: Policy, minutes: float, reason: str) -> tuple[int, str]:
    if minutes <= policy.min_minutes:
        return policy.min_minutes, f"{reason} (at the minimum)"
    if minutes >= policy.max_minutes:
        return policy.max_minutes, f"{reason} (at the maximum)"
    return round(minutes), reason


def after_failure(
    policy: Policy,
    *,
    interval_minutes: int,
    failures: int,
    retry_after: float | None,
    rng: random.Random | None = None,
) -> tuple[timedelta, str, bool]:
    """Delay before the next try, the reason, and whether the source is now failing.

    `failures` counts this failure too.
    """
    rng = rng or random.Random()
    base = timedelta(minutes=interval_minutes) * (2 ** min(max(failures - 1, 0), 10))
    delay = min(base, MAX_BACKOFF) * rng.uniform(0.8, 1.2)
    delay = min(delay, MAX_BACKOFF)
    failing = failures >= policy.failing_after
    if failing:
        reason = f"failing: {failures} failures in a row; backing off"
    else:
        reason = f"failure {failures} in a row; backing off"
    if retry_after is not None and timedelta(seconds=retry_after) > delay:
        delay = min(timedelta(seconds=retry_after), MAX_BACKOFF)
        reason = f"server asked to wait {human_duration(retry_after / 60)} (Retry-After)"
    return delay, reason, failing
