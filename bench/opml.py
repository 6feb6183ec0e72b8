"""OPML import at size: the time to follow N feeds from one file, and how it grows with N.

An import is linear when ten times the outlines take about ten times as long;
the figure to read is the time per outline at each size, and the ratio of the
largest size's to the smallest's (1.0 is linear; the quadratic import it
replaced read every stored source again for each outline). Each size imports
into a fresh SQLite site, with a fifth of its outlines already followed, one
in fifty invalid (skipped with a reason) and one in a hundred listed twice.

    python bench/opml.py                 # 5,000, 20,000 and 50,000 outlines, 3 rounds
    python bench/opml.py -n 1000 -r 1    # a quick look
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

from babelwire.jobs.opml import import_opml
from babelwire.jobs.site import create_site
from babelwire.newsroom import Newsroom


def opml(count: int) -> str:
    outlines = []
    for i in range(count):
        url = f"https://outlet{i % 997}.example/feeds/{i}.xml"
        if i % 50 == 49:
            url = f"http://bad host {i}/"  # refused: a space in the host
        outlines.append(f'<outline text="Outlet {i}" type="rss" xmlUrl={quoteattr(url)}/>')
        if i % 100 == 0:
            outlines.append(f'<outline text="Again {i}" xmlUrl={quoteattr(url)}/>')
    body = "\n".join(outlines)
    return f'<?xml version="1.0"?><opml version="2.0"><head/><body>{body}</body></opml>'


def one(count: int) -> tuple[float, int, int, int]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "site"
        create_site(root, title="OPML", languages=("en", "es"))
        path = Path(folder) / "feeds.opml"
        already = Path(folder) / "already.opml"
        path.write_text(opml(count), encoding="utf-8")
        already.write_text(opml(count // 5), encoding="utf-8")
        with Newsroom.open(root) as newsroom:
            import_opml(newsroom, already)  # the sources followed before
            started = time.perf_counter()
            done = import_opml(newsroom, path)
            seconds = time.perf_counter() - started
    return seconds, done.added, done.updated, len(done.skipped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-n", "--sizes", type=int, nargs="+", default=[5_000, 20_000, 50_000])
    parser.add_argument("-r", "--rounds", type=int, default=3)
    args = parser.parse_args()
    print(
        f"OPML import, {platform.machine()}, {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, median of {args.rounds}"
    )
    per_outline = {}
    for size in args.sizes:
        runs = [one(size) for _ in range(args.rounds)]
        seconds = statistics.median(r[0] for r in runs)
        _, added, updated, skipped = runs[0]
        per_outline[size] = seconds / size
        print(
            f"  {size:>7,} outlines: {seconds:7.2f} s  {seconds / size * 1e6:6.1f} us/outline  "
            f"(added {added:,}, updated {updated:,}, skipped {skipped:,})"
        )
    smallest, largest = min(per_outline), max(per_outline)
    print(
        f"  time per outline, {largest:,} against {smallest:,}: "
        f"x{per_outline[largest] / per_outline[smallest]:.2f} (1.00 is linear)"
    )


if __name__ == "__main__":
    main()
