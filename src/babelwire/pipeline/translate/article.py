"""Translating whole articles while keeping their shape: the full translation path.

An article is its title and its blocks (paragraphs, subheadings, list items,
quotations).  Each is cut into sentences (long ones into chunks), protected
spans and glossary terms become placeholders, and every sentence of every
article in the batch goes to the translation memory in one lookup and, when
not found there, to the engine in one batch (so a streaming engine never
drains between articles).  For a pivot route the same happens once per hop.
The translations are put back into the same blocks, placeholders restored,
and each article is checked and scored.

A title or block a person already translated (post-editing, kept in the memory's
`human_channel`) is taken as they wrote it before any of this, whatever the route.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from babelwire.model import Block, TranslatedArticle
from babelwire.pipeline.translate.casing import normalise_headlines, recase
from babelwire.pipeline.translate.engine import Engine, EngineError
from babelwire.pipeline.translate.glossary import Glossary, PairGlossary
from babelwire.pipeline.translate.memory import (
    Channel,
    Memory,
    MemoryEntry,
    human_channel,
    memory_key,
)
from babelwire.pipeline.translate.protect import (
    DEFAULT_KINDS,
    STYLES,
    Masked,
    PlaceholderStyle,
    mask,
    unmask,
)
from babelwire.pipeline.translate.quality import Measures, Verdict, assess
from babelwire.pipeline.translate.segment import DEFAULT_MAX_WORDS, Piece, join_pieces, split_block
from babelwire.pipeline.translate.untranslated import candidates, probe_unknown

__all__ = [
    "Hop",
    "PathSettings",
    "PathStats",
    "Route",
    "SourceText",
    "Translation",
    "translate_texts",
]


@dataclass(frozen=True, slots=True)
class SourceText:
    """What is translated of one article."""

    title: str
    blocks: Sequence[Block]

    def segments(self) -> list[str]:
        return [self.title, *(b.text for b in self.blocks)]

    @property
    def word_count(self) -> int:
        return sum(len(s.split()) for s in self.segments())


@dataclass(frozen=True, slots=True)
class Hop:
    """One engine call of a route: ``engine`` translates ``source`` -> ``target``."""

    engine: Engine
    source: str
    target: str

    def model_version(self) -> str:
        pair_version = getattr(self.engine, "pair_version", None)
        model = str(pair_version(self.source, self.target)) if pair_version else ""
        return f"{self.engine.version()}/{model}" if model else self.engine.version()


@dataclass(frozen=True, slots=True)
class Route:
    """How one pair is translated: one hop, or several through pivot languages."""

    hops: tuple[Hop, ...]

    @classmethod
    def direct(cls, engine: Engine, source: str, target: str) -> Route:
        return cls((Hop(engine, source, target),))

    @property
    def source(self) -> str:
        return self.hops[0].source

    @property
    def target(self) -> str:
        return self.hops[-1].target

    @property
    def engine_name(self) -> str:
        return "+".join(dict.fromkeys(h.engine.name for h in self.hops))

    @property
    def pivot(self) -> str:
        """``"ca>es>en"`` for a route through Spanish; ``""`` for a direct one."""
        if len(self.hops) == 1:
            return ""
        return ">".join([self.source, *(h.target for h in self.hops)])

    def engine_version(self) -> str:
        return ";".join(dict.fromkeys(h.engine.version() for h in self.hops))

    def model_version(self) -> str:
        return ";".join(h.model_version() for h in self.hops)

    def describe(self) -> str:
        through = f" (through {self.pivot})" if self.pivot else ""
        return f"{self.engine_name} {self.source}->{self.target}{through}"


@dataclass(frozen=True, slots=True)
class PathSettings:
    """How the path treats text: what is protected, the glossary, chunking, the memory."""

    kinds: tuple[str, ...] = DEFAULT_KINDS
    glossary: Glossary = field(default_factory=Glossary)
    max_words: int = DEFAULT_MAX_WORDS
    memory: Memory | None = None
    # Title-case headlines go to the engine in sentence case (see casing.py).
    headline_casing: bool = True
    # The words the engine left untranslated are found (see untranslated.py).
    find_untranslated: bool = True


@dataclass(slots=True)
class PathStats:
    """Totals over calls of the path, for reports and benchmarks."""

    segments: int = 0
    memory_hits: int = 0
    human_hits: int = 0  # of the memory hits, titles and blocks a person wrote
    engine_segments: int = 0
    engine_words: int = 0
    engine_seconds: float = 0.0

    @property
    def hit_rate(self) -> float:
        return self.memory_hits / self.segments if self.segments else 0.0


@dataclass(frozen=True, slots=True)
class Translation:
    """One translated article, its quality verdict and the route that made it."""

    article: TranslatedArticle
    verdict: Verdict
    route: Route
    glossary_version: str
    # Words the engine left as they were (in the route's source language), per
    # segment: 0 the title, then each block (see untranslated.py).
    untranslated: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    # Unknown-word marks per segment (title, then each block), for the estimate.
    segment_unknown: tuple[int, ...] = ()


@dataclass(slots=True)
class _Unit:
    """One piece of one segment of one article, masked."""

    text: int  # index of the article in the batch
    segment: int  # 0 = title, then the blocks
    source: str  # the piece as the article has it, before masking
    masked: Masked
    marks: int = 0
    from_memory: bool = False


def _translate_hop(
    hop: Hop, texts: list[str], memory: Memory | None, stats: PathStats
) -> tuple[list[str], list[int], list[bool]]:
    """Translate texts through one hop: memory first, the rest in one engine batch."""
    outputs = [""] * len(texts)
    marks = [0] * len(texts)
    remembered = [False] * len(texts)
    keys = [memory_key(t) if t.strip() else "" for t in texts]
    channel = Channel(hop.engine.name, hop.model_version(), hop.source, hop.target)
    found = memory.lookup(channel, [k for k in keys if k]) if memory is not None else {}
    # Every distinct segment not in memory goes to the engine once.
    pending: dict[str, str] = {}
    for text, key in zip(texts, keys, strict=True):
        if key and key not in found and key not in pending:
            pending[key] = text
    fresh: dict[str, MemoryEntry] = {}
    if pending:
        batch = list(pending.values())
        started = time.perf_counter()
        with_marks = getattr(hop.engine, "translate_batch_with_marks", None)
        if with_marks is not None:
            translated, counts = with_marks(batch, hop.source, hop.target)
        else:
            translated = hop.engine.translate_batch(batch, hop.source, hop.target)
            counts = [0] * len(batch)
        stats.engine_seconds += time.perf_counter() - started
        stats.engine_segments += len(batch)
        stats.engine_words += sum(len(t.split()) for t in batch)
        if len(translated) != len(batch) or len(counts) != len(batch):
            raise EngineError(
                f"{hop.engine.name} returned {len(translated)} segments for {len(batch)}"
            )
        for (key, text), output, count in zip(pending.items(), translated, counts, strict=True):
            fresh[key] = MemoryEntry(key, text, output, int(count))
        if memory is not None:
            memory.store(channel, [e for e in fresh.values() if e.target_text.strip()])
    sent: set[str] = set()
    for i, key in enumerate(keys):
        if not key:
            continue
        entry = found.get(key)
        if entry is None:
            entry = fresh[key]
            # Only the first copy of a segment in the batch counts as the engine's work.
            remembered[i] = key in sent
            sent.add(key)
        else:
            remembered[i] = True
        outputs[i] = entry.target_text
        marks[i] = entry.unknown_words
    return outputs, marks, remembered


def _human_segments(
    route: Route, texts: Sequence[SourceText], memory: Memory | None
) -> dict[tuple[int, int], str]:
    """The titles and blocks a person translated before, by (text, segment) index."""
    if memory is None:
        return {}
    keys: dict[tuple[int, int], str] = {}
    for t_index, text in enumerate(texts):
        for s_index, segment in enumerate(text.segments()):
            if segment.strip():
                keys[(t_index, s_index)] = memory_key(segment)
    if not keys:
        return {}
    found = memory.lookup(human_channel(route.source, route.target), list(set(keys.values())))
    return {place: found[key].target_text for place, key in keys.items() if key in found}


def _protection(route: Route) -> tuple[PlaceholderStyle | None, frozenset[str]]:
    """The placeholder style every engine of the route carries, and what they all keep."""
    styles = {getattr(h.engine, "placeholder_style", None) for h in route.hops}
    style = STYLES.get(str(styles.pop())) if len(styles) == 1 else None
    native: frozenset[str] | None = None
    for hop in route.hops:
        kept = frozenset(getattr(hop.engine, "native_protection", frozenset()))
        native = kept if native is None else native & kept
    return style, native or frozenset()


def translate_texts(
    route: Route | Engine,
    texts: Sequence[SourceText],
    source: str = "",
    target: str = "",
    *,
    settings: PathSettings | None = None,
    stats: PathStats | None = None,
) -> list[Translation]:
    """Translate several articles in one batch per hop; results follow the input order.

    ``route`` may be a bare engine, with ``source`` and ``target``.  Raises
    EngineError when an engine fails; nothing is stored in memory then.
    """
    if not isinstance(route, Route):
        route = Route.direct(route, source, target)
    settings = settings or PathSettings()
    stats = stats if stats is not None else PathStats()
    style, native = _protection(route)
    glossary = settings.glossary.for_pair(route.source, route.target)
    human = _human_segments(route, texts, settings.memory)
    sources = _sources(route, texts, settings)
    shapes: list[list[list[Piece]]] = []
    units: list[_Unit] = []
    for t_index, segments in enumerate(sources):
        shape: list[list[Piece]] = []
        for s_index, segment in enumerate(segments):
            if (t_index, s_index) in human:
                shape.append([])  # a person's text: nothing to translate
                continue
            pieces = split_block(segment, route.source, settings.max_words)
            shape.append(pieces)
            for piece in pieces:
                masked = mask(piece.text, settings.kinds, glossary, style=style, native=native)
                units.append(_Unit(t_index, s_index, piece.text, masked))
        shapes.append(shape)
    current = [u.masked.text for u in units]
    for hop in route.hops:
        current, marks, remembered = _translate_hop(hop, current, settings.memory, stats)
        for unit, count, hit in zip(units, marks, remembered, strict=True):
            # Word placeholders are unknown words to the engine, not gaps in its dictionary.
            placeholders = len(unit.masked.values) if style is not None else 0
            unit.marks += max(0, count - placeholders) if style is STYLES["word"] else count
            # A unit counts as remembered only if no hop needed the engine for it.
            unit.from_memory = hit if hop is route.hops[0] else unit.from_memory and hit
    stats.segments += sum(1 for u in units if u.masked.text.strip())
    stats.memory_hits += sum(1 for u in units if u.from_memory and u.masked.text.strip())
    stats.segments += len(human)
    stats.memory_hits += len(human)
    stats.human_hits += len(human)

    left = (
        _untranslated(route, units, current, style, glossary) if settings.find_untranslated else {}
    )
    results: list[Translation] = []
    position = 0
    for t_index, (text, shape) in enumerate(zip(texts, shapes, strict=True)):
        measures = Measures(source_segments=sources[t_index], target_segments=[])
        untranslated: dict[int, dict[str, None]] = {}
        unknown: list[int] = []
        for s_index, pieces in enumerate(shape):
            if (t_index, s_index) in human:
                measures.target_segments.append(human[(t_index, s_index)])
                measures.memory_hits += 1
                unknown.append(0)
                continue
            restored: list[str] = []
            unknown.append(0)
            for _piece in pieces:
                unit = units[position]
                assert unit.text == t_index
                out, lost = unmask(current[position], unit.masked, style)
                restored.append(out)
                measures.unknown_words += unit.marks
                unknown[-1] += unit.marks
                measures.placeholders += len(unit.masked.values) + len(unit.masked.kept)
                measures.placeholders_lost += lost
                measures.memory_hits += unit.from_memory
                for word in left.get(position, ()):
                    untranslated.setdefault(s_index, {}).setdefault(word)
                position += 1
            joined = join_pieces(pieces, restored)
            if s_index == 0:  # the headline, in the target language's casing
                joined = recase(joined, route.target)
            measures.target_segments.append(joined)
        verdict = assess(measures, route.source, route.target)
        out_segments = measures.target_segments
        article = TranslatedArticle(
            language=route.target,
            title=out_segments[0],
            blocks=[Block(b.kind, t) for b, t in zip(text.blocks, out_segments[1:], strict=True)],
            engine=route.engine_name,
            engine_version=route.engine_version(),
            unknown_words=measures.unknown_words,
            flags=list(verdict.flags),
        )
        found = {i: tuple(words) for i, words in untranslated.items()}
        results.append(
            Translation(
                article,
                verdict,
                route,
                settings.glossary.version,
                untranslated=found,
                segment_unknown=tuple(unknown),
            )
        )
    return results


def _sources(route: Route, texts: Sequence[SourceText], settings: PathSettings) -> list[list[str]]:
    """Each article's segments as they go to the engine: title-case titles in sentence case."""
    segments = [text.segments() for text in texts]
    if not settings.headline_casing:
        return segments
    first = route.hops[0]
    terms = [t.term for t in settings.glossary.terms]
    terms += [t.translation for t in settings.glossary.terms if t.translation]
    titles = normalise_headlines(
        [(s[0], s[1:]) for s in segments],
        route.source,
        terms,
        lambda words: probe_unknown(first.engine, first.source, first.target, words),
    )
    for index, title in titles.items():
        segments[index][0] = title
    return segments


def _untranslated(
    route: Route,
    units: Sequence[_Unit],
    outputs: Sequence[str],
    style: PlaceholderStyle | None,
    glossary: PairGlossary,
) -> dict[int, list[str]]:
    """Per unit position, the words the engine left untranslated (units with marks only)."""
    found: dict[int, list[str]] = {}
    for position, (unit, output) in enumerate(zip(units, outputs, strict=True)):
        if unit.marks <= 0:
            continue
        restored, _ = unmask(output, unit.masked, style)
        excluded = [m.group(0) for m in glossary.matches(unit.source)]
        words = candidates(unit.source, restored, [*excluded, *unit.masked.kept])
        if words:
            found[position] = words
    if not found:
        return {}
    first = route.hops[0]
    asked = sorted({w for words in found.values() for w in words})
    unknown = probe_unknown(first.engine, first.source, first.target, asked)
    return {p: [w for w in words if w in unknown] for p, words in found.items()}
