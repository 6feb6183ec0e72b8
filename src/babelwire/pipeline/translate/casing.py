"""Headline casing: title-case headlines go to the engine in sentence case.

English outlets often write headlines in title case ("Google Stadia, Microsoft
xCloud, Apple Arcade: So Many Ways to Play…and Pay").  A rule-based engine takes
every capitalised word for a proper noun and copies it, so such a headline comes
out half untranslated.  Before translation a title-case headline is put in
sentence case: its first word keeps its capital, and so do the names the article
knows (words capitalised mid-sentence in its body, glossary and gazetteer terms),
acronyms (NASA), words with inner capitals (xCloud, iPhone), and the words the
engine does not know in lower case either (Stadia: a name to it).  After
translation the headline is cased by the target language's convention.

Detection fires only for languages whose headlines may be title case (English),
and only when every word of four letters or more after the first (small words
like "with" or "from" aside) is capitalised, at least two of them: a sentence-case
headline full of names still has a lowercase verb; one word is not a headline
style; all-caps words and German nouns never count.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

__all__ = [
    "HEADLINE_CASE",
    "TITLE_CASE_SOURCES",
    "is_title_case",
    "known_names",
    "name_candidates",
    "normalise_headlines",
    "recase",
    "sentence_case",
    "title_case",
]

#: Source languages whose headlines may be written in title case.
TITLE_CASE_SOURCES = frozenset({"en"})
#: How each target language cases its headlines ("sentence" unless listed).  English
#: news is sentence case here, as most of its wire services and many papers write it.
HEADLINE_CASE: dict[str, str] = {"en": "sentence"}

# Words an English title keeps in lower case (articles, conjunctions, short prepositions).
_SMALL = frozenset(
    {
        *("a", "an", "the", "and", "but", "or", "nor", "for", "so", "yet", "as", "at", "by"),
        *("in", "of", "off", "on", "per", "to", "up", "via", "vs", "with", "from", "into"),
        *("onto", "over", "than", "that", "upon", "down", "out", "amid", "like", "near"),
        *("past", "till", "versus"),
    }
)
_WORD = re.compile(r"[^\W\d_]+")
# A word that starts a clause: the title's first, or one after . ! ? : ; — or an opening quote.
_CLAUSE_END = re.compile(r"[.!?:;—–]\s*[\"'“‘«(]*\s*$|^[\s\"'“‘«(]*$")
_MIN_CONTENT = 4  # letters of a word a title-case style always capitalises


def _capitalised(word: str) -> bool:
    """Capital initial and nothing else capital ("Arcade", not "NASA" or "xCloud")."""
    return word[:1].isupper() and (len(word) == 1 or word[1:].islower())


def _starts_clause(text: str, start: int) -> bool:
    return bool(_CLAUSE_END.search(text[:start]))


def _after_apostrophe(text: str, start: int) -> bool:
    return start > 0 and text[start - 1] in "'’"


def is_title_case(title: str, language: str) -> bool:
    """Whether ``title`` is written in title case (only for TITLE_CASE_SOURCES)."""
    if language not in TITLE_CASE_SOURCES:
        return False
    content = 0
    for m in _WORD.finditer(title):
        word = m.group(0)
        start = m.start()
        if start == 0 or _starts_clause(title, start) or _after_apostrophe(title, start):
            continue
        if len(word) < _MIN_CONTENT or word.lower() in _SMALL:
            continue
        if word.isupper() or not (word.islower() or _capitalised(word)):
            continue  # an acronym or a name with inner capitals says nothing
        if word.islower():
            return False
        content += 1
    return content >= 2


def known_names(texts: Iterable[str], terms: Iterable[str] = ()) -> frozenset[str]:
    """Capitalised words the article writes mid-sentence, and those of glossary terms."""
    names: set[str] = set()
    for text in texts:
        for m in _WORD.finditer(text):
            word = m.group(0)
            if _capitalised(word) and not _starts_clause(text, m.start()):
                names.add(word)
    for term in terms:
        names.update(w for w in _WORD.findall(term) if w[:1].isupper())
    return frozenset(names)


def name_candidates(title: str, names: frozenset[str]) -> list[str]:
    """The words sentence_case would lower, each as written (to ask the engine about)."""
    out: list[str] = []
    for m in _WORD.finditer(title):
        word = m.group(0)
        if m.start() == 0 or _after_apostrophe(title, m.start()):
            continue
        if _capitalised(word) and len(word) > 1 and word not in names:
            out.append(word)
    return out


def sentence_case(title: str, names: frozenset[str]) -> str:
    """``title`` with every capitalised word but the first and the ``names`` in lower case."""
    lower = set(name_candidates(title, names))

    def repl(m: re.Match[str]) -> str:
        word = m.group(0)
        if m.start() == 0 or _after_apostrophe(title, m.start()) or word not in lower:
            return word
        return word.lower()

    return _WORD.sub(repl, title)


def title_case(text: str) -> str:
    """English title case: every word capitalised but small words inside the title."""

    def repl(m: re.Match[str]) -> str:
        word = m.group(0)
        if not word.islower() or _after_apostrophe(text, m.start()):
            return word  # already capitalised, an acronym, a name like xCloud
        first = m.start() == 0 or _starts_clause(text, m.start())
        if word in _SMALL and not first:
            return word
        return word[0].upper() + word[1:]

    return _WORD.sub(repl, text)


def _first_letter_upper(text: str) -> str:
    for i, c in enumerate(text):
        if c.isalpha():
            return text[:i] + c.upper() + text[i + 1 :]
        if c.isdigit():
            break
    return text


_CONVENTIONS: dict[str, Callable[[str], str]] = {
    "sentence": _first_letter_upper,
    "title": title_case,
}


def recase(title: str, language: str) -> str:
    """A translated headline in the casing of ``language``'s headlines (HEADLINE_CASE)."""
    return _CONVENTIONS[HEADLINE_CASE.get(language, "sentence")](title)


def normalise_headlines(
    articles: Sequence[tuple[str, Sequence[str]]],
    language: str,
    terms: Sequence[str],
    unknown: Callable[[Sequence[str]], set[str]],
) -> dict[int, str]:
    """The sentence-case form of every title-case title of (title, body texts) articles.

    ``terms``: the glossary's (and gazetteer's) terms; ``unknown`` tells which
    lower-case words the engine does not know (those stay capitalised: names).
    Titles not in title case are left out of the result.
    """
    found: dict[int, tuple[str, frozenset[str], list[str]]] = {}
    for index, (title, body) in enumerate(articles):
        if is_title_case(title, language):
            names = known_names(body, terms)
            found[index] = (title, names, name_candidates(title, names))
    if not found:
        return {}
    asked = sorted({w.lower() for _, _, words in found.values() for w in words})
    strange = unknown(asked)
    out: dict[int, str] = {}
    for index, (title, names, words) in found.items():
        kept = names | {w for w in words if w.lower() in strange}
        out[index] = sentence_case(title, kept)
    return out
