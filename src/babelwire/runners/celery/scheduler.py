"""The scheduler: every `workers.poll_seconds`, send due sources and waiting articles.

One round sends each due source to the fetch queue and every article waiting for a
stage to that stage's queue, unless a task sent within `workers.requeue_after` is
already on its way to it or it is in the dead letters. So the work of a message the
broker lost (a Redis restart without persistence) is sent again, and nothing else is.
Run one scheduler per site; a second one only sends duplicates, which change nothing.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from babelwire.jobs.refresh import due_source_ids
from babelwire.jobs.stages.steps import pending_article_ids
from babelwire.jobs.tags import refresh_if_due
from babelwire.jobs.task_runs import mark_lost, on_the_way
from babelwire.model import STEP_INPUT, Step
from babelwire.newsroom import Newsroom
from babelwire.runners.celery.dispatch import send

log = logging.getLogger("babelwire.scheduler")


@dataclass(slots=True)
class Round:
    """What one round sent: items per stage (sources for fetch, articles for the rest)."""

    sent: dict[str, int] = field(default_factory=dict)
    tasks: int = 0
    lost: int = 0  # tasks not heard of within workers.requeue_after


def schedule_round(newsroom: Newsroom) -> Round:
    """Send due sources and waiting articles to the queues."""
    window = timedelta(seconds=newsroom.config.settings.workers.requeue_after)
    result = Round()
    result.lost = mark_lost(newsroom, window)
    sources = due_source_ids(newsroom)
    work: dict[str, list[int]] = {Step.FETCH: sources}
    for stage, waiting in STEP_INPUT.items():
        work[stage] = pending_article_ids(newsroom, waiting)
    for stage, ids in work.items():
        sent = on_the_way(newsroom, stage, window)
        todo = [i for i in ids if i not in sent]
        result.sent[str(stage)] = len(todo)  # plain names: the round is logged
        result.tasks += send(newsroom, stage, todo)
    refresh_if_due(newsroom)  # recurring names: now and then, not per article
    if newsroom.config.settings.websub.enabled:
        from babelwire.jobs.websub import maintain

        maintain(newsroom)  # subscribe to the hubs the polled feeds name, renew, end
    return result


def run_scheduler(newsroom: Newsroom, *, stop: threading.Event) -> None:
    """Round after round until `stop` is set; a round that fails (broker or database
    away) is logged and the next one tries again."""
    pause = newsroom.config.settings.workers.poll_seconds
    while not stop.is_set():
        try:
            sent = schedule_round(newsroom)
            if sent.tasks or sent.lost:
                log.info("sent %d tasks: %s; %d lost", sent.tasks, sent.sent, sent.lost)
        except Exception as exc:
            log.error("scheduling round failed: %s", exc)
        stop.wait(pause)
