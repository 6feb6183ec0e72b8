"""Estimating how good a translation is from what it says, not only from its form.

The form checks (quality.py) find output that is broken; a fluent sentence with
the wrong meaning ("will get a reversal of 40 million") passes them.  This
module adds signals that follow meaning and combines them, with weights
calibrated on FLORES-200 against sentence chrF (``bench/translate.py --qe``),
into an estimate of the translation's chrF from 0 to 1:

- **round trip**: the translation translated back by the reverse route, compared
  with the source (chrF); done on the title, the first block and evenly spaced
  blocks, at most ``round_trip_share`` of the article's words, so it costs a
  bounded share of the engine's time;
- **unknown words**: the share of source words the engine marked as unknown;
- **untranslated words**: the share of the source's lower-case words of four or
  more letters found unchanged in the translation;
- **overlap**: chrF of the translation against its source (names, figures and
  cognates carried over; it predicts a higher chrF), on the round trip's sample;
- **ambiguous words**: where the route is one Apertium pair, the share of the
  source's content words (nouns, verbs, adjectives, adverbs) for which the
  bilingual dictionary offers several translations and no lexical-selection rule
  chose one, so transfer took the first (the dictionary's default sense), on the
  sample;
- **sense gap**: for those words, how much more common (Zipf points, wordfreq) the
  most common other translation is than the one taken, summed over the ambiguous
  words and divided by the content words: "inversió" -> "reversal" (3.56) where
  "investment" (4.84) was offered; on the sample;
- **fluency** and **rare words**: the mean Zipf frequency (divided by 8) of the
  translation's lower-case words, and the share of them below 2.5 (words the
  engine left in the source language, forms that are rare or do not exist); on
  every segment, as they cost only look-ups;
- **shape**: what makes a sentence hard to translate or to score, from its words
  and its translation's (the baseline features of quality estimation): the
  source's length (log of its words), the ratio of the translation's words and
  characters to the source's, the mean word length of both, commas per word, and
  the mean Zipf frequency and rare share of the source's own words; on every
  segment, as they cost only counts and look-ups;
- **agreement**: where a second route is configured, chrF between the two
  routes' translations of the sampled blocks.

The frequencies are wordfreq's (frequency.py), not learnt from the calibration
sentences.

Each signal is a weighted mean over the article's segments, a segment weighing
its words times its position's weight (the title three times, the first block
twice), so a bad title costs more than a bad paragraph.  The article's score is
the estimate times the form checks' factor (unknown words left out of it: the
estimate weighs them).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from babelwire.pipeline.translate.article import Route, SourceText, Translation
from babelwire.pipeline.translate.chrf import chrf
from babelwire.pipeline.translate.frequency import knows, rare_share, zipf
from babelwire.pipeline.translate.quality import Verdict, form_factor

if TYPE_CHECKING:
    from babelwire.pipeline.translate.engines.apertium.lexical import LexicalChoice

__all__ = [
    "DEFAULT_WEIGHTS",
    "DEFAULT_WEIGHTS_AGREEMENT",
    "EstimateOptions",
    "Signals",
    "combine",
    "estimate",
    "lexical_signals",
    "round_trip_sample",
    "segment_signals",
    "signal_values",
]

# [intercept, round trip, unknown share, untranslated share, overlap, ambiguous share,
# sense gap, fluency, rare share, length, length ratio, character ratio, word length,
# target word length, commas, source fluency, source rare share (, agreement)], fitted
# by least squares on FLORES-200 devtest sentence chrF, each pair's signals and chrF
# taken from that pair's means (bench/translate.py --qe --fit).
DEFAULT_WEIGHTS = (
    -0.437, 0.124, 0.0, -0.067, 0.193, -0.059, -0.042, 0.516, -0.115,
    0.11, -0.003, -0.002, 0.107, 0.321, -0.029, 0.168, 0.127,
)  # fmt: skip
DEFAULT_WEIGHTS_AGREEMENT = (
    -0.346, 0.122, -0.031, -0.036, 0.148, -0.039, -0.026, 0.704, -0.091,
    0.088, 0.056, -0.121, -0.173, 0.642, -0.042, -0.138, 0.115, 0.113,
)  # fmt: skip
# The signals' means on the calibration sentences: what stands for one that could
# not be measured (no reverse route or share 0; a route that is not one Apertium
# pair; a target language wordfreq does not know).
TYPICAL_ROUND_TRIP = 0.8
TYPICAL_AMBIGUOUS = 0.152
TYPICAL_SENSE_GAP = 0.131
TYPICAL_FLUENCY = 0.722
TYPICAL_RARE = 0.029
TYPICAL_SOURCE_FLUENCY = 0.723
TYPICAL_SOURCE_RARE = 0.015
# The parts of speech whose sense the lexical signals follow.
CONTENT_POS = frozenset({"n", "vblex", "vbmod", "adj", "adv"})
TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 2.0
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class EstimateOptions:
    """The operator's settings for the estimate (translation.quality_* in config)."""

    weights: tuple[float, ...] = DEFAULT_WEIGHTS
    weights_agreement: tuple[float, ...] = DEFAULT_WEIGHTS_AGREEMENT
    round_trip_share: float = 0.1
    agreement: bool = True


