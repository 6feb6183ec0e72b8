"""The fetch stage of a worker, in this process: which sources of a batch it polls.

A batch can name a source that is no longer due (a task delivered twice), one
disabled since it was sent, or one removed: each of those is skipped with no
request, and only what was polled is handed on to extraction.
"""

from __future__ import annotations

from pathlib import Path

from babelwire.demo.server import DemoServer
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import add_source
from babelwire.model import Stage
from babelwire.newsroom import Newsroom
from babelwire.runners.celery.stages import work_on
from babelwire.storage import articles, sources


def _feed_requests(server: DemoServer, slug: str) -> int:
    path = server.outlets[slug].feed_path
    return sum(1 for requested, _agent in server.requests if requested == path)


def test_a_fetch_batch_polls_only_its_due_sources_once(
    tmp_path: Path, database_url: str, demo_server: DemoServer
) -> None:
    create_site(tmp_path / "site", languages=["en", "es"], database_url=database_url)
    with Newsroom.open(tmp_path / "site") as newsroom:
        due = add_source(newsroom, demo_server.feed_url("harbour-courier"), allow_private=True)
        off = add_source(newsroom, demo_server.feed_url("diari-de-portvell"), allow_private=True)
        with newsroom.sessions.begin() as session:
            row = sources.load_source(session, off.id)
            assert row is not None
            row.enabled = False
        removed = off.id + 1000

        first = work_on(newsroom, "fetch", [due.id, off.id, removed])

        assert (first.done, first.failed, first.skipped) == (1, 0, 2)
        assert first.next_ids
        with newsroom.sessions() as session:
            waiting = articles.ids_at_stage(session, first.next_ids, Stage.DISCOVERED.value)
        assert waiting == sorted(first.next_ids)
        assert _feed_requests(demo_server, "harbour-courier") == 1
        assert _feed_requests(demo_server, "diari-de-portvell") == 0

        again = work_on(newsroom, "fetch", [due.id])  # the same task delivered twice

        assert (again.done, again.failed, again.skipped) == (0, 0, 1)
        assert again.next_ids == []
        assert _feed_requests(demo_server, "harbour-courier") == 1
