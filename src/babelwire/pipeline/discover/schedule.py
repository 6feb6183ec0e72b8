"""When to poll a source next, and why: adaptive intervals, backoff, Retry-After.

A source that publishes every ten minutes is polled every five; one that
publishes twice a week is polled about daily. The interval is half the
median gap between the source's recent publications (so a new item waits at
most about half a gap), kept between the site's minimum and maximum. A
source that has gone quiet for longer than its usual rhythm slows down with
it. Failures back off exponentially, with jitter so that sources that failed
together (one host down) do not all come back in the same second.
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

    def bounded(self, min_minutes: int | None, max_minutes: int | None) -> Policy:
        """This policy with one source's own bounds, where it has them, in place of
        the site's."""
        low = min_minutes or self.min_minutes
        high = max_minutes or self.max_minutes
        return replace(self, min_minutes=low, max_minutes=max(low, high))


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
    times = sorted(set(published), reverse=True)[:HISTORY]
    if len(times) >= MIN_HISTORY:
        gaps = [(a - b).total_seconds() / 60 for a, b in itertools.pairwise(times)]
        gap = max(statistics.median(gaps), 1.0)
        quiet = (now - times[0]).total_seconds() / 60
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
