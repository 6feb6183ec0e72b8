"""Stories: reports of the same event from many sources and languages, grouped as they arrive.

Each article is compared in one shared language (its text in the pivot
language: the original or its translation), as a TF-IDF vector, with the open
stories of the time window. It joins the most similar one above the threshold,
or starts a story. Candidate stories come from an inverted index over each
story's strongest terms, so the cost of an assignment depends on how many
stories share a term with the article, not on how many articles are stored.

Topic words alone merge different events of one beat (two earthquakes, two
ferry lines of one sea), so the similarity to a story also weighs what tells
events apart: the names and figures the article gives (capitalised words inside
a sentence, numbers), of which a report of the same event shares most with the
story, and how far in time the article is from the story's reports.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from babelwire.pipeline.dedup.near import words

DEFAULT_THRESHOLD = 0.22
# An article naming at least MIN_NAMES names and figures loses up to NAME_MISMATCH of
# its similarity to a story, in proportion to the share of them the story lacks.
NAME_MISMATCH = 0.35
MIN_NAMES = 2
# The similarity is divided by 1 + hours between the article and the story / TIME_SCALE.
TIME_SCALE_HOURS = 96.0
DEFAULT_WINDOW = timedelta(hours=72)
TERMS_PER_ARTICLE = 24
CANDIDATES = 24
MIN_WORD_LENGTH = 2
NAME_WEIGHT = 2.0
# A story's centroid keeps its strongest terms: the weak tail adds little to the
# cosine and would make memory and comparison time grow with the story's size.
MAX_CENTROID_TERMS = 400
# A story read back from storage is found through its centroid's strongest terms.
RESTORED_POSTINGS = 2 * TERMS_PER_ARTICLE
_NAME = re.compile(r"(?<![.!?:]\s)(?<!^)\b(?:[A-ZÀ-ÖØ-Þ][\w'·-]+|\d[\d.,]*)", re.UNICODE)


def name_words(text: str) -> set[str]:
    """Words that look like names or figures: capitalised inside a sentence, or numbers."""
    return {w for match in _NAME.findall(text) for w in words(match)}


@dataclass(frozen=True, slots=True)
class StoryInput:
    """One article as the clusterer sees it: its pivot-language text and its time."""

    key: Hashable
    title: str
    text: str
    time: datetime


@dataclass(slots=True)
class Story:
    id: int
    first_seen: datetime
    last_seen: datetime
    members: list[Hashable] = field(default_factory=list)
    centroid: dict[str, float] = field(default_factory=dict)
    central: Hashable | None = None
    central_score: float = -1.0
    headline: str = ""

    norm: float = 1.0

    def add(self, vector: dict[str, float]) -> None:
        """Add a member's vector to the centroid, keeping its strongest terms only."""
        centroid = self.centroid
        for term, weight in vector.items():
            centroid[term] = centroid.get(term, 0.0) + weight
        if len(centroid) > MAX_CENTROID_TERMS:
            kept = heapq.nlargest(MAX_CENTROID_TERMS, centroid.items(), key=lambda kv: kv[1])
            self.centroid = centroid = dict(kept)
        self.norm = math.sqrt(sum(w * w for w in centroid.values())) or 1.0


def strongest_first(centroid: dict[str, float], digits: int = 5) -> dict[str, float]:
    """A centroid for storage: its terms strongest first, weights rounded."""
    ranked = sorted(centroid.items(), key=lambda kv: (-kv[1], kv[0]))
    return {term: round(weight, digits) for term, weight in ranked}


@dataclass(frozen=True, slots=True)
class Decision:
    """Where an article goes (`story_id` None: a new story) and its vector."""

    story_id: int | None
    similarity: float
    vector: dict[str, float]
    top_terms: list[tuple[str, float]]


@dataclass(frozen=True, slots=True)
class Assignment:
    story_id: int
    similarity: float
    new_story: bool


