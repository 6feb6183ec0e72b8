"""Bad operator input is one line of error and exit status 2; --debug shows the traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from typer.testing import CliRunner, Result

from babelwire.cli.main import app
from babelwire.config import ConfigError

runner = CliRunner()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    assert runner.invoke(app, ["init", str(root)]).exit_code == 0
    return root


def _one_line_error(result: Result, *words: str) -> str:
    """The one line a refused command printed, after checking it is all it printed."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for word in words:
        assert word in lines[0]
    return lines[0]


def _settings(site: Path) -> Path:
    return site / "babelwire.toml"


def test_invalid_utf8_in_the_settings_names_the_file(site: Path) -> None:
    _settings(site).write_bytes(_settings(site).read_bytes() + b"\n# caf\xe9\n")
    result = runner.invoke(app, ["source", "list", "--site", str(site)])
    _one_line_error(result, "babelwire.toml", "not UTF-8")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BABELWIRE_SITE_PAGE_SIZE", "abc"),
        ("BABELWIRE_SITE_LANGUAGES", "[broken"),
        ("BABELWIRE_FETCH_FETCH_PAGES", "maybe"),
        ("BABELWIRE_SITE_PAGE_SIZE", "0"),
    ],
)
def test_a_bad_environment_override_names_the_variable(
    site: Path, variable: str, value: str
) -> None:
    result = runner.invoke(app, ["source", "list", "--site", str(site)], env={variable: value})
    _one_line_error(result, variable)


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        ("languages = []", "site.languages"),
        ('languages = ["english"]', "site.languages"),
        ("page_size = -3", "site.page_size"),
    ],
)
def test_a_bad_setting_in_the_file_is_named(site: Path, setting: str, complaint: str) -> None:
    text = _settings(site).read_text(encoding="utf-8")
    name = setting.split(" =")[0]
    lines = [setting if line.startswith(f"{name} =") else line for line in text.splitlines()]
    _settings(site).write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["source", "list", "--site", str(site)])
    _one_line_error(result, complaint)


@pytest.mark.parametrize(
    "url", ["garbage", "nosuchdb://x/y", "postgresql://user:secret@127.0.0.1:1/none"]
)
def test_a_database_url_that_cannot_work_is_one_line(site: Path, url: str) -> None:
    text = _settings(site).read_text(encoding="utf-8")
    lines = [f"url = {url!r}" if line.startswith("url =") else line for line in text.splitlines()]
    _settings(site).write_text("\n".join(lines).replace("'", '"') + "\n", encoding="utf-8")
    result = runner.invoke(app, ["source", "list", "--site", str(site)])
    line = _one_line_error(result, "database")
    assert "secret" not in line


def test_debug_shows_the_traceback_instead(site: Path) -> None:
    result = runner.invoke(
        app,
        ["--debug", "source", "list", "--site", str(site)],
        env={"BABELWIRE_SITE_PAGE_SIZE": "abc"},
    )
    assert isinstance(result.exception, ConfigError)
    assert "BABELWIRE_SITE_PAGE_SIZE" in str(result.exception)


def test_the_installed_command_prints_one_line_on_stderr(site: Path) -> None:
    _settings(site).write_bytes(b"[site\n")
    command = shutil.which("babelwire") or str(Path(sys.executable).parent / "babelwire")
    done = subprocess.run(
        [command, "source", "list", "--site", str(site)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "babelwire.toml" in done.stderr


def test_unknown_settings_are_named_with_the_closest_one(site: Path) -> None:
    text = _settings(site).read_text(encoding="utf-8")
    _settings(site).write_text(
        "allow_private_network = true\n" + text.replace("[fetch]", "[fetch]\nhost_dealy = 0"),
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        ["source", "list", "--site", str(site)],
        env={"BABELWIRE_FETCH_ALLOW_PRIVATE_NETWORK": "1", "BABELWIRE_SITE": str(site)},
    )
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 3, result.stderr
    assert "allow_private_network" in warnings[0] and "fetch.allow_private_networks" in warnings[0]
    assert "fetch.host_dealy" in warnings[1] and "fetch.host_delay" in warnings[1]
    assert "BABELWIRE_FETCH_ALLOW_PRIVATE_NETWORKS" in warnings[2]


@contextmanager
def full_disk() -> Iterator[None]:
    """While it lasts, a new SQLite connection may not grow its database by a single
    page: a write fails as it does on a full disk ("database or disk is full")."""

    def cap(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages}")
        cursor.close()

    event.listen(Engine, "connect", cap)
    try:
        yield
    finally:
        event.remove(Engine, "connect", cap)


def test_a_full_disk_is_a_clear_message_and_stores_nothing(site: Path, tmp_path: Path) -> None:
    opml = tmp_path / "many.opml"
    outlines = "".join(
        f'<outline text="Feed {i}" xmlUrl="https://feed{i}.example/rss"/>' for i in range(3000)
    )
    opml.write_text(f'<opml version="2.0"><body>{outlines}</body></opml>', encoding="utf-8")
    with full_disk():
        result = runner.invoke(app, ["source", "import-opml", str(opml), "--site", str(site)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "disk is full" in lines[0] and "stored nothing" in lines[0]
    listing = runner.invoke(app, ["source", "list", "--site", str(site)])
    assert listing.exit_code == 0 and "Feed 1" not in listing.output
