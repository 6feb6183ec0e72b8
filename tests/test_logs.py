"""`--log-format json`: one JSON object per line, carrying the source, article and stage
ids the pipeline gives; plain text by default."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babelwire.demo.server import DemoServer, load_samples
from tests.conftest import make_site


def _run_once(root: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "babelwire.cli.main",
            "run",
            "--once",
            "--site",
            str(root),
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_json_lines_carry_the_source_of_a_failed_poll(tmp_path: Path) -> None:
    # The outlets are followed, then their server goes away: every poll fails.
    with DemoServer(load_samples()) as server:
        make_site(tmp_path / "site", server).close()
    done = _run_once(tmp_path / "site", "--log-format", "json")
    assert done.returncode == 1  # the sources failed
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert lines, done.stderr
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line)
    failed = [line for line in lines if "poll failed" in line["message"]]
    assert sorted(line["source_id"] for line in failed) == [1, 2, 3, 4]
    assert {line["stage"] for line in failed} == {"fetch"}
    assert {line["logger"] for line in failed} == {"babelwire.jobs.refresh"}
    # Every line on stderr is JSON (no plain-text line slips through).
    assert all(line.startswith("{") for line in done.stderr.splitlines() if line.strip())


def test_plain_text_is_the_default(tmp_path: Path) -> None:
    with DemoServer(load_samples()) as server:
        make_site(tmp_path / "site", server).close()
    done = _run_once(tmp_path / "site")
    failed = [line for line in done.stderr.splitlines() if "poll failed" in line]
    assert len(failed) == 4 and not any(line.startswith("{") for line in failed)
    assert " INFO babelwire.jobs.refresh source " in failed[0]
