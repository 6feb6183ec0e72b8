"""Story grouping on same-topic, same-week, distinct events: B-cubed precision and recall.

The set (tests/data/story-events/events.json, built by bench/story_events_build.py
from FLORES-200 devtest) has 100 real Wikinews events, each reported three times
(English in full with its headline; the first part of the Spanish and the last part
of the Catalan translation, both through Apertium), the events of one beat on the
same day. Each split (dev: tuned on; heldout: reported only) is grouped on its own,
in the order the reports arrive, with babelwire's grouping and with the grouping by
topic words alone (the baseline, `events=False`), at a few thresholds.

    python bench/story_events.py
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Hashable, Mapping
from datetime import datetime
from pathlib import Path

from babelwire.pipeline.dedup.stories import DEFAULT_THRESHOLD, StoryClusterer, StoryInput

# The grouping by topic words alone used this threshold.
FORMER_THRESHOLD = 0.35
SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "story-events" / "events.json"


def bcubed(
    predicted: Mapping[Hashable, Hashable], gold: Mapping[Hashable, Hashable]
) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a grouping against the true one."""
    by_predicted: dict[Hashable, set[Hashable]] = defaultdict(set)
    by_gold: dict[Hashable, set[Hashable]] = defaultdict(set)
    for key in gold:
        by_predicted[predicted[key]].add(key)
        by_gold[gold[key]].add(key)
    precision = recall = 0.0
    for key in gold:
        cluster, truth = by_predicted[predicted[key]], by_gold[gold[key]]
        shared = len(cluster & truth)
        precision += shared / len(cluster)
        recall += shared / len(truth)
    precision /= len(gold)
    recall /= len(gold)
    return precision, recall, 2 * precision * recall / (precision + recall)


def load(split: str, path: Path = SET) -> tuple[list[StoryInput], dict[Hashable, Hashable]]:
    """The reports of one split in arrival order, and report key -> event."""
    reports = [r for r in json.loads(path.read_text(encoding="utf-8")) if r["split"] == split]
    items = [
        StoryInput(r["key"], r["title"], r["text"], datetime.fromisoformat(r["time"]))
        for r in reports
    ]
    items.sort(key=lambda item: (item.time, str(item.key)))
    return items, {r["key"]: r["event"] for r in reports}


def merged_stories(
    predicted: Mapping[Hashable, Hashable], gold: Mapping[Hashable, Hashable]
) -> int:
    """Stories that hold reports of two or more events."""
    events: dict[Hashable, set[Hashable]] = defaultdict(set)
    for key, story in predicted.items():
        events[story].add(gold[key])
    return sum(1 for found in events.values() if len(found) > 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=SET)
    args = parser.parse_args()
    for split in ("dev", "heldout"):
        items, gold = load(split, args.set)
        print(f"{split}: {len(items)} reports of {len(set(gold.values()))} events")
        for events in (False, True):
            for threshold in (0.18, 0.20, DEFAULT_THRESHOLD, 0.25, 0.30, 0.35):
                clusterer = StoryClusterer(threshold=threshold, events=events)
                predicted = clusterer.assign_all(items)
                p, r, f1 = bcubed(predicted, gold)
                mark = ""
                if events and threshold == DEFAULT_THRESHOLD:
                    mark = " (default)"
                elif not events and threshold == FORMER_THRESHOLD:
                    mark = " (former default)"
                name = "names, figures, time" if events else "topic words only  "
                print(
                    f"  {name} threshold {threshold:.2f}{mark}: B-cubed P {p:.3f} "
                    f"R {r:.3f} F1 {f1:.3f}; {len(set(predicted.values()))} stories, "
                    f"{merged_stories(predicted, gold)} hold several events"
                )


if __name__ == "__main__":
    main()
