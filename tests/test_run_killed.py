"""A pass killed with SIGKILL in the middle resumes with nothing lost or duplicated."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from babelwire.demo.server import DemoServer, synthetic_outlet
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import add_source
from babelwire.model import Stage
from babelwire.newsroom import Newsroom
from babelwire.storage.tables import ArticleRow, EntryRow, StoryRow, TranslationRow

# A whole pass in a subprocess, killed and resumed: tens of seconds.
pytestmark = pytest.mark.slow

ARTICLES = 120


def _stages(newsroom: Newsroom) -> dict[str, int]:
    with newsroom.sessions() as session:
        return dict(
            session.execute(select(ArticleRow.stage, func.count()).group_by(ArticleRow.stage)).all()
        )


def test_killed_pass_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    outlet = synthetic_outlet(ARTICLES, words=300, language="es", slug="cronica")
    command = shutil.which("babelwire") or str(Path(sys.executable).parent / "babelwire")
    with DemoServer([outlet]) as server:
        root = tmp_path / "site"
        create_site(root, languages=["en", "es"])
        # Not about the quality gate: its sentences of random words are all to be shown.
        env = {
            **os.environ,
            "BABELWIRE_TRANSLATION_BATCH_ARTICLES": "10",
            "BABELWIRE_TRANSLATION_QUALITY_THRESHOLD": "0",
        }
        with Newsroom.open(root) as newsroom:
            add_source(newsroom, server.feed_url(outlet.slug), language="es")
            process = subprocess.Popen(
                [command, "run", "--once", "--site", str(root)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 120
            # kill it once some articles are published and others are still on the way
            while time.monotonic() < deadline:
                stages = _stages(newsroom)
                if stages.get(Stage.PUBLISHED.value, 0) >= 20:
                    break
                time.sleep(0.05)
            process.send_signal(signal.SIGKILL)
            process.wait()
            stages = _stages(newsroom)
            assert 0 < stages.get(Stage.PUBLISHED.value, 0) < ARTICLES, stages

            done = subprocess.run(
                [command, "run", "--once", "--site", str(root)],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            assert _stages(newsroom) == {Stage.PUBLISHED.value: ARTICLES}
            with newsroom.sessions() as session:
                assert session.scalar(select(func.count()).select_from(EntryRow)) == ARTICLES
                per_article = session.execute(
                    select(TranslationRow.article_id, func.count()).group_by(
                        TranslationRow.article_id
                    )
                ).all()
                assert len(per_article) == ARTICLES
                assert {count for _id, count in per_article} == {2}
                english = session.scalars(
                    select(TranslationRow).where(TranslationRow.language == "en")
                ).all()
                assert {t.status for t in english} == {"translated"}
                # every article in exactly one story, each assignment numbered once
                seqs = sorted(session.scalars(select(ArticleRow.story_seq)))
                assert seqs == list(range(1, ARTICLES + 1))
                counted = session.scalar(select(func.sum(StoryRow.article_count)))
                assert counted == ARTICLES
