"""Every Apertium route into and out of en, es and ca, measured on FLORES-200 devtest.

For each pair of the devtest languages (eng, spa, cat, glg, eus, fra, por) with
English, Spanish or Catalan on one side, every route the installed Apertium
pairs allow (the direct pair, and each pivot language both hops reach) is run
through babelwire's full path (segmentation, protection, the long-lived
pipelines, checks; no memory) on the devtest sentences (``--sentences``, all
1,012 by default), in articles of ten lines.  A hop is run once: a route
through a pivot reuses the first hop of the route into that pivot.

Prints chrF2 (sacrebleu) of every route beside the baseline of copying the
source unchanged, and its speed in source words per CPU second (this process
and the pipeline's stages together, read from /proc, so that the load of a
shared machine does not change it) with, for a pivot route, the ratio to the
pair's direct route.

With ``--write`` the figures go into src/babelwire/pipeline/translate/
route_quality.toml (routes not measured in the run stay), which `babelwire
engines` shows and the routing reads to choose a pivot.  ``make bench-routes``
installs every Debian pair first (``make engines-all``).

    python bench/routes.py --write
    python bench/routes.py --sentences 200 --pairs es-gl,ca-pt
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import sacrebleu

from babelwire.model import Block, BlockKind
from babelwire.pipeline.translate.article import SourceText, translate_texts
from babelwire.pipeline.translate.engines.apertium import ApertiumEngine
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


def cpu_seconds(engine: ApertiumEngine, source: str, target: str) -> float:
    """CPU time used so far by this process and the pair's pipeline stages."""
    ticks = 0
    for pid in engine.pipeline_pids(source, target):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return time.process_time() + ticks / os.sysconf("SC_CLK_TCK")


class Hops:
    """Each hop's output and CPU seconds, computed once: a route through a pivot reuses
    the first hop of the direct route into the pivot."""

    def __init__(self, engine: ApertiumEngine, data: Path, sentences: int) -> None:
        self.engine = engine
        self.data = data
        self.sentences = sentences
        self.done: dict[tuple[str, ...], tuple[list[SourceText], float]] = {}

    def source(self, language: str) -> list[SourceText]:
        return articles(read(self.data, language)[: self.sentences])

    def run(self, path: tuple[str, ...]) -> tuple[list[SourceText], float]:
        """The articles translated along ``path`` (languages), and the CPU seconds it took."""
        if len(path) == 1:
            return self.source(path[0]), 0.0
        if path not in self.done:
            texts, before = self.run(path[:-1])
            source, target = path[-2], path[-1]
            self.engine.translate_batch(["Hola."], source, target)  # start the pipeline
            started = cpu_seconds(self.engine, source, target)
            out = [
                SourceText(r.article.title, r.article.blocks)
                for start in range(0, len(texts), 100)
                for r in translate_texts(self.engine, texts[start : start + 100], source, target)
            ]
            self.done[path] = (out, before + cpu_seconds(self.engine, source, target) - started)
        return self.done[path]


def lines_of(texts: list[SourceText]) -> list[str]:
    return [line for t in texts for line in (t.title, *(b.text for b in t.blocks))]


def every_route(engine: ApertiumEngine, source: str, target: str) -> list[tuple[str, ...]]:
    """The direct route, then one route through each pivot language both hops reach."""
    pairs = engine.pairs()
    found = [(source, target)] if (source, target) in pairs else []
    for pivot in sorted({t for s, t in pairs if s == source} - {target}):
        if (pivot, target) in pairs:
            found.append((source, pivot, target))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=1012, help="the first N of the devtest")
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
    print(f"{platform.node()} {os.cpu_count()} cores; {args.sentences} sentences per pair")
    print(f"{'route':12} {'chrF':>6} {'copy':>6} {'words/s':>8} {'x direct':>9}")
    measures: dict[str, Measure] = {}
    engine = ApertiumEngine(timeout=600)
    hops = Hops(engine, args.data, args.sentences)
    try:
        for source, target in pairs:
            lines = read(args.data, source)[: args.sentences]
            refs = read(args.data, target)[: args.sentences]
            words = sum(len(line.split()) for line in lines)
            copy = sacrebleu.corpus_chrf(lines, [refs]).score
            direct_wps = 0.0
            routes = every_route(engine, source, target)
            if not routes:
                print(f"{source}>{target:9} no route")
            for path in routes:
                out, seconds = hops.run(path)
                chrf = sacrebleu.corpus_chrf(lines_of(out), [refs]).score
                wps = words / seconds
                key = ">".join(path)
                direct_wps = wps if len(path) == 2 else direct_wps
                ratio = f"{wps / direct_wps:9.2f}" if len(path) > 2 and direct_wps else ""
                print(f"{key:12} {chrf:6.1f} {copy:6.1f} {wps:8.0f} {ratio}", flush=True)
                measures[key] = Measure(round(chrf, 1), round(wps))
    finally:
        engine.close()
    if args.write:
        when = datetime.now(UTC).date().isoformat()
        table = load_measures(QUALITY_FILE)  # routes not measured in this run stay
        table.setdefault("apertium", {}).update(measures)
        QUALITY_FILE.write_text(render_measures(table, when, args.sentences), encoding="utf-8")
        print(f"wrote {QUALITY_FILE}")


if __name__ == "__main__":
    main()
