"""Filing an article under a section: the source's own section, else keyword rules."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from babelwire.config import SectionRule

# Words include the Catalan middle dot (pel·lícula) and inner apostrophes.
_WORD = re.compile(r"\w+(?:[·'’]\w+)*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class SectionChoice:
    slug: str
    reason: str


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def choose_section(
    *,
    source_section: str | None,
    rules: Sequence[SectionRule],
    texts: Iterable[str],
    default: str,
) -> SectionChoice:
    """The source's declared section wins; else the rule with most keyword hits; else default.

    The title counts like the body: callers pass the title first and may pass it twice
    to weigh it more. Ties go to the rule listed first in babelwire.toml.
    """
    if source_section:
        return SectionChoice(source_section, "declared by the source")
    counts: dict[str, int] = {}
    for text in texts:
        for word in words(text):
            counts[word] = counts.get(word, 0) + 1
    best: tuple[int, SectionRule] | None = None
    for rule in rules:
        hits = sum(counts.get(k, 0) for k in rule.keywords)
        if hits and (best is None or hits > best[0]):
            best = (hits, rule)
    if best is None:
        return SectionChoice(default, "no keyword rule matched")
    hits, rule = best
    matched = sorted({k for k in rule.keywords if k in counts}, key=lambda k: -counts[k])
    return SectionChoice(rule.slug, f"{hits} keyword hits: {', '.join(matched[:5])}")
