"""The stage tasks, and the newsroom each worker process opens once.

Every task is keyed by its task id in task_runs: each delivery counts a try there, so
a task that keeps killing its worker (a hard time limit, an out-of-memory kill) is
given up on like one that keeps raising. A failing task is retried with exponential
backoff; after `workers.max_retries` retries a batch is split into one task per item,
and a single item that still fails goes to the dead letters. A try that met a database
outage (a connection ended, the server away) is not held against the task: it is tried
again, with the same backoff, for as long as the outage lasts. These limits are
babelwire's, so Celery's own is off (`max_retries=None` on each task).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from celery import Task
from celery.signals import worker_process_init, worker_process_shutdown

from babelwire.config import Config
from babelwire.jobs.dead_letters import add_dead_letter
from babelwire.jobs.stages.steps import ARTICLE_STEPS
from babelwire.jobs.task_runs import DEAD, DONE, RETRY, SPLIT, finish_run, start_run
from babelwire.model import Step
from babelwire.newsroom import Newsroom
from babelwire.runners.celery.app import CARRY_TASK, SITE_VARIABLE, app
from babelwire.runners.celery.dispatch import send, send_fast_lane
from babelwire.runners.celery.stages import NEXT_STEP, Outcome, carry, work_on
from babelwire.storage.database import is_database_failure

log = logging.getLogger("babelwire.worker")
QUEUES_VARIABLE = "BABELWIRE_WORKER_QUEUES"

_newsroom: Newsroom | None = None


def open_worker_newsroom() -> Newsroom:
    """The site of this worker (its folder in BABELWIRE_SITE), schema not migrated here:
    `babelwire db upgrade` does that once, not every worker process at once."""
    config = Config.load(Path(os.environ[SITE_VARIABLE]))
    return Newsroom.from_config(config, migrate=False)


def worker_newsroom() -> Newsroom:
    global _newsroom
    if _newsroom is None:
        _newsroom = open_worker_newsroom()
    return _newsroom


@worker_process_init.connect
def _open_newsroom(**_: Any) -> None:
    """One newsroom per worker process, opened after the fork: its own database pool, and
    for a translate worker its engines and models, loaded once rather than per task."""
    global _newsroom
    _newsroom = None  # never use a pool inherited from the parent
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per page fetched
    newsroom = worker_newsroom()
    if Step.TRANSLATE in os.environ.get(QUEUES_VARIABLE, Step.TRANSLATE).split(","):
        try:
            newsroom.translators.routes(*_first_pair(newsroom))
        except Exception as exc:  # the tasks will fail on it, be retried and dead-lettered
            log.error("translation engines could not be loaded: %s", exc)


def _first_pair(newsroom: Newsroom) -> tuple[str, str]:
    languages = newsroom.config.languages
    return (languages[-1], languages[0]) if len(languages) > 1 else ("es", languages[0])


@worker_process_shutdown.connect
def _close_newsroom(**_: Any) -> None:
    global _newsroom
    if _newsroom is not None:
        _newsroom.close()
        _newsroom = None


def backoff(newsroom: Newsroom, tries: int) -> float:
    """Seconds before the next try: retry_backoff, doubled each try, at most retry_backoff_max."""
    base = newsroom.config.settings.workers.retry_backoff
    ceiling = newsroom.config.settings.workers.retry_backoff_max
    return float(min(ceiling, base * 2 ** max(0, tries - 1)))


def run_stage_task(
    task: Task,
    stage: str,
    ids: list[int],
    outages: int = 0,
    work: Callable[[Newsroom, list[int]], Outcome] | None = None,
) -> dict[str, int]:
    """Run one delivery of a stage task. `outages` counts the earlier tries that met a
    database outage: they are counted in task_runs like any try, but allowed on top.
    `work` stands in for the stage's own (the fast lane's carry, recorded as extract)."""
    newsroom = worker_newsroom()
    task_id = str(task.request.id)
    fields = {"stage": stage, "task_id": task_id}  # of each log record (--log-format json)
    worker = f"{task.request.hostname or socket.gethostname()}:{os.getpid()}"
    allowed = newsroom.config.settings.workers.max_retries + 1 + outages
    try:
        start = start_run(newsroom, task_id=task_id, stage=stage, items=ids, worker=worker)
    except Exception as exc:  # the database is away: try again later, no try counted
        delay = backoff(newsroom, int(task.request.retries or 0) + 1)
        log.warning(
            "%s %s could not start, again in %.1f s: %s", stage, task_id, delay, exc, extra=fields
        )
        raise task.retry(exc=exc, countdown=delay) from exc
    if start.tries > allowed:
        # Delivered again after its worker died on every try: it never got to raise.
        _give_up_or_retry(
            task, newsroom, stage, ids, start.tries - 1, "the worker died on every try"
        )
        return {"done": 0, "failed": len(ids)}
    began = time.perf_counter()
    try:
        outcome = work(newsroom, ids) if work else work_on(newsroom, stage, ids)
        _send_on(newsroom, stage, outcome)
        # Recorded inside the try: if the database goes away here, the retry finds the
        # work done, sends nothing twice and records it then.
        finish_run(
            newsroom,
            task_id=task_id,
            outcome=DONE,
            seconds=time.perf_counter() - began,
            done=outcome.done,
            failed=outcome.failed,
            words=outcome.words,
        )
    except Exception as exc:
        seconds = time.perf_counter() - began
        error = f"{type(exc).__name__}: {exc}"
        if is_database_failure(exc):
            delay = backoff(newsroom, outages + 1)
            log.warning(
                "%s %s met a database outage, again in %.1f s: %s",
                stage,
                task_id,
                delay,
                error,
                extra=fields,
            )
            _quietly(
                lambda: finish_run(
                    newsroom, task_id=task_id, outcome=RETRY, seconds=seconds, error=error
                )
            )
            raise task.retry(
                exc=exc,
                countdown=delay,
                kwargs={**(task.request.kwargs or {}), "outages": outages + 1},
            ) from exc
        if start.tries < allowed:
            delay = backoff(newsroom, start.tries)
            log.warning(
                "%s %s failed (try %d), again in %.1f s: %s",
                stage,
                task_id,
                start.tries,
                delay,
                error,
                extra=fields,
            )
            _quietly(
                lambda: finish_run(
                    newsroom, task_id=task_id, outcome=RETRY, seconds=seconds, error=error
                )
            )
            raise task.retry(exc=exc, countdown=delay) from exc
        log.error("%s %s failed %d times: %s", stage, task_id, start.tries, error, extra=fields)
        _give_up_or_retry(task, newsroom, stage, ids, start.tries, traceback.format_exc())
        return {"done": 0, "failed": len(ids)}
    return {"done": outcome.done, "failed": outcome.failed}


def _send_on(newsroom: Newsroom, stage: str, outcome: Outcome) -> None:
    """What a batch moved on goes to the next stage; new entries, to the fast lane."""
    following = outcome.next_stage or NEXT_STEP.get(stage)
    if not following or not outcome.next_ids:
        return
    fast = outcome.new_ids if newsroom.config.settings.translation.fast_lane else []
    send_fast_lane(newsroom, fast)
    chosen = set(fast)
    send(newsroom, following, [i for i in outcome.next_ids if i not in chosen])


def _give_up_or_retry(
    task: Task, newsroom: Newsroom, stage: str, ids: list[int], tries: int, error: str
) -> None:
    """Give up on the task; if even that fails (the database is away), come back later:
    the next delivery finds its tries spent and gives up then."""
    try:
        _give_up(newsroom, str(task.request.id), stage, ids, tries, error)
    except Exception as exc:
        delay = backoff(newsroom, tries)
        log.warning(
            "%s %s could not be given up, again in %.1f s: %s", stage, task.request.id, delay, exc
        )
        raise task.retry(exc=exc, countdown=delay) from exc


def _give_up(
    newsroom: Newsroom, task_id: str, stage: str, ids: list[int], tries: int, error: str
) -> None:
    """A batch is split into one task per item; a single item goes to the dead letters."""
    if len(ids) > 1:
        send(newsroom, stage, ids, size=1)
        finish_run(newsroom, task_id=task_id, outcome=SPLIT, seconds=0.0, error=error)
        return
    add_dead_letter(newsroom, task_id=task_id, stage=stage, items=ids, tries=tries, error=error)
    finish_run(newsroom, task_id=task_id, outcome=DEAD, seconds=0.0, error=error)


def _quietly(action: Callable[[], None]) -> None:
    """Bookkeeping that must not stop a retry (the database may be what failed)."""
    try:
        action()
    except Exception as exc:
        log.warning("could not record the task run: %s", exc)


@app.task(name="babelwire.fetch", bind=True, max_retries=None)
def fetch(self: Task, source_ids: list[int], outages: int = 0) -> dict[str, int]:
    """Poll due sources; send their new and changed articles to extract."""
    return run_stage_task(self, Step.FETCH, [int(i) for i in source_ids], outages)


@app.task(name="babelwire.extract", bind=True, max_retries=None)
def extract(self: Task, article_ids: list[int], outages: int = 0) -> dict[str, int]:
    """Fetch and extract articles; send them to translate."""
    return run_stage_task(self, Step.EXTRACT, [int(i) for i in article_ids], outages)


@app.task(name="babelwire.translate", bind=True, max_retries=None)
def translate(self: Task, article_ids: list[int], outages: int = 0) -> dict[str, int]:
    """Translate articles into every edition; send them to publish."""
    return run_stage_task(self, Step.TRANSLATE, [int(i) for i in article_ids], outages)


@app.task(name="babelwire.publish", bind=True, max_retries=None)
def publish(self: Task, article_ids: list[int], outages: int = 0) -> dict[str, int]:
    """File articles under a section and make them visible."""
    return run_stage_task(self, Step.PUBLISH, [int(i) for i in article_ids], outages)


@app.task(name=CARRY_TASK, bind=True, max_retries=None)
def carry_task(self: Task, article_ids: list[int], outages: int = 0) -> dict[str, int]:
    """Carry new articles through extract, translate and publish, ahead of the stage queues
    (the stages whose queues this worker takes; the next one's queue gets the rest)."""
    taken = set(os.environ.get(QUEUES_VARIABLE, "").split(",")) & set(ARTICLE_STEPS)
    stages = taken or set(ARTICLE_STEPS)  # a worker of the fast lane alone: every stage
    return run_stage_task(
        self,
        Step.EXTRACT,
        [int(i) for i in article_ids],
        outages,
        lambda newsroom, ids: carry(newsroom, ids, stages),
    )
