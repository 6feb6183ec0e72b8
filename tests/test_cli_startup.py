"""Starting the command line loads little, and what it prints is only its own output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# Packages that cost from tenths of a second to seconds to import, and that only
# some commands use: loading the command line (and so `--help`) must not import them.
HEAVY = (
    "datasketch",
    "scipy",
    "sklearn",
    "numpy",
    "trafilatura",
    "feedparser",
    "celery",
    "torch",
    "transformers",
    "ctranslate2",
    "sentencepiece",
    "sacrebleu",
    "uvicorn",
    "starlette",
    "playwright",
    "sqlalchemy",
    "alembic",
    "httpx",
)

_MODULES_AFTER = """
import json, sys
{run}
print(json.dumps(sorted(sys.modules)))
"""


def _modules_after(run: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _MODULES_AFTER.format(run=run)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted({m.split(".")[0] for m in modules} & set(HEAVY))


def test_loading_the_command_line_imports_no_heavy_package() -> None:
    modules = _modules_after("import babelwire.cli.main")
    assert "babelwire.cli.main" in modules
    assert _heavy(modules) == []


def test_help_and_version_import_no_heavy_package() -> None:
    for args in (["--help"], ["--version"], ["source", "--help"], ["worker", "--help"]):
        modules = _modules_after(
            "from typer.testing import CliRunner\n"
            "from babelwire.cli.main import app\n"
            f"result = CliRunner().invoke(app, {args!r})\n"
            "assert result.exit_code == 0, result.output"
        )
        assert _heavy(modules) == [], args


def test_a_command_still_imports_what_it_uses(tmp_path: Path) -> None:
    # The check above would pass on a command line that imported nothing at all.
    modules = _modules_after(
        "from typer.testing import CliRunner\n"
        "from babelwire.cli.main import app\n"
        f"result = CliRunner().invoke(app, ['init', {str(tmp_path / 'site')!r}])\n"
        "assert result.exit_code == 0, result.output"
    )
    assert {"sqlalchemy", "alembic"} <= {m.split(".")[0] for m in modules}


def test_commands_that_read_the_database_load_no_pipeline_package(tmp_path: Path) -> None:
    # Opening the newsroom must not build its services or caches: `source list`
    # reads rows, so the clusterer (datasketch, scipy), the fetcher (httpx) and the
    # parsers stay unloaded.
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "babelwire.cli.main", "init", str(site)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    for args in (["source", "list"], ["status"]):
        modules = _modules_after(
            "from typer.testing import CliRunner\n"
            "from babelwire.cli.main import app\n"
            f"result = CliRunner().invoke(app, {[*args, '--site', str(site)]!r})\n"
            "assert result.exit_code == 0, result.output"
        )
        assert "sqlalchemy" in {m.split(".")[0] for m in modules}, args
        pipeline = {"datasketch", "scipy", "sklearn", "trafilatura", "feedparser", "httpx"}
        assert sorted({m.split(".")[0] for m in modules} & pipeline) == [], args


def test_init_prints_no_warning(tmp_path: Path) -> None:
    # `-W default` shows every warning once, as a Python run with warnings on would.
    done = subprocess.run(
        [sys.executable, "-W", "default", "-m", "babelwire.cli.main", "init", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Created site" in done.stdout
    assert "Warning" not in done.stderr, done.stderr
    assert "Warning" not in done.stdout, done.stdout
