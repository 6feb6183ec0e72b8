"""Story grouping and near-duplicates: quality on real text, and cost as the archive grows.

1. Cross-language stories on FLORES-200 devtest: sentences joined by source URL
   form short articles available in English, Spanish and Catalan; the Spanish
   and Catalan versions are translated to English with Apertium (babelwire's
   engine) and all versions are clustered together. Each article's versions
   must form one story and different articles must not: pairwise precision,
   recall, F1 and B-cubed F1.
2. Near-duplicates on pages of the trafilatura evaluation corpus: each
   extracted text gets edited copies (new headline and byline, last paragraph
   trimmed, a few words changed); pairwise F1 of the groups found.
3. Time to assign one article to a story with 1k, 10k and 100k articles
   already stored (median of the last 500 assignments), and peak memory.
4. With --db: the same through the job functions on a database (SQLite in a
   temporary folder, or --database-url) holding 1k, 10k and 100k synthetic
   published articles in stories (inserted in bulk, one every 3 s, so the
   72-hour window holds up to 86,400 of them). The newsroom is then opened
   afresh (a restart) and --new articles go through the copy check at extract
   (jobs/duplicates.py) and the story assignment at publish (jobs/stories.py),
   each committed: ms per article (median, p90), the first assignment after
   the restart (reading the window back) and peak memory.

    python bench/stories.py
    python bench/stories.py --db [--database-url postgresql://...] [--sizes ...]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import time
from collections import defaultdict
from collections.abc import Hashable, Mapping
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

from babelwire.pipeline.dedup.near import NearDuplicateIndex, fingerprints
from babelwire.pipeline.dedup.stories import DEFAULT_THRESHOLD, StoryClusterer, StoryInput
from babelwire.pipeline.extract.article import ExtractionError, extract_article
from babelwire.pipeline.translate.engines.apertium import ApertiumEngine
from story_events import FORMER_THRESHOLD, bcubed

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FLORES = DATA / "mt" / "flores200-devtest"
PAGES = DATA / "extraction" / "trafilatura-eval-300"
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def pairwise(
    predicted: Mapping[Hashable, Hashable], gold: Mapping[Hashable, Hashable]
) -> tuple[float, float, float]:
    def pairs(labels: Mapping[Hashable, Hashable]) -> set[frozenset[Hashable]]:
        groups: dict[Hashable, list[Hashable]] = defaultdict(list)
        for key, label in labels.items():
            groups[label].append(key)
        return {frozenset(p) for members in groups.values() for p in combinations(members, 2)}

    found, true = pairs(predicted), pairs(gold)
    hits = len(found & true)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def flores_articles() -> dict[str, dict[str, str]]:
    """URL -> language -> text, from the aligned FLORES files."""
    urls = [
        line.split("\t")[0]
        for line in (FLORES / "metadata_devtest.tsv").read_text().splitlines()[1:]
    ]
    articles: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for language in ("eng", "spa", "cat"):
        lines = (FLORES / f"{language}.devtest").read_text().splitlines()
        for url, line in zip(urls, lines, strict=True):
            articles[url][language].append(line)
    return {url: {lang: " ".join(s) for lang, s in v.items()} for url, v in articles.items()}


def cross_language(seed: int) -> None:
    articles = flores_articles()
    engine = ApertiumEngine()
    translated: dict[tuple[str, str], str] = {}
    for language, code in (("spa", "es"), ("cat", "ca")):
        urls = list(articles)
        outputs = engine.translate_batch([articles[u][language] for u in urls], code, "en")
        translated.update({(u, language): t for u, t in zip(urls, outputs, strict=True)})
    engine.close()
    items = []
    for number, (url, versions) in enumerate(articles.items()):
        for language in versions:
            text = versions[language] if language == "eng" else translated[(url, language)]
            moment = T0 + timedelta(minutes=number)
            items.append(StoryInput((url, language), "", text, moment))
    random.Random(seed).shuffle(items)
    gold = {item.key: item.key[0] for item in items}  # type: ignore[index]
    for events, threshold in [(False, FORMER_THRESHOLD)] + [
        (True, t) for t in (0.18, 0.2, DEFAULT_THRESHOLD, 0.25, 0.3, 0.35)
    ]:
        clusterer = StoryClusterer(threshold=threshold, events=events)
        predicted = clusterer.assign_all(items)
        p, r, f1 = pairwise(predicted, gold)
        mark = " (default)" if events and threshold == DEFAULT_THRESHOLD else ""
        name = "names, figures, time" if events else "topic words only (former default)"
        print(
            f"  {name} threshold {threshold:.2f}{mark}: pairwise P {p:.3f} R {r:.3f} F1 {f1:.3f}, "
            f"B-cubed F1 {bcubed(predicted, gold)[2]:.3f}, {len(set(predicted.values()))} stories "
            f"for {len(articles)} articles"
        )


def edited_copies(text: str, rng: random.Random) -> list[str]:
    paragraphs = [p for p in text.split("\n") if p.strip()]
    byline = "By Staff Reporter, with agencies."
    new_headline = f"UPDATE: {rng.choice(['Latest', 'Breaking', 'Report'])} news\n"
    trimmed = "\n".join(paragraphs[:-1]) if len(paragraphs) > 2 else text[: int(len(text) * 0.8)]
    tokens = text.split()
    for _ in range(max(1, len(tokens) // 20)):
        tokens[rng.randrange(len(tokens))] = rng.choice(["said", "the", "reported", "officials"])
    return [new_headline + byline + "\n" + text, trimmed, " ".join(tokens) + " (Reuters)"]


def near_duplicates(limit: int, seed: int) -> None:
    evaldata = json.loads((PAGES / "evaldata.json").read_text())
    rng = random.Random(seed)
    texts: dict[tuple[int, int], str] = {}
    for number, item in enumerate(evaldata.values()):
        if len({k[0] for k in texts}) >= limit:
            break
        html = (PAGES / "html" / item["file"]).read_bytes()
        try:
            article = extract_article(html, "https://example.org/")
        except ExtractionError:
            continue
        text = "\n".join(b.text for b in article.blocks)
        if len(text.split()) < 150:
            continue
        texts[(number, 0)] = text
        for copy, edited in enumerate(edited_copies(text, rng), start=1):
            texts[(number, copy)] = edited
    keys = list(texts)
    rng.shuffle(keys)
    started = time.perf_counter()
    hashes = fingerprints([texts[k] for k in keys])
    index = NearDuplicateIndex()
    group: dict[Hashable, Hashable] = {}
    for key, minhash in zip(keys, hashes, strict=True):
        matches = index.matches(minhash)
        group[key] = group[matches[0].key] if matches else key
        index.add(key, minhash)
    elapsed = time.perf_counter() - started
    gold = {k: k[0] for k in keys}
    p, r, f1 = pairwise(group, gold)
    print(
        f"  {len({k[0] for k in keys})} pages + 3 edited copies each ({len(keys)} texts): "
        f"pairwise P {p:.3f} R {r:.3f} F1 {f1:.3f}; {len(keys) / elapsed:,.0f} texts/s"
    )


def synthetic_text(rng: random.Random, vocabulary: list[str], topic: list[str]) -> str:
    return " ".join(rng.choice(topic if rng.random() < 0.3 else vocabulary) for _ in range(250))


def assignment_cost(sizes: list[int], seed: int) -> None:
    rng = random.Random(seed)
    vocabulary = [f"w{n}" for n in range(30_000)]
    for size in sizes:
        clusterer = StoryClusterer()
        topics = [rng.sample(vocabulary, 12) for _ in range(max(1, size // 4))]
        timings = []
        for number in range(size):
            topic = topics[rng.randrange(len(topics))]
            item = StoryInput(
                number,
                " ".join(topic[:5]),
                synthetic_text(rng, vocabulary, topic),
                T0 + timedelta(seconds=number * 3),  # ~28,800 articles a day
            )
            started = time.perf_counter()
            clusterer.assign(item)
            if number >= size - 500:
                timings.append(time.perf_counter() - started)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"  {size:>7,} articles stored: {statistics.median(timings) * 1000:6.2f} ms per "
            f"article (median of the last 500), {len(clusterer.stories):,} stories, "
            f"peak RSS {peak:,.0f} MiB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=150)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--db", action="store_true", help="measure the job functions on a database")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--new", type=int, default=300, help="articles measured per size (--db)")
    args = parser.parse_args()
    if args.db:
        from stories_db import database_cost

        print("copy check and story assignment on a database, through the job functions:")
        database_cost(
            [int(s) for s in args.sizes.split(",")], args.new, args.seed, args.database_url
        )
        return
    if FLORES.exists():
        print("cross-language stories, FLORES-200 devtest (eng + spa->eng + cat->eng):")
        cross_language(args.seed)
    else:
        print(f"skipped cross-language stories: {FLORES} not found")
    if PAGES.exists():
        print("near-duplicates, trafilatura-eval-300 pages:")
        near_duplicates(args.pages, args.seed)
    else:
        print(f"skipped near-duplicates: {PAGES} not found")
    print("time to assign one article to a story:")
    assignment_cost([int(s) for s in args.sizes.split(",")], args.seed)


if __name__ == "__main__":
    main()
