"""A command that needs a package extra that is not installed names the extra to install.

Each case runs in its own interpreter where an import hook refuses the extra's
package, as if it had never been installed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from babelwire.extras import MissingExtra, install_hint, require

_WITHOUT = """
import sys
from importlib.abc import MetaPathFinder


class NotInstalled(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == {missing!r} or name.startswith({missing!r} + "."):
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


for loaded in [m for m in sys.modules if m == {missing!r} or m.startswith({missing!r} + ".")]:
    del sys.modules[loaded]
sys.meta_path.insert(0, NotInstalled())
"""

_INVOKE = """
from typer.testing import CliRunner
from babelwire.cli.main import app

result = CliRunner().invoke(app, {args!r})
print("exit", result.exit_code)
print(result.output)
"""


def _run(missing: str, code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT.format(missing=missing) + code],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _one_line_error(output: str) -> str:
    lines = output.strip().splitlines()
    assert lines[0] == "exit 2", output
    assert len(lines) == 2 and lines[1].startswith("error: "), output
    assert "Traceback" not in output
    return lines[1]


@pytest.mark.parametrize(
    ("missing", "args", "expected"),
    [
        (
            "celery",
            ["worker"],
            "babelwire worker needs the workers extra: pip install 'babelwire[workers]'",
        ),
        ("celery", ["scheduler", "--once"], "pip install 'babelwire[workers]'"),
        (
            "pyarrow",
            ["export", "--format", "parquet", "--output", "articles.parquet"],
            "babelwire export --format parquet needs the export extra: "
            "pip install 'babelwire[export]'",
        ),
        (
            "sacrebleu",
            ["eval-mt", "--src", "a.txt", "--ref", "b.txt", "--from", "es", "--to", "en"],
            "babelwire eval-mt needs the eval extra: pip install 'babelwire[eval]'",
        ),
    ],
)
def test_a_command_names_the_extra_it_needs(
    tmp_path: Path, missing: str, args: list[str], expected: str
) -> None:
    args = [*args, "--site", str(tmp_path / "no-site")]
    assert expected in _one_line_error(_run(missing, _INVOKE.format(args=args)))


def test_a_postgresql_url_without_psycopg_names_the_postgres_extra(tmp_path: Path) -> None:
    site = tmp_path / "site"
    args = ["init", str(site), "--database-url", "postgresql://user:secret@db.example/news"]
    line = _one_line_error(_run("psycopg", _INVOKE.format(args=args)))
    assert "needs the postgres extra: pip install 'babelwire[postgres]'" in line
    assert "secret" not in line
    assert not site.exists()


def test_the_ctranslate2_engine_without_ctranslate2_names_the_neural_extra() -> None:
    code = """
from pathlib import Path
from babelwire.pipeline.translate.engine import EngineError
from babelwire.pipeline.translate.engines.ctranslate2 import CTranslate2Engine, ModelInfo

model = ModelInfo(Path("m"), "marian", "m", "", frozenset({("es", "en")}), Path("s"), Path("t"))
try:
    CTranslate2Engine([model], device="cpu").translate_batch(["hola"], "es", "en")
except EngineError as exc:
    print(exc)
"""
    printed = _run("ctranslate2", code)
    assert "needs the neural extra: pip install 'babelwire[neural]'" in printed


def test_require_passes_for_an_installed_module_and_names_the_extra_otherwise() -> None:
    require("json", "eval", "this")
    with pytest.raises(MissingExtra) as raised:
        require("babelwire_no_such_module", "workers", "babelwire worker")
    assert str(raised.value) == install_hint("workers", "babelwire worker")


def test_the_embedded_newsroom_runs_with_no_extra_installed(tmp_path: Path) -> None:
    # The demo is the whole embedded newsroom: collect, extract, translate, publish.
    refused = "".join(
        _WITHOUT.format(missing=m)
        for m in ("celery", "kombu", "psycopg", "sacrebleu", "ctranslate2", "sentencepiece")
    )
    args = ["demo", "--no-serve", "--directory", str(tmp_path / "demo")]
    printed = subprocess.run(
        [sys.executable, "-c", refused + _INVOKE.format(args=args)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith("exit 0"), printed.stdout
    assert (tmp_path / "demo" / "babelwire.toml").exists()
