"""How long the command line takes to answer: `--help`, `--version` and `source list`.

Each command runs as a new process, as an operator runs it, N times; the rounds
are interleaved (one of each per round) so that a busy machine slows them alike.
The same rounds time `python -c pass`, the interpreter's own start, and every
figure is also given as a multiple of it. `source list` reads a small site made
for the run in a temporary folder (a few sources, no articles).

The commands keep their compiled bytecode, as an installed package does, in a
folder of the run (PYTHONPYCACHEPREFIX): a checkout's sources are left as they
are, and PYTHONDONTWRITEBYTECODE, if set, would otherwise time the compiler.

    python bench/cli.py [-n 20]

To time another checkout, put its sources first on the path, e.g.
`PYTHONPATH=/other/checkout/src python bench/cli.py`: the site and the commands
both come from it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SOURCES = (
    ("https://news.example/rss.xml", "News Example", "es"),
    ("https://sport.example/feed", "Sport Example", "en"),
    ("https://gazette.example/atom.xml", "Gazette", "ca"),
    ("https://wire.example/feed.json", "Wire", None),
)


def make_site(root: Path) -> None:
    """A site with a few feed sources (given as feeds: nothing is fetched)."""
    from babelwire.jobs.site import create_site
    from babelwire.jobs.sources import add_source
    from babelwire.newsroom import Newsroom

    create_site(root, title="bench", base_url="http://127.0.0.1:8000", languages=["en", "es"])
    with Newsroom.open(root) as newsroom:
        for url, name, language in SOURCES:
            add_source(newsroom, url, name=name, language=language, kind="feed")


def babelwire_command() -> list[str]:
    """The installed `babelwire` script next to this Python, else `python -m`."""
    script = Path(sys.executable).parent / "babelwire"
    found = str(script) if script.exists() else shutil.which("babelwire")
    return [found] if found else [sys.executable, "-m", "babelwire.cli.main"]


def seconds(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False
    )
    took = time.perf_counter() - start
    if done.returncode != 0:
        error = done.stderr.decode("utf-8", "replace").strip()
        raise SystemExit(f"{' '.join(command)} exited with {done.returncode}:\n{error}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rounds", type=int, default=20, help="runs of each command")
    args = parser.parse_args()

    import babelwire

    babelwire_cli = babelwire_command()
    with tempfile.TemporaryDirectory(prefix="babelwire-bench-cli-") as folder:
        site = Path(folder) / "site"
        make_site(site)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "bytecode")
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "babelwire --help": [*babelwire_cli, "--help"],
            "babelwire --version": [*babelwire_cli, "--version"],
            "babelwire source list": [*babelwire_cli, "source", "list", "--site", str(site)],
        }
        for command in commands.values():  # warm the file cache and write the bytecode
            seconds(command, env)
        load_before = os.getloadavg()[0]
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, command in commands.items():
                times[name].append(seconds(command, env))
        load_after = os.getloadavg()[0]

    print(f"babelwire from {Path(babelwire.__file__).parent.parent}")
    print(f"command: {' '.join(babelwire_cli)}")
    print(f"{args.rounds} runs each; load average {load_before:.1f} before, {load_after:.1f} after")
    floor = statistics.median(times["python -c pass"])
    print(f"{'command':<24} {'median s':>9} {'min s':>7} {'x python':>9}")
    for name, runs in times.items():
        median = statistics.median(runs)
        print(f"{name:<24} {median:9.3f} {min(runs):7.3f} {median / floor:9.1f}")


if __name__ == "__main__":
    main()