@dataclass(slots=True)
class Signals:
    """The meaning signals of one segment, or an article's weighted means of them."""

    unknown: float = 0.0
    untranslated: float = 0.0
    overlap: float = 0.0
    round_trip: float | None = None
    ambiguous: float | None = None
    sense_gap: float | None = None
    fluency: float | None = None
    rare: float | None = None
    length: float = 0.0
    length_ratio: float = 1.0
    char_ratio: float = 1.0
    word_length: float = 0.0
    target_word_length: float = 0.0
    commas: float = 0.0
    source_fluency: float | None = None
    source_rare: float | None = None
    agreement: float | None = None

    def as_details(self) -> dict[str, float]:
        values = dataclasses.asdict(self)
        return {k: round(v, 4) for k, v in values.items() if v is not None}


def _content_words(text: str) -> list[str]:
    return [w for w in _WORDS.findall(text) if len(w) >= 4 and w.isalpha() and w[0].islower()]


def segment_signals(
    source: str,
    target: str,
    unknown_words: int = 0,
    *,
    overlap: bool = True,
    target_language: str | None = None,
    source_language: str | None = None,
) -> Signals:
    """The signals of one translated segment that need no other translation
    (``overlap`` False: that one is left out, as it costs a chrF; the fluency and
    rare words where wordfreq knows ``target_language``, the source's where it
    knows ``source_language``)."""
    source_words = _WORDS.findall(source)
    target_words = _WORDS.findall(target)
    words = len(source_words)
    content = _content_words(source)
    in_target = set(target_words)
    copied = sum(1 for w in content if w in in_target)
    signals = Signals(
        unknown=min(1.0, unknown_words / words) if words else 0.0,
        untranslated=copied / len(content) if content else 0.0,
        overlap=chrf(target, source) if overlap and target.strip() else 0.0,
        **_shape(source, target, source_words, target_words),
    )
    if source_language is not None and knows(source_language):
        fluency, rare, counted = rare_share(source, source_language)
        if counted:
            signals.source_fluency, signals.source_rare = fluency, rare
    if target_language and knows(target_language):
        fluency, rare, counted = rare_share(target, target_language)
        if counted:
            signals.fluency, signals.rare = fluency, rare
    return signals


def _shape(
    source: str, target: str, source_words: list[str], target_words: list[str]
) -> dict[str, float]:
    """The shape signals of a segment (see the module's docstring), each about 0-1."""
    words = max(1, len(source_words))
    return {
        "length": min(1.0, math.log(1 + len(source_words)) / math.log(101)),
        "length_ratio": min(3.0, len(target_words) / words),
        "char_ratio": min(3.0, len(target.strip()) / max(1, len(source.strip()))),
        "word_length": _mean_length(source_words) / 10,
        "target_word_length": _mean_length(target_words) / 10,
        "commas": min(1.0, source.count(",") / words),
    }


def _mean_length(words: list[str]) -> float:
    return sum(len(w) for w in words) / len(words) if words else 0.0


def lexical_signals(
    choices: Sequence[LexicalChoice], target_language: str
) -> tuple[float | None, float | None]:
    """The ambiguous share and the sense gap of one segment's words, as Apertium's
    bilingual dictionary and lexical selection left them (None, None: no content
    word; the gap None where wordfreq does not know ``target_language``)."""
    content = [c for c in choices if c.translations and c.pos in CONTENT_POS]
    if not content:
        return None, None
    ambiguous = [c.translations for c in content if len(c.translations) > 1]
    if not knows(target_language):
        return len(ambiguous) / len(content), None
    gap = 0.0
    for translations in ambiguous:
        taken, *others = (zipf(t, target_language) for t in translations)
        gap += max(0.0, max(others) - taken)
    return len(ambiguous) / len(content), gap / len(content)


def combine(signals: Signals, options: EstimateOptions | None = None) -> float:
    """The estimated chrF (0-1) of a translation with these signals."""
    options = options or EstimateOptions()
    values = signal_values(signals)
    weights = options.weights
    if signals.agreement is not None and options.weights_agreement:
        values.append(signals.agreement)
        weights = options.weights_agreement
    value = weights[0] + sum(w * v for w, v in zip(weights[1:], values, strict=False))
    return min(1.0, max(0.0, value))


