"""Title-case headlines: chrF of translated title-case input against sentence-case input.

Each FLORES-200 devtest sentence (English) is an article's headline, with up to
three other sentences of the same source article (FLORES's metadata) as its body.
The headline goes through babelwire's translation path three ways, with real
Apertium: as written (sentence case), put in English title case with the
headline handling off (what the path did before), and in title case with it on
(casing.py: detected, put in sentence case keeping the body's names, the
glossary's and the words the engine does not know).  Prints chrF (sacrebleu)
of the headlines against the FLORES reference, the gaps, how many title-case
headlines were detected and how many sentence-case ones were (wrongly), and
words/s of the whole path with the handling off and on (medians over rounds).

    python bench/headlines.py                 # 3 rounds, eng-spa and eng-cat
    python bench/headlines.py -r 1 --pairs eng-cat
    FLORES_DIR=/path/to/flores200-devtest python bench/headlines.py
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections import defaultdict
from pathlib import Path

import sacrebleu

from babelwire.model import Block, BlockKind
from babelwire.pipeline.translate.article import PathSettings, SourceText, translate_texts
from babelwire.pipeline.translate.casing import is_title_case, title_case
from babelwire.pipeline.translate.engines.apertium import ApertiumEngine

DATA = Path(
    os.environ.get("FLORES_DIR")
    or Path(__file__).resolve().parents[2] / "shared" / "data" / "mt" / "flores200-devtest"
)
PAIRS = ("eng-spa", "eng-cat")
ISO1 = {"spa": "es", "eng": "en", "cat": "ca"}
BATCH = 100  # articles per engine batch, as in the pipeline
BODY = 3  # sentences of the same source article as the body


def articles(lines: list[str], titled: bool) -> list[SourceText]:
    """One article per sentence: it as the headline, its neighbours as the body."""
    urls = [row.split("\t")[0] for row in (DATA / "metadata_devtest.tsv").read_text().splitlines()]
    groups: dict[str, list[int]] = defaultdict(list)
    for index, url in enumerate(urls[1 : len(lines) + 1]):
        groups[url].append(index)
    out = []
    for index, line in enumerate(lines):
        others = [i for i in groups[urls[index + 1]] if i != index][:BODY]
        body = [Block(BlockKind.PARAGRAPH, lines[i]) for i in others]
        out.append(SourceText(title_case(line) if titled else line, body))
    return out


def headlines(
    engine: ApertiumEngine, texts: list[SourceText], source: str, target: str, on: bool
) -> tuple[list[str], float]:
    settings = PathSettings(headline_casing=on)
    started = time.perf_counter()
    out: list[str] = []
    for start in range(0, len(texts), BATCH):
        batch = texts[start : start + BATCH]
        out.extend(
            r.article.title
            for r in translate_texts(engine, batch, source, target, settings=settings)
        )
    return out, time.perf_counter() - started


def one_round(engine: ApertiumEngine, pair: str) -> dict[str, float]:
    src_code, tgt_code = pair.split("-")
    source, target = ISO1[src_code], ISO1[tgt_code]
    lines = (DATA / f"{src_code}.devtest").read_text(encoding="utf-8").splitlines()
    refs = (DATA / f"{tgt_code}.devtest").read_text(encoding="utf-8").splitlines()
    plain = articles(lines, titled=False)
    titled = articles(lines, titled=True)
    words = sum(t.word_count for t in titled)
    as_written, _ = headlines(engine, plain, source, target, True)
    raw, raw_s = headlines(engine, titled, source, target, False)
    handled, handled_s = headlines(engine, titled, source, target, True)
    return {
        "sentence": sacrebleu.corpus_chrf(as_written, [refs]).score,
        "raw": sacrebleu.corpus_chrf(raw, [refs]).score,
        "handled": sacrebleu.corpus_chrf(handled, [refs]).score,
        "detected": sum(is_title_case(t.title, source) for t in titled) / len(titled),
        "false": sum(is_title_case(t.title, source) for t in plain) / len(plain),
        "changed": sum(t.title != p.title for t, p in zip(titled, plain, strict=True))
        / len(titled),
        "off_wps": words / raw_s,
        "on_wps": words / handled_s,
        "ratio": raw_s / handled_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-r", "--rounds", type=int, default=3)
    parser.add_argument("--pairs", default=",".join(PAIRS))
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"{DATA} not found: the FLORES-200 devtest is needed")
    print(f"{platform.node()} {os.cpu_count()} cores; medians of {args.rounds} rounds")
    print(
        f"{'pair':8} {'sentence':>8} {'title':>6} {'handled':>8} {'gap before':>10} "
        f"{'gap after':>9} {'detected':>8} {'false':>6} {'off w/s':>8} {'on w/s':>7} {'ratio':>6}"
    )
    with ApertiumEngine(timeout=300) as engine:
        for pair in args.pairs.split(","):
            rounds = [one_round(engine, pair) for _ in range(args.rounds)]
            m = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
            print(
                f"{pair:8} {m['sentence']:8.2f} {m['raw']:6.2f} {m['handled']:8.2f} "
                f"{m['sentence'] - m['raw']:10.2f} {m['sentence'] - m['handled']:9.2f} "
                f"{m['detected']:8.1%} {m['false']:6.1%} {m['off_wps']:8.0f} {m['on_wps']:7.0f} "
                f"{m['ratio']:6.2f}"
            )
            print(f"         ({m['changed']:.1%} of the sentences change when title-cased)")


if __name__ == "__main__":
    main()