class StoryClusterer:
    """Incremental single-pass clustering over a sliding time window."""

    def __init__(
        self,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        window: timedelta = DEFAULT_WINDOW,
        terms_per_article: int = TERMS_PER_ARTICLE,
        candidates: int = CANDIDATES,
        keep_closed: bool = True,
        events: bool = True,
    ) -> None:
        self.threshold = threshold
        # False: topic words alone (the cosine), without names, figures and time.
        self.events = events
        self.window = window
        self.terms_per_article = terms_per_article
        self.candidates = candidates
        # False: a closed story is forgotten altogether (its members are stored elsewhere).
        self.keep_closed = keep_closed
        self.stories: dict[int, Story] = {}
        self._document_frequency: Counter[str] = Counter()
        self._documents = 0
        self._postings: dict[str, set[int]] = defaultdict(set)
        self._story_terms: dict[int, list[str]] = defaultdict(list)
        self._next_id = 1
        self._assignments_since_prune = 0

    # -- vectors ---------------------------------------------------------------------

    def _idf(self, term: str) -> float:
        return math.log((self._documents + 1) / (self._document_frequency[term] + 1)) + 1.0

    def vector(self, title: str, text: str) -> dict[str, float]:
        """Unit TF-IDF vector of an article; the title counts twice.

        Names and figures tell one event from another report on the same beat
        (the same club, the same town): words written with a capital inside a
        sentence, and numbers, weigh NAME_WEIGHT times more.
        """
        counts = Counter(w for w in words(f"{title} {title} {text}") if len(w) >= MIN_WORD_LENGTH)
        names = name_words(f"{title}. {text}")
        weights = {
            t: (1.0 + math.log(c)) * self._idf(t) * (NAME_WEIGHT if t in names else 1.0)
            for t, c in counts.items()
        }
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: w / norm for t, w in weights.items()}

    def _observe(self, title: str, text: str) -> None:
        self._documents += 1
        self._document_frequency.update(
            {w for w in words(f"{title} {text}") if len(w) >= MIN_WORD_LENGTH}
        )

    # -- assignment ------------------------------------------------------------------

    def _is_open(self, story: Story, time: datetime) -> bool:
        # An article arriving late (reported before the story began) is in range too.
        return story.first_seen - self.window <= time <= story.last_seen + self.window

    def _candidates(self, top_terms: list[tuple[str, float]], time: datetime) -> list[int]:
        scores: dict[int, float] = defaultdict(float)
        for term, weight in top_terms:
            for story_id in self._postings.get(term, ()):
                scores[story_id] += weight
        best = heapq.nlargest(self.candidates, scores.items(), key=lambda item: item[1])
        return [sid for sid, _ in best if self._is_open(self.stories[sid], time)]

    def similarity(self, vector: dict[str, float], story: Story) -> float:
        centroid = story.centroid
        dot = sum(w * centroid.get(t, 0.0) for t, w in vector.items())
        return dot / story.norm

    def event_similarity(
        self, vector: dict[str, float], names: set[str], time: datetime, story: Story
    ) -> float:
        """The cosine, less for the article's names and figures the story lacks and for
        the time between the article and the story's reports."""
        score = self.similarity(vector, story)
        if len(names) >= MIN_NAMES:
            missing = sum(1 for name in names if name not in story.centroid) / len(names)
            score *= 1.0 - NAME_MISMATCH * missing
        gap = max(story.first_seen - time, time - story.last_seen, timedelta(0))
        return score / (1.0 + gap.total_seconds() / 3600 / TIME_SCALE_HOURS)

    def decide(self, item: StoryInput, *, observe: bool = True) -> Decision:
        """The open story `item` would join (None: it starts one).

        With `observe` the article counts for the idf first; without, the caller
        has counted it already (a batch counts all its articles before deciding).
        """
        if observe:
            self._observe(item.title, item.text)
        vector = self.vector(item.title, item.text)
        top_terms = heapq.nlargest(self.terms_per_article, vector.items(), key=lambda kv: kv[1])
        names = {w for w in name_words(f"{item.title}. {item.text}") if w in vector}
        best_id, best_score = 0, 0.0
        for story_id in self._candidates(top_terms, item.time):
            story = self.stories[story_id]
            if self.events:
                score = self.event_similarity(vector, names, item.time, story)
            else:
                score = self.similarity(vector, story)
            if score > best_score:
                best_id, best_score = story_id, score
        if best_score < self.threshold:
            return Decision(None, 1.0, vector, top_terms)
        return Decision(best_id, best_score, vector, top_terms)

    def place(self, item: StoryInput, decision: Decision, new_id: int | None = None) -> Assignment:
        """Put `item` where `decision` says; a new story gets `new_id` (else the next free id)."""
        new_story = decision.story_id is None
        if decision.story_id is None:
            if new_id is None:
                new_id = self._next_id
            self._next_id = max(self._next_id, new_id + 1)
            story_id = new_id
            self.stories[story_id] = Story(story_id, item.time, item.time)
        else:
            story_id = decision.story_id
        story = self.stories[story_id]
        story.members.append(item.key)
        story.first_seen = min(story.first_seen, item.time)
        story.last_seen = max(story.last_seen, item.time)
        story.add(decision.vector)
        self._post(story_id, (term for term, _weight in decision.top_terms))
        if new_story or decision.similarity > story.central_score:
            story.central, story.central_score = item.key, decision.similarity
            story.headline = item.title
        self._assignments_since_prune += 1
        if self._assignments_since_prune >= 1000:
            self.prune(item.time)
        return Assignment(story_id, decision.similarity, new_story)

    def assign(self, item: StoryInput) -> Assignment:
        """Put one article into the best open story, or start a story with it."""
        return self.place(item, self.decide(item))

    def observe(self, title: str, text: str) -> None:
        """Count an article placed elsewhere (by another process) in the idf."""
        self._observe(title, text)

    def restore(
        self, story: Story, posted_terms: int = RESTORED_POSTINGS, *, ordered: bool = False
    ) -> None:
        """Take in a stored story (or its newer state): its centroid and strongest terms.

        `ordered`: the centroid lists its terms strongest first (as `strongest_first`
        writes them), so they need no sorting.
        """
        story.norm = math.hypot(*story.centroid.values()) or 1.0
        known = self.stories.get(story.id)
        if known is not None:
            story.members = known.members
        self.stories[story.id] = story
        self._next_id = max(self._next_id, story.id + 1)
        if ordered:
            self._post(story.id, itertools.islice(story.centroid, posted_terms))
        else:
            strongest = heapq.nlargest(posted_terms, story.centroid.items(), key=lambda kv: kv[1])
            self._post(story.id, (term for term, _weight in strongest))

    def _post(self, story_id: int, terms: Iterable[str]) -> None:
        for term in terms:
            if story_id not in self._postings[term]:
                self._postings[term].add(story_id)
                self._story_terms[story_id].append(term)

    def assign_all(self, items: Iterable[StoryInput]) -> dict[Hashable, int]:
        return {item.key: self.assign(item).story_id for item in items}

    def prune(self, now: datetime) -> int:
        """Drop stories closed by `now` from the candidate index (they keep their members).

        Only stories that ended a window before `now`: a late article (reported
        long ago) does not close the stories of today.
        """
        self._assignments_since_prune = 0
        closed = [
            sid
            for sid, s in self.stories.items()
            if now - s.last_seen > self.window and (s.centroid or not self.keep_closed)
        ]
        for story_id in closed:
            for term in self._story_terms.pop(story_id, []):
                postings = self._postings.get(term)
                if postings is not None:
                    postings.discard(story_id)
                    if not postings:
                        del self._postings[term]
            if self.keep_closed:
                self.stories[story_id].centroid = {}
            else:
                del self.stories[story_id]
        return len(closed)
