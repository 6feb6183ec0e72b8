"""Lighthouse on the public site: performance, accessibility, best practices and SEO.

Runs the demo newsroom (sample outlets on loopback, real Apertium) into a new
folder, serves it with `babelwire serve`, and runs Lighthouse (npm, pinned in
bench/lighthouse/package.json) against Debian's Chromium, offline, on the front
page, a section page, an article page and a story page: `--runs` times each,
with the mobile settings (Lighthouse's default: a phone, simulated slow 4G and
CPU) and the desktop preset. Prints the median score of each category per page
and the median of the performance metrics, and keeps each report as JSON under
`--out`.

    make bench-lighthouse
    python bench/lighthouse.py --runs 3 --out /tmp/lighthouse
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
LIGHTHOUSE = HERE / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pages(base: str) -> dict[str, str]:
    """The page kinds to measure, found by following the front page's links."""
    front = httpx.get(base + "/en/").text
    section = re.search(r'href="(/en/section/[a-z0-9-]+/)"', front)
    article = re.search(r'href="(/en/article/[^"]+/)"', httpx.get(base + "/en/section/sport/").text)
    story = re.search(r'href="(/en/story/\d+/)"', front)
    pages = {"front": base + "/en/"}
    for name, found in (("section", section), ("article", article), ("story", story)):
        if found:
            pages[name] = base + found.group(1)
    return pages


def _lighthouse(url: str, desktop: bool, out: Path) -> dict[str, float]:
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={out}",
        "--quiet",
        "--only-categories=" + ",".join(CATEGORIES),
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]
    if desktop:
        command.append("--preset=desktop")
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM})
    report = json.loads(out.read_text())
    scores = {name: 100 * float(report["categories"][name]["score"]) for name in CATEGORIES}
    for metric in METRICS:
        scores[metric] = float(report["audits"][metric]["numericValue"])
    failing = [
        audit_id
        for audit_id, audit in report["audits"].items()
        if audit.get("score") is not None
        and audit["score"] < 0.9
        and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
    ]
    if failing:
        print(f"    below 0.9: {', '.join(sorted(failing))}")
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(tempfile.mkdtemp(prefix="lighthouse-")))
    parser.add_argument("--site", type=Path, help="an existing site folder (else the demo's)")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        print("Lighthouse is missing: run `make bench-lighthouse`", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    site = args.site
    if site is None:
        site = Path(tempfile.mkdtemp(prefix="lighthouse-site-")) / "demo"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babelwire.cli.main",
                "demo",
                "--no-serve",
                "--directory",
                str(site),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "babelwire.cli.main",
            "serve",
            "--site",
            str(site),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                print("the server did not start", file=sys.stderr)
                return 1
            time.sleep(0.5)
        pages = _pages(base)
        package = HERE / "lighthouse" / "node_modules" / "lighthouse" / "package.json"
        version = json.loads(package.read_text())["version"]
        print(f"Lighthouse {version}, Chromium at {CHROMIUM}, {args.runs} runs a page, medians")
        header = f"{'page':<9} {'form':<8} " + " ".join(f"{c[:13]:>13}" for c in CATEGORIES)
        header += "   FCP ms   LCP ms  TBT ms    CLS"
        print(header)
        for form, desktop in (("mobile", False), ("desktop", True)):
            for name, url in pages.items():
                runs = [
                    _lighthouse(url, desktop, args.out / f"{name}-{form}-{n}.json")
                    for n in range(args.runs)
                ]
                med = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
                line = f"{name:<9} {form:<8} " + " ".join(f"{med[c]:>13.0f}" for c in CATEGORIES)
                fcp, lcp = med["first-contentful-paint"], med["largest-contentful-paint"]
                tbt, cls = med["total-blocking-time"], med["cumulative-layout-shift"]
                line += f" {fcp:>8.0f} {lcp:>8.0f} {tbt:>7.0f} {cls:>6.3f}"
                print(line, flush=True)
        print(f"reports: {args.out}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
