"""Claims: at most one worker works on an article (or a source) at a stage at a time.

A claim is keyed by stage and id and held while the stage runs (on PostgreSQL an
advisory lock, see storage/locks.py: a worker that dies loses its claims). Ids
another worker holds are left out: that worker is on them, and if it dies its
task is delivered again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from babelwire.model import Step
from babelwire.newsroom import Newsroom
from babelwire.storage import locks

# The first half of the two-part advisory lock key: one number per step.
STEP_KEYS: dict[str, int] = {
    Step.FETCH: 7301,
    Step.EXTRACT: 7302,
    Step.TRANSLATE: 7303,
    Step.PUBLISH: 7304,
}


@contextmanager
def claimed(newsroom: Newsroom, stage: str, ids: Sequence[int]) -> Iterator[list[int]]:
    """The ids of `ids` this process could claim for `stage`, held until the block ends."""
    with locks.claim(newsroom.db, STEP_KEYS[stage], ids) as mine:
        yield mine
