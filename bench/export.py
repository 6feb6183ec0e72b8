"""`babelwire export` at scale: articles/s for JSON Lines and Parquet, and peak memory
at 10,000 against 100,000 articles (it must stay flat).

Creates two sites with bench/site.py's bulk insert (editions en and es; each article
Spanish, six paragraphs of 40 words, translated into English): one of N/10 articles
and one of N (default 100,000). For each site and format it runs `babelwire export`
as its own process (`-o FILE`), `--rounds` times, and reads that process's peak
resident memory from the kernel (wait4's ru_maxrss). The baseline of the same round
is the plainest read of the same rows: one sqlite3 query over articles and their
English translations, each row's JSON loaded and one JSON line written, in this
process. Prints medians, the ratio of the export to the baseline, and the ratio of
peak memory at N to N/10.

    python bench/export.py                # 10,000 and 100,000 articles, 3 rounds
    python bench/export.py -n 20000 -r 1
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from babelwire.jobs.site import create_site
from babelwire.newsroom import Newsroom

TARGET_RATE = 2_000.0  # articles/s
# Peak memory at N may be at most this much above its figure at N/10 to count as flat.
FLAT_RATIO = 1.25


def _bench_site_module() -> object:
    """bench/site.py (its name is also the standard library's `site`: loaded by path)."""
    spec = importlib.util.spec_from_file_location("bench_site", Path(__file__).with_name("site.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(root: Path, count: int) -> None:
    create_site(root, title="Export bench", base_url="https://wire.example", languages=["en", "es"])
    with Newsroom.open(root) as newsroom:
        _bench_site_module().populate(newsroom, count)  # type: ignore[attr-defined]


def export_run(root: Path, fmt: str, target: Path) -> tuple[float, float]:
    """(seconds, peak resident MiB) of one `babelwire export` process."""
    command = [sys.executable, "-m", "babelwire.cli.main", "export", "--site", str(root)]
    command += ["--format", fmt, "--output", str(target)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.stderr is not None
    error = process.stderr.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"export failed: {error}")
    return seconds, usage.ru_maxrss / 1024  # KiB on Linux


def baseline(root: Path, target: Path) -> float:
    """Seconds to read the same rows with sqlite3 and write one JSON line per article."""
    started = time.perf_counter()
    connection = sqlite3.connect(root / "babelwire.sqlite3")
    rows = connection.execute(
        "SELECT a.id, a.title, a.blocks, a.url, t.title, t.blocks, t.engine "
        "FROM articles a JOIN translations t ON t.article_id = a.id AND t.language = 'en' "
        "WHERE a.first_published_at IS NOT NULL ORDER BY a.id"
    )
    with target.open("w", encoding="utf-8") as out:
        for row in rows:
            record = {
                "id": row[0],
                "title": row[1],
                "blocks": json.loads(row[2]),
                "url": row[3],
                "translation": {"title": row[4], "blocks": json.loads(row[5]), "engine": row[6]},
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    connection.close()
    return time.perf_counter() - started


def lines_in(path: Path) -> int:
    with path.open("rb") as file:
        return sum(1 for _ in file)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--articles", type=int, default=100_000)
    parser.add_argument("-r", "--rounds", type=int, default=3)
    args = parser.parse_args()
    sizes = (args.articles // 10, args.articles)
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        for size in sizes:
            started = time.perf_counter()
            build(base / f"site-{size}", size)
            print(f"site of {size:,} articles built in {time.perf_counter() - started:.1f} s")
        print(
            f"python {sys.version.split()[0]}, {platform.machine()}, "
            f"{os.cpu_count()} cores, {args.rounds} rounds"
        )
        peaks: dict[tuple[str, int], float] = {}
        rates: dict[tuple[str, int], float] = {}
        for size in sizes:
            root = base / f"site-{size}"
            runs: dict[str, list[tuple[float, float]]] = {"jsonl": [], "parquet": []}
            plain: list[float] = []
            for _ in range(args.rounds):
                plain.append(baseline(root, base / "baseline.jsonl"))
                for fmt in runs:
                    target = base / f"out.{fmt}"
                    runs[fmt].append(export_run(root, fmt, target))
            assert lines_in(base / "out.jsonl") == size
            base_rate = size / statistics.median(plain)
            print(f"{size:>8,} articles  baseline (sqlite3 + json): {base_rate:,.0f} articles/s")
            for fmt, found in runs.items():
                seconds = statistics.median(s for s, _ in found)
                peak = statistics.median(m for _, m in found)
                rate = size / seconds
                peaks[fmt, size] = peak
                rates[fmt, size] = rate
                print(
                    f"{size:>8,} articles  {fmt:<8} {rate:>8,.0f} articles/s "
                    f"({seconds:.1f} s, ratio to baseline {rate / base_rate:.2f}), "
                    f"peak memory {peak:,.0f} MiB"
                )
        small, large = sizes
        for fmt in ("jsonl", "parquet"):
            growth = peaks[fmt, large] / peaks[fmt, small]
            rate = rates[fmt, large]
            verdict = "met" if rate >= TARGET_RATE and growth <= FLAT_RATIO else "MISSED"
            print(
                f"{fmt}: {rate:,.0f} articles/s at {large:,} (target >= {TARGET_RATE:,.0f}); "
                f"peak memory {peaks[fmt, small]:,.0f} -> {peaks[fmt, large]:,.0f} MiB "
                f"(x{growth:.2f}, flat <= x{FLAT_RATIO}): {verdict}"
            )


if __name__ == "__main__":
    main()
