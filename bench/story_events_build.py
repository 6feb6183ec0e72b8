"""Build the story-grouping set of same-topic, same-week, distinct events from FLORES-200.

FLORES-200 devtest holds short extracts of real Wikinews articles, each in English
and in human Spanish and Catalan translations. Every Wikinews extract is one event
and gives three reports of it, as different outlets would write them:

- the English extract in full, with the article's headline (from its URL);
- the first part of the Spanish translation (sentences 1 to k), no headline;
- the last part of the Catalan translation (sentences n-k+1 to n), no headline;

(k = ceil((n+1)/2), so the two parts share at least one sentence when n > 1),
the Spanish and Catalan parts translated to English with Apertium, babelwire's
engine. Events are put in one week with the events of one topic (sports,
politics, disasters and weather, science, health...) on the same day, so the
time of a report does not tell them apart: what tells them apart is what they
name. Within each topic the events alternate between a development split (to
tune on) and a held-out split (to report only).

    python bench/story_events_build.py [--flores ../shared/data/mt/flores200-devtest]

writes tests/data/story-events/events.json.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import urllib.parse
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from babelwire.pipeline.translate.engines.apertium import ApertiumEngine

ROOT = Path(__file__).resolve().parents[1]
FLORES = ROOT.parent / "shared" / "data" / "mt" / "flores200-devtest"
OUT = ROOT / "tests" / "data" / "story-events" / "events.json"
WEEK_START = datetime(2026, 11, 2, tzinfo=UTC)
SEED = 7

# Wikinews topic labels as FLORES writes them -> one beat.
BEATS = {
    "sciece": "science",
    "science and technology": "science",
    "research": "science",
    "space": "science",
    "sport": "sports",
    "crime and law": "crime",
    "law": "crime",
    "politics and conflicts": "politics",
    "international": "politics",
    "culture and entertainment": "entertainment",
    "music": "entertainment",
    "media": "entertainment",
    "disasters and accidents": "disasters",
    "weather": "disasters",
    "environment": "disasters",
    "disease": "health",
    "accident": "disasters",
    "disaster": "disasters",
    "climate": "disasters",
    "nature": "disasters",
    "internatoinal": "politics",
    "policy": "politics",
    "religion": "entertainment",
    "culture": "entertainment",
    "technology": "science",
    "business": "science",
    "travel": "entertainment",
    "": "politics",
}


def beat(topic: str) -> str:
    first = topic.split(",")[0].strip().lower()
    return BEATS.get(first, first)


def headline(url: str) -> str:
    """The page's own name: a Wikibooks chapter without its book ("Periodic Table")."""
    name = urllib.parse.unquote(url.rsplit("/wiki/", 1)[1]).rsplit("/", 1)[-1]
    return name.replace("_", " ")


def documents(flores: Path) -> dict[str, dict[str, object]]:
    """Wikinews URL -> beat, headline and its sentences per language, in file order."""
    rows = (flores / "metadata_devtest.tsv").read_text(encoding="utf-8").splitlines()[1:]
    lines = {
        lang: (flores / f"{lang}.devtest").read_text(encoding="utf-8").splitlines()
        for lang in ("eng", "spa", "cat")
    }
    found: dict[str, dict[str, object]] = {}
    for number, row in enumerate(rows):
        url, domain, topic = row.split("\t")[:3]
        doc = found.setdefault(
            url,
            {
                "beat": beat(topic) if domain == "wikinews" else domain,
                "domain": domain,
                "headline": headline(url),
                "lines": [],
                "sentences": {},
            },
        )
        doc["lines"].append(number + 1)  # type: ignore[attr-defined]
        for lang, text in lines.items():
            doc["sentences"].setdefault(lang, []).append(text[number])  # type: ignore[attr-defined]
    return found


def build(flores: Path) -> list[dict[str, object]]:
    docs = documents(flores)
    rng = random.Random(SEED)
    by_beat: dict[str, list[str]] = defaultdict(list)
    for url, doc in docs.items():
        by_beat[str(doc["beat"])].append(url)
    beats = sorted(by_beat, key=lambda b: (-len(by_beat[b]), b))
    parts: list[tuple[str, str, str, str]] = []  # (url, language, title, text)
    for url, doc in docs.items():
        sentences: dict[str, list[str]] = doc["sentences"]  # type: ignore[assignment]
        n = len(sentences["eng"])
        k = math.ceil((n + 1) / 2) if n > 1 else 1
        parts.append((url, "en", str(doc["headline"]), " ".join(sentences["eng"])))
        parts.append((url, "es", "", " ".join(sentences["spa"][:k])))
        parts.append((url, "ca", "", " ".join(sentences["cat"][n - k :])))
    translated: dict[tuple[str, str], str] = {}
    with ApertiumEngine() as engine:
        for language in ("es", "ca"):
            chosen = [p for p in parts if p[1] == language]
            outputs = engine.translate_batch([p[3] for p in chosen], language, "en")
            translated.update({(p[0], language): t for p, t in zip(chosen, outputs, strict=True)})
    reports: list[dict[str, object]] = []
    position = 0
    for day, name in enumerate(beats):
        for url in sorted(by_beat[name]):
            split = "dev" if position % 2 == 0 else "heldout"
            position += 1
            start = WEEK_START + timedelta(days=day % 7, hours=rng.uniform(0, 20))
            for url_, language, title, text in (p for p in parts if p[0] == url):
                moment = start + timedelta(hours=0 if language == "en" else rng.uniform(0, 10))
                reports.append(
                    {
                        "key": f"{url_.rsplit('/wiki/', 1)[1]}#{language}",
                        "event": url_,
                        "beat": name,
                        "domain": docs[url_]["domain"],
                        "split": split,
                        "language": language,
                        "flores_lines": docs[url_]["lines"],
                        "title": title,
                        "text": text if language == "en" else translated[(url_, language)],
                        "original": text if language != "en" else "",
                        "time": moment.isoformat(),
                    }
                )
    reports.sort(key=lambda r: (str(r["time"]), str(r["key"])))
    return reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flores", type=Path, default=FLORES, help="FLORES-200 devtest folder")
    reports = build(parser.parse_args().flores)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(reports, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    events = {r["event"] for r in reports}
    print(f"{len(reports)} reports of {len(events)} events -> {OUT.relative_to(ROOT)}")
    for split in ("dev", "heldout"):
        chosen = [r for r in reports if r["split"] == split]
        print(f"  {split}: {len(chosen)} reports, {len({r['event'] for r in chosen})} events")


if __name__ == "__main__":
    main()
