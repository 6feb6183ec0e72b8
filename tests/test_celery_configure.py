"""The Celery application pointed at one broker and then another, in one process: each
message goes to the broker of the site it was configured for (a real Redis)."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest

from babelwire.config import Config
from babelwire.jobs.site import create_site
from tests.workers_harness import redis_broker, write_workers_settings

pytest.importorskip("celery")


def _config(root: Path, broker: str) -> Config:
    create_site(root, languages=["en", "es"])
    write_workers_settings(root, broker)
    return Config.load(root)


def _waiting(broker: str, queue: str) -> int:
    import redis

    client = redis.Redis.from_url(broker)
    try:
        return int(client.llen(queue))
    finally:
        client.close()


def test_a_second_broker_gets_the_messages_sent_after_configuring_for_it(tmp_path: Path) -> None:
    from babelwire.runners.celery.app import configure, task_name

    with ExitStack() as stack:
        first = stack.enter_context(redis_broker())
        second = first
        while second == first:  # each draws one of 15 databases: draw until they differ
            second = stack.enter_context(redis_broker())
        one = _config(tmp_path / "one", first)
        app = configure(one)
        app.send_task(task_name("publish"), args=[[1]], queue="publish")
        app = configure(_config(tmp_path / "two", second))
        app.send_task(task_name("publish"), args=[[2]], queue="publish")
        app.send_task(task_name("publish"), args=[[3]], queue="publish")
        assert _waiting(first, "publish") == 1
        assert _waiting(second, "publish") == 2
        # And back to the first: its connections still work.
        app = configure(one)
        app.send_task(task_name("publish"), args=[[4]], queue="publish")
        assert _waiting(first, "publish") == 2
