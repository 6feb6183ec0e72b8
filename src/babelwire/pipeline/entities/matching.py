"""Finding the gazetteer's entities in an article's texts."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from babelwire.pipeline.entities.gazetteer import Gazetteer

__all__ = ["EntityMatcher"]


class EntityMatcher:
    """Every spelling of every entity as one pattern: whole words, case-sensitive.

    A word boundary here is Unicode-aware ("Pashinián" is not found inside
    "Pashiniánez") and the longest spelling wins where two overlap ("Universitat de
    Portvell" rather than "Portvell").
    """

    def __init__(self, gazetteer: Gazetteer) -> None:
        self._owner: dict[str, str] = {}
        for entity in gazetteer.entities:
            for _, spelling in entity.spellings():
                self._owner.setdefault(spelling, entity.slug)
        alternatives = "|".join(re.escape(s) for s in sorted(self._owner, key=len, reverse=True))
        self._pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if self._owner else None

    def mentions(self, text: str) -> Counter[str]:
        """Entity slug -> how many times the text names it."""
        found: Counter[str] = Counter()
        if self._pattern is not None:
            for match in self._pattern.finditer(text):
                found[self._owner[match.group(0)]] += 1
        return found

    def count(self, versions: Iterable[str]) -> dict[str, int]:
        """Mentions over several versions of one article (original and translations).

        The same mention appears once per version, so each entity counts in the version
        that names it most, not in their sum.
        """
        best: Counter[str] = Counter()
        for text in versions:
            best |= self.mentions(text)
        return dict(best)
