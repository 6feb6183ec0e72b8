"""Evaluating an engine on the operator's own text: BLEU and chrF against references.

Each line of the source file is translated through the full path (segmentation,
protection, glossary, engine, checks), with no translation memory so every
line reaches the engine, and scored with sacrebleu.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from babelwire.pipeline.translate.article import (
    PathSettings,
    PathStats,
    Route,
    SourceText,
    translate_texts,
)

BATCH_LINES = 100


class EvaluationError(ValueError):
    """The files cannot be evaluated (missing, unreadable, or of different lengths)."""


@dataclass(slots=True)
class EvalReport:
    route: str
    lines: int
    words: int
    seconds: float
    bleu: float
    chrf: float
    flags: Counter[str] = field(default_factory=Counter)
    hypotheses: list[str] = field(default_factory=list)

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0


def read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"{path}: {exc}") from exc


def evaluate(
    route: Route, sources: list[str], references: list[str], settings: PathSettings
) -> EvalReport:
    """Translate ``sources`` line by line by ``route`` and score against ``references``."""
    import sacrebleu

    if len(sources) != len(references):
        raise EvaluationError(f"{len(sources)} source lines but {len(references)} reference lines")
    if not sources:
        raise EvaluationError("the source file is empty")
    settings = PathSettings(
        kinds=settings.kinds, glossary=settings.glossary, max_words=settings.max_words
    )
    stats = PathStats()
    flags: Counter[str] = Counter()
    hypotheses: list[str] = []
    started = time.perf_counter()
    for start in range(0, len(sources), BATCH_LINES):
        texts = [SourceText(line, ()) for line in sources[start : start + BATCH_LINES]]
        for result in translate_texts(route, texts, settings=settings, stats=stats):
            hypotheses.append(result.article.title)
            flags.update(result.verdict.flags)
    seconds = time.perf_counter() - started
    return EvalReport(
        route=route.describe(),
        lines=len(sources),
        words=sum(len(line.split()) for line in sources),
        seconds=seconds,
        bleu=sacrebleu.corpus_bleu(hypotheses, [references]).score,
        chrf=sacrebleu.corpus_chrf(hypotheses, [references]).score,
        flags=flags,
        hypotheses=hypotheses,
    )
