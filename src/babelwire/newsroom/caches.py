"""What one process keeps between calls: the open stories it has read, and when each
host may next be polled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

# The clusterer brings datasketch and scipy: loaded by the story job that builds one,
# not by every command that opens the newsroom.
if TYPE_CHECKING:
    from babelwire.pipeline.dedup.stories import StoryClusterer


@dataclass(slots=True)
class StoryDesk:
    """One process's view of the open stories, and the counter it has caught up with."""

    clusterer: StoryClusterer
    pivot: str
    window: timedelta
    seq: int = -1  # -1: not read from the database yet
    load_seconds: float = 0.0  # what the last full read took
    loads: int = 0
    synced: list[int] = field(default_factory=list)  # stories read back by the last catch-up


@dataclass
class Caches:
    """Per-process state a newsroom keeps; another process keeps its own."""

    # The open stories (jobs/stories.py reads them on first use, drops them to reload).
    story_desk: StoryDesk | None = None
    # Each host's earliest next feed request (time.monotonic), kept from one polling
    # round to the next so that frequent rounds keep the host delay (jobs/refresh.py).
    host_next_poll: dict[str, float] = field(default_factory=dict)