def signal_values(signals: Signals) -> list[float]:
    """The signals in the weights' order (agreement left out), a typical value
    standing for each one that was not measured."""
    return [
        _or(signals.round_trip, TYPICAL_ROUND_TRIP),
        signals.unknown,
        signals.untranslated,
        signals.overlap,
        _or(signals.ambiguous, TYPICAL_AMBIGUOUS),
        _or(signals.sense_gap, TYPICAL_SENSE_GAP),
        _or(signals.fluency, TYPICAL_FLUENCY),
        _or(signals.rare, TYPICAL_RARE),
        signals.length,
        signals.length_ratio,
        signals.char_ratio,
        signals.word_length,
        signals.target_word_length,
        signals.commas,
        _or(signals.source_fluency, TYPICAL_SOURCE_FLUENCY),
        _or(signals.source_rare, TYPICAL_SOURCE_RARE),
    ]


def _or(value: float | None, typical: float) -> float:
    return typical if value is None else value


def position_weight(index: int) -> float:
    """How much segment ``index`` (0: the title, 1: the first block) counts."""
    return TITLE_WEIGHT if index == 0 else LEAD_WEIGHT if index == 1 else 1.0


def round_trip_sample(segments: Sequence[str], share: float) -> list[int]:
    """Which segments are translated back: the title, then the first block, then
    evenly spaced blocks, while their words stay within ``share`` of the article's
    (the title always, unless ``share`` is 0)."""
    if share <= 0 or not segments:
        return []
    sizes = [len(s.split()) for s in segments]
    budget = share * sum(sizes)
    order = [0, 1] if len(segments) > 1 else [0]
    rest = list(range(2, len(segments)))
    if rest:
        # Evenly spaced through the body: the middle first, then the quarters, and so on.
        step = len(rest)
        while step >= 1:
            order.extend(rest[i] for i in range(step // 2, len(rest), max(1, step)))
            step //= 2
    chosen: list[int] = []
    used = 0
    for index in dict.fromkeys(order):
        if not segments[index].strip():
            continue
        if chosen and used + sizes[index] > budget:
            continue
        chosen.append(index)
        used += sizes[index]
    return sorted(chosen)


def _translate(route: Route, texts: list[str]) -> list[str]:
    """Texts through every hop of a route, one engine batch a hop (no memory, no masks)."""
    current = texts
    for hop in route.hops:
        current = hop.engine.translate_batch(current, hop.source, hop.target)
    return current


def _weighted(values: Sequence[float | None], weights: Sequence[float]) -> float | None:
    pairs = [(v, w) for v, w in zip(values, weights, strict=True) if v is not None]
    total = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / total if total else None


def estimate(
    translations: Sequence[Translation],
    texts: Sequence[SourceText],
    *,
    reverse: Route | None = None,
    second: Route | None = None,
    options: EstimateOptions | None = None,
) -> list[Translation]:
    """The translations with their verdict's score replaced by the estimate times
    the form checks' factor; the signals are added to the verdict's details.

    ``reverse`` translates back for the round trip; ``second`` (another route for
    the same pair) gives the agreement.  Raises EngineError if either fails.
    """
    options = options or EstimateOptions()
    samples: list[tuple[int, int]] = []  # (translation, segment)
    for t_index, text in enumerate(texts):
        # With no round trip, the title alone is sampled for the overlap.
        share = options.round_trip_share
        chosen_here = round_trip_sample(text.segments(), share) if share > 0 else [0]
        samples.extend((t_index, s_index) for s_index in chosen_here)
    chosen = set(samples)
    sources = [texts[t].segments()[s] for t, s in samples]
    targets = [_segments(translations[t])[s] for t, s in samples]
    # The lexical stages run while the round trip does: both mostly wait on Apertium.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="estimate-lexical") as pool:
        lexical_future = pool.submit(_lexical, translations, samples, sources)
        round_trips: dict[tuple[int, int], float] = {}
        agreements: dict[tuple[int, int], float] = {}
        sampling = options.round_trip_share > 0 and bool(samples)
        if reverse is not None and sampling:
            back = _translate(reverse, targets)
            round_trips = {
                place: chrf(b, s) for place, b, s in zip(samples, back, sources, strict=True)
            }
        if second is not None and options.agreement and sampling:
            other = _translate(second, sources)
            agreements = {
                place: chrf(t, o) for place, t, o in zip(samples, targets, other, strict=True)
            }
        lexical = lexical_future.result()
    local = _local_signals(translations, texts, chosen)
    results: list[Translation] = []
    for translation, (parts, weights, overlap_weights) in zip(translations, local, strict=True):
        for place, signals in parts.items():
            signals.round_trip = round_trips.get(place)
            signals.agreement = agreements.get(place)
            signals.ambiguous, signals.sense_gap = lexical.get(place, (None, None))
        results.append(
            _rescored(translation, _mean(list(parts.values()), weights, overlap_weights), options)
        )
    return results


def _local_signals(
    translations: Sequence[Translation],
    texts: Sequence[SourceText],
    chosen: set[tuple[int, int]],
) -> list[tuple[dict[tuple[int, int], Signals], list[float], list[float]]]:
    """Per translation: each non-empty segment's own signals (the overlap on the sampled
    ones), with the segment's weight and its weight in the overlap's mean."""
    found = []
    for t_index, (translation, text) in enumerate(zip(translations, texts, strict=True)):
        segments = text.segments()
        outputs = _segments(translation)
        unknown = translation.segment_unknown or [0] * len(segments)
        parts: dict[tuple[int, int], Signals] = {}
        weights: list[float] = []
        overlap_weights: list[float] = []
        for s_index, (source, target) in enumerate(zip(segments, outputs, strict=True)):
            if not source.strip():
                continue
            sampled = (t_index, s_index) in chosen
            parts[(t_index, s_index)] = segment_signals(
                source,
                target,
                unknown[s_index],
                overlap=sampled,
                target_language=translation.route.target,
                source_language=translation.route.source,
            )
            weights.append(position_weight(s_index) * max(1, len(source.split())))
            overlap_weights.append(weights[-1] if sampled else 0.0)
        found.append((parts, weights, overlap_weights))
    return found


def _lexical(
    translations: Sequence[Translation], samples: list[tuple[int, int]], sources: list[str]
) -> dict[tuple[int, int], tuple[float | None, float | None]]:
    """The lexical signals of the sampled segments whose translation's route is one
    hop through an engine that tells its lexical choices (Apertium), one call a pair."""
    groups: dict[tuple[int, str, str], list[int]] = {}
    engines: dict[int, object] = {}
    for k, (t_index, _) in enumerate(samples):
        hops = translations[t_index].route.hops
        if len(hops) != 1 or not hasattr(hops[0].engine, "lexical_choices"):
            continue
        hop = hops[0]
        engines[id(hop.engine)] = hop.engine
        groups.setdefault((id(hop.engine), hop.source, hop.target), []).append(k)
    found: dict[tuple[int, int], tuple[float | None, float | None]] = {}
    for (engine_id, source, target), members in groups.items():
        engine = engines[engine_id]
        choices: list[list[LexicalChoice]] = engine.lexical_choices(  # type: ignore[attr-defined]
            [sources[k] for k in members], source, target
        )
        for k, words in zip(members, choices, strict=True):
            found[samples[k]] = lexical_signals(words, target)
    return found


def _segments(translation: Translation) -> list[str]:
    article = translation.article
    return [article.title, *(b.text for b in article.blocks)]


def _mean(parts: list[Signals], weights: list[float], overlap_weights: list[float]) -> Signals:
    if not parts:
        return Signals()
    return Signals(
        unknown=_weighted([p.unknown for p in parts], weights) or 0.0,
        untranslated=_weighted([p.untranslated for p in parts], weights) or 0.0,
        overlap=_weighted([p.overlap for p in parts], overlap_weights) or 0.0,
        round_trip=_weighted([p.round_trip for p in parts], weights),
        ambiguous=_weighted([p.ambiguous for p in parts], weights),
        sense_gap=_weighted([p.sense_gap for p in parts], weights),
        fluency=_weighted([p.fluency for p in parts], weights),
        rare=_weighted([p.rare for p in parts], weights),
        length=_weighted([p.length for p in parts], weights) or 0.0,
        length_ratio=_or(_weighted([p.length_ratio for p in parts], weights), 1.0),
        char_ratio=_or(_weighted([p.char_ratio for p in parts], weights), 1.0),
        word_length=_weighted([p.word_length for p in parts], weights) or 0.0,
        target_word_length=_weighted([p.target_word_length for p in parts], weights) or 0.0,
        commas=_weighted([p.commas for p in parts], weights) or 0.0,
        source_fluency=_weighted([p.source_fluency for p in parts], weights),
        source_rare=_weighted([p.source_rare for p in parts], weights),
        agreement=_weighted([p.agreement for p in parts], weights),
    )


# The estimate weighs unknown words itself: the form check's flag stays, its factor goes
# (sentences full of names, unknown to the engine and copied, have a high chrF).
_WEIGHED_BY_ESTIMATE = frozenset({"unknown-words"})


def _rescored(translation: Translation, signals: Signals, options: EstimateOptions) -> Translation:
    form = translation.verdict
    estimated = combine(signals, options)
    factor = form_factor(form.flags, leave_out=_WEIGHED_BY_ESTIMATE)
    details = {**form.details, "form_score": round(factor, 4), "estimate": round(estimated, 4)}
    details["signals"] = signals.as_details()
    verdict = Verdict(round(estimated * factor, 4), list(form.flags), details)
    return dataclasses.replace(translation, verdict=verdict)
