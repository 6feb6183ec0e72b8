"""Translation quality and speed: babelwire's translation path against raw Apertium.

For each pair, the FLORES-200 devtest sentences go through babelwire's full
path (segmentation, protection, glossary, the long-lived Apertium pipeline,
quality checks; no translation memory, so every sentence reaches the engine)
and, in the same round, through one raw ``apertium -u`` process over the whole
file.  Prints chrF and BLEU (sacrebleu) of both, and words/s of both with the
ratio; medians over the rounds.

Then a feed whose articles share boilerplate (a standing paragraph, a
subscription line, a credits line) is translated three times through the
site's database memory: without memory, with an empty memory (hits come from
boilerplate seen earlier in the feed), and again with the memory filled.

The babelwire path runs twice: with the form checks only, and with the
site's default quality gate (the form checks and the quality estimate, its
round trip through the reverse pair included); both are compared with raw
Apertium in the same round.  ``--qe`` prints the quality estimate's
calibration table instead (bench/translate_qe.py), ``--qe --fit`` fits its
weights and threshold again.

    python bench/translate.py                  # 3 rounds, all four pairs
    python bench/translate.py -r 1 --pairs spa-eng
    python bench/translate.py --qe --fit
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import sacrebleu
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from babelwire.config import TranslationSettings
from babelwire.model import Block, BlockKind
from babelwire.pipeline.translate.article import (
    PathSettings,
    PathStats,
    Route,
    SourceText,
    translate_texts,
)
from babelwire.pipeline.translate.engines.apertium import ApertiumEngine
from babelwire.pipeline.translate.estimate import EstimateOptions, estimate
from babelwire.storage.database import upgrade
from babelwire.storage.memory import SqlMemory

DATA = Path(
    os.environ.get("BENCH_FLORES")
    or Path(__file__).resolve().parents[2] / "shared" / "data" / "mt" / "flores200-devtest"
)
PAIRS = ("spa-eng", "eng-spa", "cat-eng", "spa-cat")
ISO1 = {"spa": "es", "eng": "en", "cat": "ca"}
BATCH = 100  # articles per engine batch, as in the pipeline
_MARKS = re.compile(r"(?<!\S)[#@](?=\w)")


def raw_apertium(pair: str, lines: list[str]) -> tuple[list[str], float]:
    started = time.perf_counter()
    done = subprocess.run(
        ["apertium", "-u", pair],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    seconds = time.perf_counter() - started
    out = [_MARKS.sub("", line) for line in done.stdout.split("\n")[: len(lines)]]
    return out, seconds


def babelwire_path(
    engine: ApertiumEngine, source: str, target: str, lines: list[str], gate: bool = False
) -> tuple[list[str], float]:
    # Articles of ten lines (a title and nine paragraphs), as the pipeline sees them.
    texts = [
        SourceText(lines[i], [Block(BlockKind.PARAGRAPH, line) for line in lines[i + 1 : i + 10]])
        for i in range(0, len(lines), 10)
    ]
    started = time.perf_counter()
    out: list[str] = []
    reverse = Route.direct(engine, target, source)
    for start in range(0, len(texts), BATCH):
        batch = texts[start : start + BATCH]
        results = translate_texts(engine, batch, source, target, settings=PathSettings())
        if gate:
            results = estimate(results, batch, reverse=reverse, options=EstimateOptions())
        for result in results:
            out.append(result.article.title)
            out.extend(block.text for block in result.article.blocks)
    return out, time.perf_counter() - started


def quality_round(engine: ApertiumEngine, pair: str, raw_first: bool) -> dict[str, float]:
    src_code, tgt_code = pair.split("-")
    lines = (DATA / f"{src_code}.devtest").read_text(encoding="utf-8").splitlines()
    refs = (DATA / f"{tgt_code}.devtest").read_text(encoding="utf-8").splitlines()
    words = sum(len(line.split()) for line in lines)
    # Warm both: the long-lived pipelines' start (the gate's round trip and lexical
    # stages too), the frequency lists' loading and the page cache.
    babelwire_path(engine, ISO1[src_code], ISO1[tgt_code], lines[:5], gate=True)
    # The order alternates between rounds, so neither side always runs second.
    babelwire_path(engine, ISO1[tgt_code], ISO1[src_code], refs[:5], gate=True)
    if raw_first:
        raw, raw_s = raw_apertium(pair, lines)
    ours, our_s = babelwire_path(engine, ISO1[src_code], ISO1[tgt_code], lines)
    gated, gated_s = babelwire_path(engine, ISO1[src_code], ISO1[tgt_code], lines, gate=True)
    if not raw_first:
        raw, raw_s = raw_apertium(pair, lines)
    return {
        "raw_chrf": sacrebleu.corpus_chrf(raw, [refs]).score,
        "raw_bleu": sacrebleu.corpus_bleu(raw, [refs]).score,
        "bw_chrf": sacrebleu.corpus_chrf(ours, [refs]).score,
        "bw_bleu": sacrebleu.corpus_bleu(ours, [refs]).score,
        "raw_wps": words / raw_s,
        "bw_wps": words / our_s,
        "ratio": raw_s / our_s,
        "gate_chrf": sacrebleu.corpus_chrf(gated, [refs]).score,
        "gate_wps": words / gated_s,
        "gate_ratio": raw_s / gated_s,
    }


def boilerplate_feed(count: int, seed: int = 7) -> list[SourceText]:
    """Articles of six FLORES sentences each, plus the outlet's standing lines."""
    lines = (DATA / "spa.devtest").read_text(encoding="utf-8").splitlines()
    rng = random.Random(seed)
    standing = [
        Block(
            BlockKind.PARAGRAPH,
            "Este periódico es miembro de la asociación de prensa regional. "
            "Todas las noticias se publican también en nuestra edición impresa.",
        ),
        Block(
            BlockKind.PARAGRAPH,
            "Suscríbete a nuestro boletín diario en https://diario.example/boletin "
            "o escríbenos a redaccion@diario.example.",
        ),
        Block(BlockKind.QUOTE, "Fotografía: archivo del periódico. Edición: redacción local."),
    ]
    articles = []
    for _ in range(count):
        body = [Block(BlockKind.PARAGRAPH, line) for line in rng.sample(lines, 6)]
        articles.append(SourceText(body[0].text, [*body[1:], *standing]))
    return articles


