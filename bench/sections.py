"""The section classifier on FLORES-200 devtest: accuracy against the majority class.

The 1,012 devtest sentences joined by their source URL form 282 short articles
(wikinews, wikivoyage, wikibooks), each with a topic from metadata_devtest.tsv.
Topics are mapped to six sections. For several random splits the classifier is
trained on English articles and tested on the rest:

- in English (the pivot language itself);
- on the Spanish and Catalan versions translated into English by Apertium, as
  babelwire does before filing (the pivot translation);
- on the Spanish and Catalan versions as they are (no pivot), to show what the
  translation is worth.

    python bench/sections.py [--splits 5] [--test-share 0.4] [--no-apertium] [--c 100]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from babelwire.pipeline.classify.model import train_model
from babelwire.pipeline.translate.engines.apertium import ApertiumEngine

FLORES = Path(__file__).resolve().parents[2] / "shared" / "data" / "mt" / "flores200-devtest"
LANGUAGES = {"spa": "es", "cat": "ca"}

# Every wikivoyage page is travel; otherwise the first match on the lower-cased topic
# wins ("Paleoanthropology/Genetics" is science). Topics matching nothing are left out.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("travel", ("travel", "antartica", "geography", "europe/", "south_america")),
    ("sport", ("sport", "sailing", "horse")),
    ("politics", ("politic", "internatoinal", "international", "warfare", "crime", "law")),
    ("politics", ("policy",)),
    ("world", ("disaster", "accident", "weather")),
    (
        "science",
        (
            "scien",
            "sciece",
            "research",
            "biology",
            "nature",
            "environment",
            "health",
            "disease",
            "climate",
            "technology",
            "elements",
            "how things work",
            "how_things_work",
            "big cats",
            "dinosaur",
            "paleo",
            "solar",
            "bugs",
            "goats",
            "tesla",
        ),
    ),
    (
        "culture",
        (
            "entertainment",
            "culture",
            "food",
            "history",
            "photography",
            "islam",
            "music",
            "religion",
            "media",
            "civilization",
            "war",
            "revolution",
            "declaration",
            "constitution",
            "templar",
            "heritage",
            "wonders",
            "ancient",
            "violin",
            "yoga",
        ),
    ),
    (
        "society",
        ("business", "managing", "learning", "education", "sociology", "communication"),
    ),
)


@dataclass(frozen=True, slots=True)
class Article:
    url: str
    section: str
    texts: dict[str, str]  # FLORES language code -> text


def section_of(domain: str, topic: str) -> str | None:
    if domain == "wikivoyage":
        return "travel"
    lowered = topic.lower()
    for section, needles in SECTIONS:
        if any(n in lowered for n in needles):
            return section
    return None


def load_articles() -> tuple[list[Article], int]:
    """The articles whose topic maps to a section, and how many were left out."""
    rows = (FLORES / "metadata_devtest.tsv").read_text(encoding="utf-8").splitlines()[1:]
    lines = {
        code: (FLORES / f"{code}.devtest").read_text(encoding="utf-8").splitlines()
        for code in ("eng", *LANGUAGES)
    }
    order: list[str] = []
    topics: dict[str, tuple[str, str]] = {}
    sentences: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        url, domain, topic = row.split("\t")[:3]
        if url not in sentences:
            order.append(url)
            topics[url] = (domain, topic)
            sentences[url] = []
        sentences[url].append(i)
    articles, dropped = [], 0
    for url in order:
        section = section_of(*topics[url])
        if section is None:
            dropped += 1
            continue
        texts = {code: " ".join(lines[code][i] for i in sentences[url]) for code in lines}
        articles.append(Article(url, section, texts))
    return articles, dropped


def split(articles: list[Article], share: float, seed: int) -> tuple[list[Article], list[Article]]:
    """A stratified split: the same share of every section goes to the test set."""
    rng = random.Random(seed)
    train: list[Article] = []
    test: list[Article] = []
    for section in sorted({a.section for a in articles}):
        members = [a for a in articles if a.section == section]
        rng.shuffle(members)
        cut = max(1, round(len(members) * share))
        test.extend(members[:cut])
        train.extend(members[cut:])
    return train, test


def accuracy(predicted: list[str], gold: list[str]) -> float:
    return sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(gold)


def translate_all(articles: list[Article]) -> tuple[dict[tuple[str, str], str], float, int]:
    """Every article's Spanish and Catalan text in English, by Apertium."""
    found: dict[tuple[str, str], str] = {}
    words = 0
    started = time.perf_counter()
    with ApertiumEngine(timeout=600) as engine:
        for code, language in LANGUAGES.items():
            texts = [a.texts[code] for a in articles]
            words += sum(len(t.split()) for t in texts)
            for article, english in zip(
                articles, engine.translate_batch(texts, language, "en"), strict=True
            ):
                found[(article.url, code)] = english
    return found, time.perf_counter() - started, words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--test-share", type=float, default=0.4)
    parser.add_argument("--no-apertium", action="store_true")
    parser.add_argument("--c", type=float, default=100.0, help="Inverse regularisation.")
    args = parser.parse_args()

    articles, dropped = load_articles()
    counts = Counter(a.section for a in articles)
    print(f"{len(articles)} articles with a section ({dropped} topics left out): {dict(counts)}")
    english_of: dict[tuple[str, str], str] = {}
    if not args.no_apertium:
        english_of, seconds, words = translate_all(articles)
        print(f"Apertium es,ca -> en: {words} words in {seconds:.1f} s")

    results: dict[str, list[float]] = {}

    def record(name: str, value: float) -> None:
        results.setdefault(name, []).append(value)

    train_seconds: list[float] = []
    for seed in range(args.splits):
        train, test = split(articles, args.test_share, seed)
        started = time.perf_counter()
        model = train_model(
            [a.texts["eng"] for a in train], [a.section for a in train], language="en", c=args.c
        )
        train_seconds.append(time.perf_counter() - started)
        gold = [a.section for a in test]
        majority = Counter(a.section for a in train).most_common(1)[0][0]
        record("majority class", accuracy([majority] * len(test), gold))
        record("cross-validated on training set", model.cv_accuracy or 0.0)
        record("English", accuracy([model.guess(a.texts["eng"]).slug for a in test], gold))
        for code in LANGUAGES:
            as_is = [model.guess(a.texts[code]).slug for a in test]
            record(f"{code} untranslated", accuracy(as_is, gold))
            if english_of:
                pivot = [model.guess(english_of[(a.url, code)]).slug for a in test]
                record(f"{code} -> en by Apertium", accuracy(pivot, gold))
    print(
        f"{args.splits} stratified splits, {args.test_share:.0%} tested"
        f" ({len(test)} articles), trained on English ({len(train)} articles);"
        f" training with 5-fold cross-validation {statistics.median(train_seconds):.2f} s"
    )
    print(f"{'test set':<34} accuracy (mean, min-max)")
    for name, values in results.items():
        print(f"{name:<34} {statistics.mean(values):.3f} ({min(values):.3f}-{max(values):.3f})")


if __name__ == "__main__":
    main()
