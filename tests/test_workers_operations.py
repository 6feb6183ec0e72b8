"""Operating either runner: `babelwire status` after `babelwire run`, the schema check
workers make before they start, `babelwire db upgrade`, and settings refused clearly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy import func, select
from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.config import Config, ConfigError
from babelwire.jobs.run import run_pass
from babelwire.newsroom import Newsroom
from babelwire.runners.celery.app import celery_settings
from babelwire.storage.database import MIGRATIONS, make_engine
from babelwire.storage.tables import TaskRunRow

runner = CliRunner()


@pytest.mark.slow
def test_status_after_the_embedded_runner(newsroom: Newsroom) -> None:
    report = run_pass(newsroom)
    assert report.ok
    with newsroom.sessions() as session:
        stages = dict(
            session.execute(
                select(TaskRunRow.stage, func.sum(TaskRunRow.done))
                .where(TaskRunRow.runner == "embedded")
                .group_by(TaskRunRow.stage)
            ).all()
        )
        seconds = dict(
            session.execute(
                select(TaskRunRow.stage, func.sum(TaskRunRow.seconds))
                .where(TaskRunRow.runner == "embedded")
                .group_by(TaskRunRow.stage)
            ).all()
        )
    published = report.stage_articles["publish"]
    assert stages["publish"] == published and stages["fetch"] == len(report.sources)
    result = runner.invoke(app, ["status", "--site", str(newsroom.config.root)])
    assert result.exit_code == 0, result.output
    assert f"published {published}" in result.output
    assert "Queues: none (workers.broker_url is empty" in result.output
    # Which stage took longest depends on the machine's load: status names the one whose
    # recorded runs took the most time.
    slowest = max(seconds, key=lambda stage: seconds[stage] or 0.0)
    assert f"Slowest stage: {slowest}," in result.output
    assert re.search(r"Translation: [1-9]\d* words in [\d.]+ s, \d+ words/s", result.output)
    assert "Dead letters: 0" in result.output


def test_workers_wait_for_db_upgrade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    assert runner.invoke(app, ["init", str(site)]).exit_code == 0
    engine = make_engine(Config.load(site).database_url)
    alembic = AlembicConfig()
    alembic.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        alembic.attributes["connection"] = connection
        command.downgrade(alembic, "0008")  # as a database of the previous version is
    engine.dispose()
    monkeypatch.setenv("BABELWIRE_WORKERS_BROKER_URL", "redis://127.0.0.1:6379/15")
    refused = runner.invoke(app, ["worker", "--site", str(site)])
    assert refused.exit_code == 2
    assert "babelwire db upgrade" in refused.output and "0008" in refused.output
    upgraded = runner.invoke(app, ["db", "upgrade", "--site", str(site)])
    assert upgraded.exit_code == 0, upgraded.output
    head = ScriptDirectory.from_config(alembic).get_current_head()
    assert f"from 0008 to {head}" in upgraded.output
    again = runner.invoke(app, ["db", "upgrade", "--site", str(site)])
    assert "up to date" in again.output


def test_worker_settings_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    assert runner.invoke(app, ["init", str(site)]).exit_code == 0
    monkeypatch.delenv("BABELWIRE_WORKERS_BROKER_URL", raising=False)
    with pytest.raises(ConfigError, match=r"workers\.broker_url is empty"):
        celery_settings(Config.load(site))
    nameless = runner.invoke(app, ["worker", "--site", str(site)])
    assert nameless.exit_code == 2 and "workers.broker_url is empty" in nameless.output
    with pytest.raises(ConfigError, match="neither a Redis nor an AMQP"):
        celery_settings(Config.load(site, env={"BABELWIRE_WORKERS_BROKER_URL": "http://x"}))
    limits = {
        "BABELWIRE_WORKERS_BROKER_URL": "redis://127.0.0.1:6379/0",
        "BABELWIRE_WORKERS_TIME_LIMIT": "10",
        "BABELWIRE_WORKERS_SOFT_TIME_LIMIT": "20",
    }
    with pytest.raises(ConfigError, match="must be longer"):
        celery_settings(Config.load(site, env=limits))
    settings = celery_settings(
        Config.load(site, env={**limits, "BABELWIRE_WORKERS_TIME_LIMIT": "30"})
    )
    assert settings["task_acks_late"] and settings["task_reject_on_worker_lost"]
    assert settings["worker_prefetch_multiplier"] == 1
    assert settings["task_routes"]["babelwire.translate"] == {"queue": "translate"}
    monkeypatch.setenv("BABELWIRE_WORKERS_BROKER_URL", "redis://127.0.0.1:6379/15")
    bad_queue = runner.invoke(app, ["worker", "--site", str(site), "--queues", "fetch,print"])
    assert bad_queue.exit_code == 2 and "unknown queue" in bad_queue.output
