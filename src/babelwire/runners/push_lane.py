"""Pushed content is processed at once: in this process, one source at a time, or by
the Celery workers when `workers.broker_url` is set (each pushed article a task of the
`fast_lane` queue, as a new entry a poll finds is).

A flood of pushes for one source does not start a flood of work: while a source's
push is being processed, the pushes that arrive for it are merged (their articles
together, one feed fetch for any number of pings) and processed together next.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from babelwire.clock import utcnow
from babelwire.jobs.websub import Pushed, process_pushed
from babelwire.model import Step
from babelwire.newsroom import Newsroom

__all__ = ["PushLane"]

log = logging.getLogger("babelwire.websub")


@dataclass(slots=True)
class _Waiting:
    article_ids: dict[int, None] = field(default_factory=dict)  # in order, once each
    fetch_feed: bool = False


class PushLane:
    """Where the callback hands what a hub pushed."""

    def __init__(self, newsroom: Newsroom) -> None:
        self.newsroom = newsroom
        self._waiting: dict[int, _Waiting] = {}
        self._running: set[int] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self.merged = 0  # pushes merged into work already waiting (for the tests and logs)
        self._configured = False  # the Celery application pointed at the site's broker

    def submit(self, pushed: Pushed) -> None:
        if not pushed.article_ids and not pushed.fetch_feed:
            return
        if self.newsroom.config.settings.workers.broker_url:
            self._send(pushed)
            return
        with self._lock:
            waiting = self._waiting.setdefault(pushed.source_id, _Waiting())
            waiting.article_ids.update(dict.fromkeys(pushed.article_ids))
            waiting.fetch_feed = waiting.fetch_feed or pushed.fetch_feed
            if pushed.source_id in self._running:
                self.merged += 1
                return
            self._running.add(pushed.source_id)
        name = f"babelwire-push-{pushed.source_id}"
        threading.Thread(
            target=self._work, args=(pushed.source_id,), name=name, daemon=True
        ).start()

    def _work(self, source_id: int) -> None:
        while True:
            with self._lock:
                waiting = self._waiting.pop(source_id, None)
                if waiting is None:
                    self._running.discard(source_id)
                    self._idle.notify_all()
                    return
            try:
                done = process_pushed(
                    self.newsroom,
                    source_id,
                    list(waiting.article_ids),
                    fetch_feed=waiting.fetch_feed,
                )
                log.info("websub: source %s pushed: %s", source_id, done.done or "nothing new")
            except Exception:
                log.exception("websub: processing what source %s pushed failed", source_id)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no push is being processed; whether that happened within `timeout`."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._running, timeout)

    def _send(self, pushed: Pushed) -> None:
        """To the workers: a ping has the source polled (its new entries then take the
        fast lane, as any poll's do); pushed articles take the fast lane themselves, one
        task each, ahead of the backlog on the stage queues."""
        from babelwire.runners.celery.app import configure
        from babelwire.runners.celery.dispatch import send, send_fast_lane
        from babelwire.storage import sources

        if not self._configured:  # this process's Celery application: the site's broker
            configure(self.newsroom.config)
            self._configured = True
        if pushed.fetch_feed:
            with self.newsroom.sessions.begin() as session:
                sources.make_due(session, pushed.source_id, utcnow())
            send(self.newsroom, Step.FETCH, [pushed.source_id])
        if self.newsroom.config.settings.translation.fast_lane:
            send_fast_lane(self.newsroom, list(pushed.article_ids))
        else:
            send(self.newsroom, Step.EXTRACT, list(pushed.article_ids))
