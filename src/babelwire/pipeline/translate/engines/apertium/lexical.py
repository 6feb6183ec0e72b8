"""Which translations Apertium's bilingual dictionary offers for each word of a text.

A pair's mode runs analysis, tagging, the bilingual dictionary (``lt-proc -b``)
and lexical selection (``lrx-proc``) before structural transfer.  Run alone, that
first part writes each word as ``^source<tags>/translation1<tags>/translation2<tags>$``:
every translation the dictionary has for the word, less those a lexical-selection
rule ruled out.  Where more than one is left, transfer takes the first, whether or
not it is the sense the text means ("guanya" -> "grosses", "inversió" -> "reversal").
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["LexicalChoice", "lexical_commands", "parse_choices"]

_UNIT = re.compile(r"\^((?:[^$\\]|\\.)*)\$")
_SLASH = re.compile(r"(?<!\\)/")
_TAG = re.compile(r"<([^>]+)>")
_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True, slots=True)
class LexicalChoice:
    """One source word: its lemma, its part of speech, and the target lemmas the
    dictionary gives it, the one transfer takes first (empty for an unknown word)."""

    lemma: str
    pos: str
    translations: tuple[str, ...]


def lexical_commands(commands: Sequence[Sequence[str]]) -> list[list[str]] | None:
    """The stages of a mode up to lexical selection (or up to the bilingual dictionary
    where the pair has no lexical selection); None if the mode has no ``lt-proc -b``."""
    bilingual = None
    for i, command in enumerate(commands):
        name = os.path.basename(command[0])
        if name == "lt-proc" and "-b" in command[1:]:
            bilingual = i
        elif bilingual is not None and name == "lrx-proc":
            return [list(c) for c in commands[: i + 1]]
        elif bilingual is not None:
            break
    return None if bilingual is None else [list(c) for c in commands[: bilingual + 1]]


def _lemma(unit: str) -> str:
    """``be# used to<vblex><pii>`` or ``make<vblex># up`` -> ``be used to``, ``make up``."""
    words = _TAG.sub("", unit).replace("#", "")
    return _ESCAPE.sub(r"\1", words).strip().lower()


def parse_choices(answer: str) -> list[LexicalChoice]:
    """The words of one answer of the lexical stages, in order."""
    choices: list[LexicalChoice] = []
    for match in _UNIT.finditer(answer):
        source, *targets = _SLASH.split(match.group(1))
        if source.startswith("*") or not targets:
            choices.append(LexicalChoice(_lemma(source.lstrip("*")), "", ()))
            continue
        tags = _TAG.findall(source)
        lemmas = tuple(dict.fromkeys(_lemma(t.lstrip("@")) for t in targets))
        choices.append(LexicalChoice(_lemma(source), tags[0] if tags else "", lemmas))
    return choices
