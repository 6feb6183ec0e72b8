"""Stories across languages: the same event from Spanish, Catalan and English outlets is
one story (compared through real Apertium translations); different events are not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
