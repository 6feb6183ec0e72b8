"""Builds that follow the newsroom (jobs/live_builds.py): requests made while a build
runs are written by one build after it, not a build each; new entries are written by a
build of their own (`build_site_report(articles=...)`) before the rest; articles that
went live in another process are found by looking; each build records what it made
live; and
`babelwire run --build` keeps a static folder up to date. Real site, real builds."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from babelwire.clock import utcnow
from babelwire.demo.server import DemoServer
from babelwire.jobs.live_builds import LiveBuild, LiveBuilds
from babelwire.newsroom import Newsroom
from babelwire.publish import static
from babelwire.publish.static import build_site_report
from babelwire.storage.tables import ArticleRow
from tests.conftest import make_site
from tests.factory import make_article, make_source, make_translation, small_site


def _publish(room: Newsroom, source_id: int, title: str, seen_before: float = 0.0) -> int:
    """A live article in Spanish with its English translation, as the publish stage leaves
    it, first seen `seen_before` seconds before it went live."""
    with room.sessions.begin() as session:
        now = utcnow()
        article = make_article(
            session,
            source_id,
            title=title,
            first_published_at=now,
            seen_at=now - timedelta(seconds=seen_before),
        )
        make_translation(session, article, "es", "original")
        make_translation(session, article, "en")
        return int(article.id)


def _spanish_source(room: Newsroom) -> int:
    with room.sessions.begin() as session:
        return int(make_source(session, language="es").id)


def _built(room: Newsroom, article_id: int) -> bool:
    with room.sessions() as session:
        built = session.scalar(select(ArticleRow.built_at).where(ArticleRow.id == article_id))
    return built is not None


def _page_written(out: Path, article_id: int) -> bool:
    return any((out / "en" / "article").glob(f"{article_id}-*/index.html"))


def test_requests_made_while_a_build_runs_are_written_by_one_build_after_it(
    tmp_path: Path,
) -> None:
    with small_site(tmp_path / "site") as room:
        source_id = _spanish_source(room)
        _publish(room, source_id, "Primera")
        done: list[LiveBuild] = []
        holding, release = threading.Event(), threading.Event()

        def hold(build: LiveBuild) -> None:
            done.append(build)
            if len(done) == 2:  # the first build of the loop: hold it until told
                holding.set()
                assert release.wait(60)

        out = tmp_path / "out"
        builds = LiveBuilds(room, out, on_build=hold)
        assert builds.build_now().report.full
        builds.start()
        try:
            first = _publish(room, source_id, "Segunda")
            builds.request([first])
            assert holding.wait(60)
            # Three articles go live, each asking for a build, while that build runs.
            later = [_publish(room, source_id, f"Tercera {n}") for n in range(3)]
            for article_id in later:
                builds.request([article_id])
            assert not any(_built(room, i) for i in later)
            release.set()
            assert builds.wait_idle(120)
        finally:
            builds.stop()
        assert builds.requests == 4
        # The full one; the one held, for the first; one for the three asked meanwhile;
        # then one of everything that changed (nothing left to make live).
        assert builds.builds == 4
        assert [(b.fresh, b.went_live) for b in done] == [(0, 1), (1, 1), (3, 3), (0, 0)]
        assert not any(b.report.full for b in done[1:])
        for article_id in [first, *later]:
            assert _built(room, article_id)
            assert _page_written(out, article_id)


def test_a_complete_build_pauses_for_a_new_entry_and_goes_on_after_its_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with small_site(tmp_path / "site") as room:
        source_id = _spanish_source(room)
        _publish(room, source_id, "Primera")
        out = tmp_path / "out"
        done: list[LiveBuild] = []
        builds = LiveBuilds(room, out, on_build=done.append, slice_seconds=0.0)
        assert builds.build_now().report.full
        backlog = [_publish(room, source_id, f"Atrasada {n}", seen_before=3600) for n in range(3)]
        new: list[int] = []
        write_list = static.write_list

        def arrive_while_listing(*args: Any, **kwargs: Any) -> None:
            # The complete build is writing its lists when a new entry goes live.
            if not new:
                new.append(_publish(room, source_id, "Nueva"))
                builds.request(new)
            write_list(*args, **kwargs)

        monkeypatch.setattr(static, "write_list", arrive_while_listing)
        builds.start()
        try:
            builds.request()
            assert builds.wait_idle(120)
        finally:
            builds.stop()
        # The new entry's build came first, between two slices of the complete build.
        assert [(b.fresh, b.went_live) for b in done[1:3]] == [(1, 1), (0, 3)]
        assert done[2].slices >= 2
        for article_id in [*backlog, *new]:
            assert _built(room, article_id) and _page_written(out, article_id)


def test_builds_in_a_process_of_their_own_go_on_when_it_dies(tmp_path: Path) -> None:
    with small_site(tmp_path / "site") as room:
        source_id = _spanish_source(room)
        _publish(room, source_id, "Primera")
        out = tmp_path / "out"
        done: list[LiveBuild] = []
        builds = LiveBuilds(room, out, on_build=done.append, own_process=True)
        assert builds.build_now().report.full
        builds.start()
        try:
            first = _publish(room, source_id, "Segunda")
            builds.request([first])
            assert builds.wait_idle(120)
            assert _built(room, first) and _page_written(out, first)
            # the builds' process is killed between builds: the next build starts another
            pool = builds._pool
            assert pool is not None
            for pid in list(pool._processes):  # type: ignore[attr-defined]
                os.kill(pid, signal.SIGKILL)
            second = _publish(room, source_id, "Tercera")
            builds.request([second])
            assert builds.wait_idle(120)
            assert _built(room, second) and _page_written(out, second)
            assert builds._pool is not None and builds._pool is not pool
        finally:
            builds.stop()
        assert builds._pool is None  # stopped with the builds
        assert [b.fresh for b in done if b.fresh] == [1, 1]


def test_articles_that_went_live_in_another_process_are_found_by_looking(
    tmp_path: Path,
) -> None:
    with small_site(tmp_path / "site") as room:
        source_id = _spanish_source(room)
        out = tmp_path / "out"
        done: list[LiveBuild] = []
        builds = LiveBuilds(room, out, watch_seconds=0.1, on_build=done.append)
        builds.build_now()
        # No request: a push `serve` took, and a backlog article published, at once.
        with room.sessions.begin() as session:
            now = utcnow()
            pushed = make_article(session, source_id, title="Empujada", seen_at=now)
            backlog = make_article(
                session, source_id, title="Atrasada", seen_at=now - timedelta(hours=3)
            )
            for article in (pushed, backlog):
                make_translation(session, article, "es", "original")
                make_translation(session, article, "en")
        builds.start()
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not (
                _built(room, pushed.id) and _built(room, backlog.id)
            ):
                time.sleep(0.1)
            assert builds.wait_idle(120)
        finally:
            builds.stop()
        assert _page_written(out, pushed.id) and _page_written(out, backlog.id)
        assert builds.requests == 0
        # The new entry by a build of its own first, then the rest.
        assert [(b.fresh, b.went_live) for b in done[1:]] == [(1, 1), (0, 1)]


def test_a_build_of_named_articles_leaves_the_rest_to_the_next_build(tmp_path: Path) -> None:
    with small_site(tmp_path / "site") as room:
        source_id = _spanish_source(room)
        _publish(room, source_id, "Primera")
        out = tmp_path / "out"
        assert build_site_report(room, out, search_index=False).full
        new, other = (_publish(room, source_id, title) for title in ("Nueva", "Otra"))
        report = build_site_report(room, out, search_index=False, articles=[new])
        assert not report.full and report.articles_changed == 1
        assert _page_written(out, new) and not _page_written(out, other)
        feed = (out / "en" / "feed.xml").read_text(encoding="utf-8")  # the edition's list
        assert f"/en/article/{new}-" in feed
        report = build_site_report(room, out, search_index=False)
        assert _page_written(out, other)
        assert report.articles_changed >= 2  # both: the earlier build of `new` kept no time


@pytest.mark.slow
def test_run_with_build_keeps_the_static_folder_up_to_date(
    tmp_path: Path, demo_server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`babelwire run --build OUT`: what the passes publish is written to OUT, and live
    when the build that wrote it has finished, while the runner goes on."""
    monkeypatch.setenv("BABELWIRE_TRANSLATION_QUALITY_THRESHOLD", "0")  # every article shown
    root = tmp_path / "site"
    out = tmp_path / "public"
    total = sum(len(o.articles) for o in demo_server.outlets.values())
    with make_site(root, demo_server) as room:
        command = shutil.which("babelwire") or str(Path(sys.executable).parent / "babelwire")
        log = tmp_path / "run.log"
        with log.open("wb") as output:
            runner = subprocess.Popen(
                [command, "run", "--site", str(root), "--build", str(out)],
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and runner.poll() is None:
                with room.sessions() as session:
                    built = session.scalars(
                        select(ArticleRow.id).where(ArticleRow.built_at.is_not(None))
                    ).all()
                if len(built) == total:
                    break
                time.sleep(0.5)
            assert runner.poll() is None, log.read_text(errors="replace")
        finally:
            runner.send_signal(signal.SIGTERM)
            runner.wait(120)
        assert len(built) == total, log.read_text(errors="replace")
        for article_id in built:
            assert _page_written(out, article_id)
        assert (out / "es" / "index.html").exists()
        assert "full build" in log.read_text(errors="replace")
