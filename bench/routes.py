"""Every Apertium route into and out of en, es and ca, measured on FLORES-200 devtest.

For each pair of the devtest languages (eng, spa, cat, glg, eus, fra, por) with
English, Spanish or Catalan on one side, every route the installed Apertium
pairs allow (the direct pair, and each pivot language both hops reach) is run
through babelwire's full path (segmentation, protection, the long-lived
pipelines, checks; no memory) on the 1,012 devtest sentences, in articles of ten
lines.  Prints chrF2 (sacrebleu) and source words/s of every route, beside the
baseline of copying the source unchanged and, for a pivot route, the ratio of
its speed to the pair's direct route when there is one; words/s are medians of
the rounds.

With ``--write`` the figures replace src/babelwire/pipeline/translate/
route_quality.toml, which `babelwire engines` shows and the routing reads to
choose a pivot.  ``make engines-all`` installs the Debian pairs first.

    python bench/routes.py --write          # every route, 1 round
    python bench/routes.py -r 3 --pairs es-gl,ca-pt
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import sacrebleu

from babelwire.model import Block, BlockKind
from babelwire.pipeline.translate.article import (
    Hop,
    PathSettings,
    Route,
    SourceText,
    translate_texts,
)
from babelwire.pipeline.translate.engines.apertium import ApertiumEngine
from babelwire.pipeline.translate.registry import Translators
from babelwire.pipeline.translate.route_quality import (
    QUALITY_FILE,
    Measure,
    load_measures,
    render_measures,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mt" / "flores200-devtest"
FLORES = {"en": "eng", "es": "spa", "ca": "cat", "gl": "glg", "eu": "eus", "fr": "fra", "pt": "por"}
HUBS = ("en", "es", "ca")


def read(data: Path, code: str) -> list[str]:
    return (data / f"{FLORES[code]}.devtest").read_text(encoding="utf-8").splitlines()


def articles(lines: list[str]) -> list[SourceText]:
    """Articles of ten lines (a title and nine paragraphs), as the pipeline sees them."""
    return [
        SourceText(lines[i], [Block(BlockKind.PARAGRAPH, line) for line in lines[i + 1 : i + 10]])
        for i in range(0, len(lines), 10)
    ]


def run_route(route: Route, texts: list[SourceText]) -> tuple[list[str], float]:
    started = time.perf_counter()
    out: list[str] = []
    for start in range(0, len(texts), 100):
        for result in translate_texts(route, texts[start : start + 100], settings=PathSettings()):
            out.append(result.article.title)
            out.extend(block.text for block in result.article.blocks)
    return out, time.perf_counter() - started


def every_route(translators: Translators, source: str, target: str) -> list[Route]:
    """The direct route, then one route through each pivot language both hops reach."""
    engine = translators.engine("apertium")
    pairs = engine.pairs()
    found = [Route.direct(engine, source, target)] if (source, target) in pairs else []
    for pivot in sorted({t for s, t in pairs if s == source} - {target}):
        if (pivot, target) in pairs:
            found.append(Route((Hop(engine, source, pivot), Hop(engine, pivot, target))))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-r", "--rounds", type=int, default=1)
    parser.add_argument("--pairs", default="", help="e.g. es-gl,ca-pt (default: all)")
    parser.add_argument("--data", type=Path, default=DATA, help="the FLORES-200 devtest folder")
    parser.add_argument("--write", action="store_true", help=f"replace {QUALITY_FILE.name}")
    args = parser.parse_args()
    if not args.data.is_dir():
        raise SystemExit(f"{args.data} not found: the FLORES-200 devtest is needed")
    if args.pairs:
        pairs = [tuple(p.split("-")) for p in args.pairs.split(",")]
    else:
        pairs = [(s, t) for s in FLORES for t in FLORES if s != t and (s in HUBS or t in HUBS)]
    print(f"{platform.node()} {os.cpu_count()} cores; words/s medians of {args.rounds} round(s)")
    print(f"{'route':12} {'chrF':>6} {'copy':>6} {'words/s':>8} {'x direct':>9}")
    measures: dict[str, Measure] = {}
    translators = Translators(["apertium"], engines=[ApertiumEngine(timeout=600)])
    try:
        for source, target in pairs:
            lines, refs = read(args.data, source), read(args.data, target)
            texts = articles(lines)
            words = sum(len(line.split()) for line in lines)
            copy = sacrebleu.corpus_chrf(lines, [refs]).score
            direct_wps = 0.0
            routes = every_route(translators, source, target)
            if not routes:
                print(f"{source}>{target:9} no route")
            for route in routes:
                run_route(route, texts[:2])  # start the pipelines
                rounds = [run_route(route, texts) for _ in range(args.rounds)]
                chrf = sacrebleu.corpus_chrf(rounds[0][0], [refs]).score
                wps = words / statistics.median(seconds for _, seconds in rounds)
                key = route.pivot or f"{source}>{target}"
                direct_wps = wps if not route.pivot else direct_wps
                ratio = f"{wps / direct_wps:9.2f}" if route.pivot and direct_wps else f"{'':9}"
                print(f"{key:12} {chrf:6.1f} {copy:6.1f} {wps:8.0f} {ratio}", flush=True)
                measures[key] = Measure(round(chrf, 1), round(wps))
    finally:
        translators.close()
    if args.write:
        when = datetime.now(UTC).date().isoformat()
        table = load_measures(QUALITY_FILE)  # routes not measured in this run stay
        table.setdefault("apertium", {}).update(measures)
        QUALITY_FILE.write_text(render_measures(table, when), encoding="utf-8")
        print(f"wrote {QUALITY_FILE}")


if __name__ == "__main__":
    main()
