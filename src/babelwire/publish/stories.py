"""Which stories lead an edition's front page: the biggest, as they age.

The stories themselves are read through `babelwire.storage.published.stories`.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from babelwire.storage import Session
from babelwire.storage.published.stories import StoryTeaser, recent_stories, story_teasers


def score(source_count: int, last_seen: datetime, now: datetime, half_life_hours: float) -> float:
    """How prominently a story leads: its sources, halved every `half_life_hours` of age."""
    age = max(0.0, (now - last_seen).total_seconds() / 3600)
    return source_count * math.pow(0.5, age / max(half_life_hours, 0.01))


def top_stories(
    session: Session,
    language: str,
    now: datetime,
    *,
    hours: float,
    half_life_hours: float,
    min_sources: int,
    limit: int,
) -> tuple[StoryTeaser, ...]:
    """The biggest recent stories shown in an edition, by time-decayed source count."""
    if limit < 1:
        return ()
    candidates = recent_stories(session, now - timedelta(hours=hours), min_sources)
    candidates.sort(key=lambda row: -score(row[1], row[2], now, half_life_hours))
    teasers = story_teasers(session, language, [row[0] for row in candidates])
    return tuple(t for t in teasers if t.source_count >= min_sources)[:limit]