def memory_round(engine: ApertiumEngine, articles: list[SourceText]) -> dict[str, float]:
    words = sum(a.word_count for a in articles)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        db = create_engine(f"sqlite:///{folder}/memory.sqlite3")
        upgrade(db)
        with Session(db) as session:
            for label, memory in (("none", None), ("cold", SqlMemory(session)), ("warm", None)):
                settings = PathSettings(memory=memory if label != "warm" else SqlMemory(session))
                stats = PathStats()
                started = time.perf_counter()
                for start in range(0, len(articles), BATCH):
                    translate_texts(
                        engine,
                        articles[start : start + BATCH],
                        "es",
                        "en",
                        settings=settings,
                        stats=stats,
                    )
                    session.commit()
                results[f"{label}_wps"] = words / (time.perf_counter() - started)
                results[f"{label}_hits"] = stats.hit_rate
        db.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-r", "--rounds", type=int, default=3)
    parser.add_argument("--pairs", default="")
    parser.add_argument("--feed", type=int, default=300, help="articles in the boilerplate feed")
    parser.add_argument("--qe", action="store_true", help="the quality estimate's calibration")
    parser.add_argument("--fit", action="store_true", help="with --qe: fit weights and threshold")
    parser.add_argument(
        "--write", type=Path, help="with --qe: write each pair's threshold offset to this file"
    )
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"{DATA} not found: the FLORES-200 devtest is needed (BENCH_FLORES)")
    if args.qe:
        from translate_qe import run

        threshold = TranslationSettings().quality_threshold
        # --qe without --pairs: every installed pair between the FLORES languages here.
        pairs = args.pairs.split(",") if args.pairs else []
        run(DATA, pairs, threshold, args.fit, args.write)
        return
    print(f"{platform.node()} {os.cpu_count()} cores; medians of {args.rounds} rounds")
    print(
        f"{'pair':8} {'raw chrF':>9} {'bw chrF':>8} {'raw BLEU':>9} {'bw BLEU':>8} "
        f"{'raw w/s':>8} {'bw w/s':>8} {'ratio':>6} {'gate chrF':>9} {'gate w/s':>8} "
        f"{'ratio':>6} (medians of per-round ratios)"
    )
    with ApertiumEngine(timeout=300) as engine:
        for pair in (args.pairs or ",".join(PAIRS)).split(","):
            rounds = [quality_round(engine, pair, r % 2 == 0) for r in range(args.rounds)]
            m = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
            per_round = ", ".join(f"{r['ratio']:.2f}" for r in rounds)
            gate_rounds = ", ".join(f"{r['gate_ratio']:.2f}" for r in rounds)
            print(
                f"{pair:8} {m['raw_chrf']:9.2f} {m['bw_chrf']:8.2f} {m['raw_bleu']:9.2f} "
                f"{m['bw_bleu']:8.2f} {m['raw_wps']:8.0f} {m['bw_wps']:8.0f} "
                f"{m['ratio']:6.2f} {m['gate_chrf']:9.2f} {m['gate_wps']:8.0f} "
                f"{m['gate_ratio']:6.2f}  (rounds: {per_round}; gate: {gate_rounds})"
            )
        articles = boilerplate_feed(args.feed)
        rounds = [memory_round(engine, articles) for _ in range(args.rounds)]
        m = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
        print(
            f"\nTranslation memory, {len(articles)} spa-eng articles sharing boilerplate "
            f"({sum(a.word_count for a in articles)} words):"
        )
        for label, what in (
            ("none", "no memory"),
            ("cold", "empty memory"),
            ("warm", "memory filled"),
        ):
            print(
                f"  {what:14} reused {m[label + '_hits']:6.1%}  {m[label + '_wps']:8.0f} words/s"
                f"  x{m[label + '_wps'] / m['none_wps']:.2f}"
            )


if __name__ == "__main__":
    main()
