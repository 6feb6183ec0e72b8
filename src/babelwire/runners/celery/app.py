"""The Celery application and its settings, read from the site's `[workers]` table.

Crash safety comes from the broker settings here: a message is acknowledged only when
its task has finished (acks_late), a task whose worker process died is put back on
its queue (reject_on_worker_lost), and each worker process takes one message at a time
(prefetch multiplier 1), so a killed worker holds no more than the task it was running.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from celery import Celery

from babelwire.config import Config, ConfigError
from babelwire.model import STEPS, Step

STEP_QUEUES = STEPS  # one queue per step
# New entries, each carried through every article stage by one task (jobs/fast_lane.py),
# on a queue of their own that workers take from before the stage queues.
FAST_LANE_QUEUE = "fast_lane"
CARRY_TASK = "babelwire.carry"
QUEUES = (FAST_LANE_QUEUE, *STEP_QUEUES)
SITE_VARIABLE = "BABELWIRE_SITE"

app = Celery("babelwire", include=["babelwire.runners.celery.tasks"])


# The order a worker takes from its queues (on Redis strictly): polls first (they are
# few and feed the fast lane), then the later stages before the earlier ones, so that
# articles on their way are published before more of a backlog is started.
TAKE_ORDER = (Step.FETCH, Step.PUBLISH, Step.TRANSLATE, Step.EXTRACT)


def fast_lane_first(queues: list[str]) -> list[str]:
    """The queues a worker takes from, in order: the fast lane first, and with it any
    worker of the extract queue (new entries never wait for a worker of their own),
    then the stage queues in TAKE_ORDER."""
    rest = sorted(
        (q for q in dict.fromkeys(queues) if q != FAST_LANE_QUEUE),
        key=lambda q: TAKE_ORDER.index(q) if q in TAKE_ORDER else len(TAKE_ORDER),
    )
    if FAST_LANE_QUEUE in queues or Step.EXTRACT in rest:
        return [FAST_LANE_QUEUE, *rest]
    return rest


def task_name(stage: str) -> str:
    return f"babelwire.{stage}"


def celery_settings(config: Config) -> dict[str, Any]:
    """The Celery settings for a site (ConfigError when workers are not set up)."""
    broker = config.settings.workers.broker_url
    if not broker:
        raise ConfigError(
            "workers.broker_url is empty: set it in [workers] of babelwire.toml or "
            "BABELWIRE_WORKERS_BROKER_URL (redis://host:6379/0 or amqp://user:pass@host//)"
        )
    if not broker.startswith(("redis://", "rediss://", "amqp://", "amqps://", "pyamqp://")):
        raise ConfigError(f"workers.broker_url: {broker!r} is neither a Redis nor an AMQP URL")
    soft = config.settings.workers.soft_time_limit
    hard = config.settings.workers.time_limit
    if hard <= soft:
        raise ConfigError(
            f"workers.time_limit ({hard}) must be longer than workers.soft_time_limit ({soft})"
        )
    backend = config.settings.workers.result_backend or None
    visibility = config.settings.workers.visibility_timeout
    return {
        "broker_url": broker,
        "result_backend": backend,
        "task_ignore_result": backend is None,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # A task that raised was retried or dead-lettered by babelwire: acknowledge it.
        # One killed at the hard time limit goes back on its queue, and its tries count.
        "task_acks_on_failure": True,
        "task_acks_on_timeout": False,
        "worker_prefetch_multiplier": 1,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "task_soft_time_limit": soft,
        "task_time_limit": hard,
        "task_default_queue": Step.EXTRACT,
        "task_routes": {
            CARRY_TASK: {"queue": FAST_LANE_QUEUE},
            **{task_name(stage): {"queue": stage} for stage in STEP_QUEUES},
        },
        "task_serializer": "json",
        "accept_content": ["json"],
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            # Redis: a message taken by a worker that died is put back once the timeout
            # has passed; look for such messages often enough for the timeout to matter.
            "visibility_timeout": visibility,
            "unacked_restore_interval": max(1, min(10, visibility // 4)),
            "unacked_restore_throttle": 1,
            # Redis: a worker takes from its queues in the order given (the fast lane first),
            # not in turn.
            "queue_order_strategy": "priority",
        },
        "worker_send_task_events": False,
        "broker_pool_limit": 4,
    }


def configure(config: Config) -> Celery:
    """Point the application at the site's broker; the site's folder goes to the workers.

    Pointed at another broker than before (a process that serves several sites, or runs
    several tests), the application lets go of its connection and producer pools first:
    it keeps them, and would go on sending to the old broker.
    """
    settings = celery_settings(config)
    if app.configured and app.conf.broker_url != settings["broker_url"]:
        _forget_connections()
    app.conf.update(settings)
    os.environ[SITE_VARIABLE] = str(config.root)
    return app


def _forget_connections() -> None:
    """Let go of the application's pools, so the next message takes the pools of the
    broker configured now. They are not closed: they are kombu's, shared by broker URL,
    and configuring the first broker again takes them up again."""
    app._pool = None
    with contextlib.suppress(AttributeError, KeyError):
        app.__dict__["amqp"]._producer_pool = None


def queue_depths(config: Config) -> dict[str, int | None]:
    """Messages waiting on each queue, from the broker (None: not reachable)."""
    configure(config)
    depths: dict[str, int | None] = dict.fromkeys(QUEUES)
    try:
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1)
            channel = connection.default_channel
            for name in QUEUES:
                try:
                    depths[name] = int(channel.queue_declare(queue=name, passive=True)[1])
                except Exception:  # the queue does not exist yet: nothing waits on it
                    depths[name] = 0
                    channel = connection.channel()
    except Exception:
        return dict.fromkeys(QUEUES)
    return depths


# `celery -A babelwire.runners.celery.app worker` finds its site the same way
# (`babelwire worker` configures the application itself, with clear errors).
if os.environ.get(SITE_VARIABLE):
    with contextlib.suppress(ConfigError):
        configure(Config.load(Path(os.environ[SITE_VARIABLE])))
