"""Filing an article under a section, in four steps: the source's own section, the
operator's rules (keywords and entities), the classifier trained from labelled
articles, else the default section.

Each step says why it decided, so an operator can see which one did
(`babelwire sections explain`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Guess", "SectionChoice", "SectionRule", "choose_section", "words"]

# Words include the Catalan middle dot (pel·lícula) and inner apostrophes.
_WORD = re.compile(r"\w+(?:[·'’]\w+)*", re.UNICODE)

SOURCE, RULE, MODEL, DEFAULT = "source", "rule", "model", "default"


@dataclass(frozen=True, slots=True)
class SectionRule:
    """A section of the site and the keywords and entities (tag slugs) that file an article
    under it."""

    slug: str
    names: Mapping[str, str]
    keywords: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.slug.title()


@dataclass(frozen=True, slots=True)
class SectionChoice:
    slug: str
    reason: str
    step: str = ""  # source, rule, model or default


@dataclass(frozen=True, slots=True)
class Guess:
    """What the classifier makes of an article: its best section and why."""

    slug: str
    probability: float
    terms: tuple[str, ...] = ()


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def choose_section(
    *,
    source_section: str | None,
    rules: Sequence[SectionRule],
    texts: Iterable[str],
    default: str,
    entities: Mapping[str, int] | None = None,
    guess: Callable[[], Guess | None] | None = None,
    min_probability: float = 0.5,
    no_guess: str = "no classifier trained",
) -> SectionChoice:
    """The source's declared section wins; else the rule with most keyword and entity hits;
    else the classifier's guess when sure enough; else the default.

    `entities` maps the tag slugs the article names to their mentions. The title counts
    like the body: callers pass the title first and may pass it twice to weigh it more.
    Ties go to the rule listed first in babelwire.toml. `guess` is called only when no
    rule matched; `no_guess` says why there is none when it returns None.
    """
    if source_section:
        return SectionChoice(source_section, "declared by the source", SOURCE)
    rule_choice = _by_rules(rules, texts, entities or {})
    if rule_choice is not None:
        return rule_choice
    found = guess() if guess is not None else None
    if found is None:
        return SectionChoice(default, f"no rule matched; {no_guess}", DEFAULT)
    terms = f" (terms: {', '.join(found.terms)})" if found.terms else ""
    if found.probability < min_probability:
        return SectionChoice(
            default,
            f"no rule matched; classifier unsure: {found.slug} p={found.probability:.2f}"
            f" < {min_probability:.2f}{terms}",
            DEFAULT,
        )
    return SectionChoice(found.slug, f"classifier p={found.probability:.2f}{terms}", MODEL)


def _by_rules(
    rules: Sequence[SectionRule], texts: Iterable[str], entities: Mapping[str, int]
) -> SectionChoice | None:
    counts: dict[str, int] = {}
    for text in texts:
        for word in words(text):
            counts[word] = counts.get(word, 0) + 1
    best: tuple[int, SectionRule] | None = None
    for rule in rules:
        hits = sum(counts.get(k, 0) for k in rule.keywords)
        hits += sum(entities.get(e, 0) for e in rule.entities)
        if hits and (best is None or hits > best[0]):
            best = (hits, rule)
    if best is None:
        return None
    hits, rule = best
    parts = []
    keywords = sorted({k for k in rule.keywords if k in counts}, key=lambda k: -counts[k])
    if keywords:
        parts.append(f"keywords {', '.join(keywords[:5])}")
    named = sorted({e for e in rule.entities if entities.get(e)}, key=lambda e: -entities[e])
    if named:
        parts.append(f"entities {', '.join(named[:5])}")
    return SectionChoice(
        rule.slug, f"rule {rule.slug} matched {hits} times: {'; '.join(parts)}", RULE
    )
