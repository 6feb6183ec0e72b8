"""Stories across languages: the same event from Spanish, Catalan and English outlets is
one story (compared through real Apertium translations); different events are not."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Hashable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from babelwire.demo.server import load_samples
from babelwire.pipeline.dedup.stories import StoryClusterer, StoryInput
from babelwire.pipeline.translate.engines.apertium import ApertiumEngine

SAME_EVENT = [
    {"el-faro-de-almira/inauguracion-puente-salinas", "diari-de-portvell/obertura-pont-salines"},
    {
        "diari-de-portvell/posidonia-badia-portvell",
        "harbour-courier/seagrass-recovery-portvell-bay",
    },
]


@pytest.fixture(scope="module")
def english_versions() -> list[StoryInput]:
    """Every sample article in English: as written, or translated by Apertium."""
    items = []
    with ApertiumEngine() as engine:
        for outlet in load_samples():
            titles = [a.title for a in outlet.articles]
            bodies = [" ".join(t for _k, t in a.body) for a in outlet.articles]
            if outlet.language != "en":
                titles = engine.translate_batch(titles, outlet.language, "en")
                bodies = engine.translate_batch(bodies, outlet.language, "en")
            for article, title, body in zip(outlet.articles, titles, bodies, strict=True):
                items.append(
                    StoryInput(f"{outlet.slug}/{article.slug}", title, body, article.published)
                )
    return sorted(items, key=lambda item: item.time)


def test_the_same_event_in_two_languages_is_one_story(english_versions: list[StoryInput]) -> None:
    clusterer = StoryClusterer()
    story_of = clusterer.assign_all(english_versions)
    for pair in SAME_EVENT:
        assert len({story_of[key] for key in pair}) == 1, pair
    # and nothing else was merged: the fictional outlets cover the same town, the same
    # clubs and the same mayor in many different stories
    merged = [set(map(str, s.members)) for s in clusterer.stories.values() if len(s.members) > 1]
    assert sorted(merged, key=sorted) == sorted(SAME_EVENT, key=sorted)


def test_a_story_has_a_headline_times_and_closes_after_the_window(
    english_versions: list[StoryInput],
) -> None:
    clusterer = StoryClusterer(window=timedelta(hours=72))
    story_of = clusterer.assign_all(english_versions)
    bridge = clusterer.stories[story_of["el-faro-de-almira/inauguracion-puente-salinas"]]
    assert bridge.headline in {i.title for i in english_versions if i.key in SAME_EVENT[0]}
    assert bridge.first_seen <= bridge.last_seen
    first = next(i for i in english_versions if i.key in SAME_EVENT[0])
    # the same text within the window joins; a week later it starts a new story
    soon = StoryInput("soon-copy", first.title, first.text, bridge.last_seen + timedelta(hours=1))
    assert clusterer.assign(soon).story_id == bridge.id
    later = StoryInput("late-copy", first.title, first.text, bridge.last_seen + timedelta(days=7))
    assignment = clusterer.assign(later)
    assert assignment.new_story and assignment.story_id != bridge.id


def test_closed_stories_leave_the_candidate_index() -> None:
    clusterer = StoryClusterer(window=timedelta(hours=1))
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    clusterer.assign(StoryInput(1, "harbour strike", "dockers strike at the harbour", t0))
    assert clusterer.prune(t0 + timedelta(hours=2)) == 1
    again = clusterer.assign(
        StoryInput(2, "harbour strike", "dockers strike at the harbour", t0 + timedelta(hours=2))
    )
    assert again.new_story


# --- same-topic, same-week, distinct events (tests/data/story-events, from FLORES-200) ---

EVENTS = Path(__file__).resolve().parent / "data" / "story-events" / "events.json"
# Pairs of real Wikinews events on one beat, reported on the same day.
SAME_BEAT = [
    ("Scientists_report_two_life-saving_treatments_for_Ebola", "Patient_under_evaluation_with"),
    ("Austria_leads_medal_count_after_second_day", "Nathalie_Carpanedo_finishes_wild_card_run"),
    ("DeLay_declares", "Parts_of_New_Orleans_flood_again"),
]


def events_split(split: str) -> tuple[list[StoryInput], dict[str, str]]:
    reports = [r for r in json.loads(EVENTS.read_text(encoding="utf-8")) if r["split"] == split]
    items = [
        StoryInput(r["key"], r["title"], r["text"], datetime.fromisoformat(r["time"]))
        for r in sorted(reports, key=lambda r: (r["time"], r["key"]))
    ]
    return items, {r["key"]: r["event"] for r in reports}


def bcubed(predicted: dict[Hashable, int], gold: dict[str, str]) -> tuple[float, float]:
    stories: dict[int, set[str]] = defaultdict(set)
    events: dict[str, set[str]] = defaultdict(set)
    for key, event in gold.items():
        stories[predicted[key]].add(key)
        events[event].add(key)
    precision = sum(
        len(stories[predicted[k]] & events[e]) / len(stories[predicted[k]]) for k, e in gold.items()
    )
    recall = sum(len(stories[predicted[k]] & events[e]) / len(events[e]) for k, e in gold.items())
    return precision / len(gold), recall / len(gold)


def story_of_event(predicted: dict[Hashable, int], prefix: str) -> set[int]:
    return {story for key, story in predicted.items() if str(key).startswith(prefix)}


def test_same_topic_events_of_one_day_stay_apart_and_each_event_stays_whole() -> None:
    items, gold = events_split("heldout")
    predicted = StoryClusterer().assign_all(items)
    for first, second in SAME_BEAT:
        one, other = story_of_event(predicted, first), story_of_event(predicted, second)
        assert len(one) == 1 and len(other) == 1, (first, one, second, other)
        assert one != other, (first, second)
    precision, recall = bcubed(predicted, gold)
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)


def test_topic_words_alone_merge_those_events_at_the_same_threshold() -> None:
    items, _gold = events_split("heldout")
    predicted = StoryClusterer(events=False).assign_all(items)
    merged = [
        pair
        for pair in SAME_BEAT
        if story_of_event(predicted, pair[0]) == story_of_event(predicted, pair[1])
    ]
    assert merged == SAME_BEAT


def test_names_the_story_lacks_lower_the_similarity() -> None:
    clusterer = StoryClusterer()
    t0 = datetime(2026, 11, 2, tzinfo=UTC)
    quake = "A strong earthquake struck near Tonga on Wednesday; a tsunami warning was issued."
    clusterer.assign(StoryInput("tonga", "Earthquake near Tonga", quake, t0))
    story = next(iter(clusterer.stories.values()))
    montana = "A moderate earthquake shook Dillon in Montana on Monday; no tsunami warning."
    vector = clusterer.vector("Earthquake in Montana", montana)
    names = {"dillon", "montana", "monday"}
    later = t0 + timedelta(hours=48)
    cosine = clusterer.similarity(vector, story)
    assert clusterer.event_similarity(vector, names, t0, story) < cosine
    assert clusterer.event_similarity(vector, {"tonga", "wednesday"}, t0, story) == cosine
    assert clusterer.event_similarity(vector, {"tonga", "wednesday"}, later, story) < cosine
