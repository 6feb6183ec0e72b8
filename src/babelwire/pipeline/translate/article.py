"""Translating whole articles while keeping their shape.

An article becomes segments (title first, then one per block); many articles
are sent to the engine in one batch so a streaming engine never drains between
articles; the results are put back into the same blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from babelwire.model import Block, TranslatedArticle
from babelwire.pipeline.translate.engine import Engine


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


def translate_texts(
    engine: Engine,
    texts: Sequence[SourceText],
    source: str,
    target: str,
    *,
    engine_version: str = "",
) -> list[TranslatedArticle]:
    """Translate several articles in one engine batch; results follow the input order."""
    segments: list[str] = []
    for text in texts:
        segments.extend(text.segments())
    with_stats = getattr(engine, "translate_batch_with_stats", None)
    if with_stats is not None:
        translated, _unknown = with_stats(segments, source, target)
    else:
        translated = engine.translate_batch(segments, source, target)
    if len(translated) != len(segments):
        raise ValueError(f"{engine.name} returned {len(translated)} segments for {len(segments)}")
    version = engine_version or engine.version()
    results: list[TranslatedArticle] = []
    position = 0
    for text in texts:
        count = 1 + len(text.blocks)
        out = translated[position : position + count]
        position += count
        blocks = [Block(b.kind, t) for b, t in zip(text.blocks, out[1:], strict=True)]
        flags = []
        if any(not t.strip() for t, s in zip(out, text.segments(), strict=True) if s.strip()):
            flags.append("empty-segment")
        results.append(
            TranslatedArticle(
                language=target,
                title=out[0],
                blocks=blocks,
                engine=engine.name,
                engine_version=version,
                flags=flags,
            )
        )
    return results
