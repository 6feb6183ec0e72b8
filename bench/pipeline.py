"""Pipeline throughput: N generated articles through every stage, against raw Apertium.

Serves N English articles (about 600 words each) from the loopback sample server,
spread over several feeds, runs one pass of the newsroom into a site with an
English and a Spanish edition (so every article is translated once, en -> es),
and prints articles/s per stage and end to end. In the same round it pipes the
very same text through one raw `apertium -u eng-spa` process, and prints the
ratio of the engine's words/s inside the pipeline to that raw figure.

    python bench/pipeline.py                 # 500 articles, 3 rounds
    python bench/pipeline.py -n 100 -r 1     # a quick look
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from babelwire.demo.server import DemoServer, SampleOutlet, synthetic_outlet
from babelwire.demo.site import follow_outlets
from babelwire.jobs.run import run_pass
from babelwire.jobs.site import create_site
from babelwire.newsroom import Newsroom

FEEDS = 5


@dataclass
class Round:
    articles: int
    total_seconds: float
    stage_rate: dict[str, float]
    pipeline_words_per_s: float
    raw_words_per_s: float

    @property
    def end_to_end(self) -> float:
        return self.articles / self.total_seconds

    @property
    def ratio(self) -> float:
        return self.pipeline_words_per_s / self.raw_words_per_s


def outlets_for(count: int, words: int) -> list[SampleOutlet]:
    per_feed = -(-count // FEEDS)
    outlets = []
    for number in range(FEEDS):
        size = min(per_feed, count - number * per_feed)
        if size > 0:
            outlets.append(synthetic_outlet(size, words=words, seed=number, slug=f"bulk-{number}"))
    return outlets


def raw_apertium(outlets: list[SampleOutlet]) -> float:
    """Words/s of one `apertium -u eng-spa` process over the same title and body text."""
    segments = [
        text
        for outlet in outlets
        for article in outlet.articles
        for text in (article.title, *(t for _k, t in article.body))
    ]
    words = sum(len(s.split()) for s in segments)
    data = "\n\n".join(segments).encode("utf-8")
    started = time.perf_counter()
    subprocess.run(["apertium", "-u", "eng-spa"], input=data, capture_output=True, check=True)
    return words / (time.perf_counter() - started)


def pipeline_round(count: int, words: int) -> Round:
    outlets = outlets_for(count, words)
    raw = raw_apertium(outlets)
    with (
        tempfile.TemporaryDirectory(prefix="babelwire-bench-") as folder,
        DemoServer(outlets) as server,
    ):
        root = Path(folder)
        create_site(root, title="bench", languages=["en", "es"])
        with Newsroom.open(root) as newsroom:
            follow_outlets(newsroom, server, declare=False)
            started = time.perf_counter()
            report = run_pass(newsroom)
            total = time.perf_counter() - started
    if not report.ok:
        raise SystemExit(f"the pass failed: {report.sources} {report.article_errors}")
    published = report.stage_articles["publish"]
    if published != count:
        raise SystemExit(f"published {published} of {count} articles")
    return Round(
        articles=count,
        total_seconds=total,
        stage_rate={
            stage: report.stage_articles[stage] / seconds
            for stage, seconds in report.stage_seconds.items()
            if seconds > 0
        },
        pipeline_words_per_s=report.engine_words / report.engine_seconds,
        raw_words_per_s=raw,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--articles", type=int, default=500)
    parser.add_argument("-w", "--words", type=int, default=600)
    parser.add_argument("-r", "--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("BABELWIRE_FETCH_MAX_ENTRIES", str(args.articles))
    # One loopback host serves every feed and page: no politeness delay.
    os.environ.setdefault("BABELWIRE_FETCH_HOST_DELAY", "0")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"{args.articles} articles x ~{args.words} words, {args.rounds} rounds, en -> es")
    rounds = []
    for number in range(1, args.rounds + 1):
        result = pipeline_round(args.articles, args.words)
        rounds.append(result)
        stages = ", ".join(f"{k} {v:,.1f}/s" for k, v in result.stage_rate.items())
        print(
            f"round {number}: end to end {result.end_to_end:.2f} articles/s "
            f"({result.total_seconds:.1f} s); {stages}; "
            f"apertium in pipeline {result.pipeline_words_per_s:,.0f} words/s, "
            f"raw {result.raw_words_per_s:,.0f} words/s, ratio {result.ratio:.2f}"
        )
    median = statistics.median
    print("median over rounds:")
    print(f"  end to end            {median(r.end_to_end for r in rounds):8.2f} articles/s")
    for stage in rounds[0].stage_rate:
        rate = median(r.stage_rate.get(stage, 0.0) for r in rounds)
        print(f"  {stage:<21} {rate:8.1f} articles/s")
    print(f"  apertium in pipeline  {median(r.pipeline_words_per_s for r in rounds):8,.0f} words/s")
    print(f"  raw apertium eng-spa  {median(r.raw_words_per_s for r in rounds):8,.0f} words/s")
    print(f"  ratio pipeline / raw  {median(r.ratio for r in rounds):8.2f}")


if __name__ == "__main__":
    main()
