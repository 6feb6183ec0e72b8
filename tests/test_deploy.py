"""The container files say what docs/deployment.md says of them (no container engine
runs here: the files are read, not built)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_the_image_leaves_out_the_local_environment() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for path in (".git", ".venv", "tests/browser/node_modules", "*.sqlite3"):
        assert path in ignored


def test_the_site_folder_belongs_to_the_user_the_processes_run_as() -> None:
    lines = (ROOT / "deploy" / "Dockerfile").read_text().splitlines()
    owned = next(i for i, line in enumerate(lines) if "chown babelwire:babelwire /site" in line)
    user = next(i for i, line in enumerate(lines) if line.startswith("USER babelwire"))
    assert owned < user
    health = next(line for line in lines if "urlopen(" in line)
    assert "http://127.0.0.1:8000/healthz" in health


def test_only_the_web_service_keeps_the_health_check() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    babelwire = {name for name, s in services.items() if s.get("image") == "babelwire:latest"}
    assert "web" in babelwire and len(babelwire) > 1
    assert "8000" in " ".join(services["web"]["command"])
    assert "healthcheck" not in services["web"]
    for name in babelwire - {"web"}:
        assert services[name]["healthcheck"] == {"disable": True}, name
