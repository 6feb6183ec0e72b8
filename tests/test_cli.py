"""The `babelwire` command: init, sources, run, build, as an operator types them."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from babelwire.cli.main import app
from babelwire.demo.server import DemoServer

runner = CliRunner()


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_init_writes_settings_and_database(tmp_path: Path) -> None:
    site = tmp_path / "site"
    out = _ok("init", str(site), "--title", "Wire", "--languages", "en,ca")
    assert "Created site" in out
    settings = tomllib.loads((site / "babelwire.toml").read_text())
    assert settings["site"]["title"] == "Wire"
    assert settings["site"]["languages"] == ["en", "ca"]
    assert {s["slug"] for s in settings["section"]} >= {"politics", "sport", "world"}
    assert (site / "babelwire.sqlite3").exists()
    again = runner.invoke(app, ["init", str(site)])
    assert again.exit_code == 2 and "already exists" in again.output


def test_init_refuses_bad_languages(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "s"), "--languages", "english"])
    assert result.exit_code == 2 and "ISO 639-1" in result.output


def test_commands_outside_a_site_say_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["source", "list", "--site", str(tmp_path)])
    assert result.exit_code == 2
    assert "babelwire init" in result.output


def test_source_add_list_remove_and_opml(tmp_path: Path) -> None:
    site = str(tmp_path / "site")
    _ok("init", site)
    _ok(
        "source",
        "add",
        "https://news.example/rss",
        "--site",
        site,
        "--name",
        "Example News",
        "--lang",
        "es-ES",
        "--section",
        "sport",
    )
    bad = runner.invoke(app, ["source", "add", "ftp://x/feed", "--site", site])
    assert bad.exit_code == 2 and "http" in bad.output
    unknown = runner.invoke(
        app, ["source", "add", "https://x.example/f", "--site", site, "--section", "nope"]
    )
    assert unknown.exit_code == 2 and "unknown section" in unknown.output
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        """<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>
        <outline text="Group"><outline text="One" type="rss" xmlUrl="https://one.example/feed"/>
        <outline text="Two" type="rss" xmlUrl="https://two.example/atom" language="ca"/></outline>
        <outline text="no feed here"/></body></opml>"""
    )
    assert "Imported 2 sources" in _ok("source", "import-opml", str(opml), "--site", site)
    listing = _ok("source", "list", "--site", site)
    for name in ("Example News", "One", "Two"):
        assert name in listing
    assert "never" in listing  # not fetched yet
    _ok("source", "remove", "1", "--site", site)
    assert "Example News" not in _ok("source", "list", "--site", site)
    missing = runner.invoke(app, ["source", "remove", "99", "--site", site])
    assert missing.exit_code == 2


def _babelwire(*args: str) -> subprocess.CompletedProcess[str]:
    command = shutil.which("babelwire") or str(Path(sys.executable).parent / "babelwire")
    return subprocess.run(
        [command, *args], capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow
def test_run_once_processes_then_exit_code_tells_failures(
    tmp_path: Path, demo_server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not about the quality gate: every article is to be shown, whatever its score.
    monkeypatch.setenv("BABELWIRE_TRANSLATION_QUALITY_THRESHOLD", "0")
    site = str(tmp_path / "site")
    _ok("init", site)
    for slug in demo_server.outlets:
        _ok("source", "add", demo_server.feed_url(slug), "--site", site)
    out = tmp_path / "public"
    done = _babelwire("run", "--once", "--site", site, "--build", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Sources this pass" in done.stdout
    total = sum(len(o.articles) for o in demo_server.outlets.values())
    assert f"publish {total}" in done.stdout.replace("\n", " ")
    # --build: the pass's articles are written and live once the build has finished.
    assert f"{total} articles live" in done.stdout.replace("\n", " ")
    assert len(list((out / "es" / "article").iterdir())) == total

    demo_server.break_path("/harbour-courier/feed.json", 500)
    failed = _babelwire("run", "--once", "--force", "--site", site)
    assert failed.returncode == 1
    assert "HTTP 500" in failed.stdout
    listing = _ok("source", "list", "--site", site)
    assert "HTTP 500" in listing

    built = _ok("build", str(out), "--site", site)
    assert "incremental build" in built
    assert (out / "en" / "index.html").exists() and (out / "es" / "index.html").exists()
    assert len(list((out / "es" / "article").iterdir())) == total
