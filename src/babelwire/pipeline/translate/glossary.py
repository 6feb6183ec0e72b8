"""The operator's glossary: terms kept as they are, and forced translations per pair.

Names of people, places and organisations are where machine translation hurts a
newsroom most ("Generalitat" -> "Generality"), so the operator lists them.  Terms
come from ``[[glossary]]`` tables in babelwire.toml and from files named in
``translation.glossary_files`` (for long lists), one term per line::

    # from  to  term  translation (empty: keep the term as it is)
    es	en	integridad territorial	territorial integrity
    *	*	Generalitat

Fields are separated by tabs; ``*`` matches any language.  In babelwire.toml::

    [[glossary]]
    term = "Generalitat"                  # kept in every pair

    [[glossary]]
    term = "integridad territorial"
    translation = "territorial integrity"
    from = "es"
    to = "en"

Matching is case-sensitive and on whole words; when two terms overlap the
longer wins.  The glossary's version (a digest of its terms) is recorded with
every translation, so a changed glossary is visible in the provenance.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babelwire.pipeline.file_cache import FileCache

__all__ = [
    "Glossary",
    "GlossaryError",
    "PairGlossary",
    "Term",
    "load_glossary",
    "parse_file",
    "parse_text",
]

ANY = "*"


class GlossaryError(ValueError):
    """A glossary entry or file is invalid (the message names where)."""


@dataclass(frozen=True, slots=True)
class Term:
    """One glossary entry. ``translation`` None keeps the term untranslated."""

    term: str
    translation: str | None = None
    source: str = ANY
    target: str = ANY

    def applies(self, source: str, target: str) -> bool:
        return self.source in (ANY, source) and self.target in (ANY, target)

    def key(self) -> str:
        return "\t".join([self.source, self.target, self.term, self.translation or ""])


@dataclass(frozen=True, slots=True)
class PairGlossary:
    """The terms of one language pair, as one compiled pattern."""

    pattern: re.Pattern[str] | None
    outputs: Mapping[str, str]

    def matches(self, text: str) -> Iterable[re.Match[str]]:
        if self.pattern is None:
            return ()
        return self.pattern.finditer(text)


@dataclass(frozen=True, slots=True)
class Glossary:
    terms: tuple[Term, ...] = ()

    @property
    def version(self) -> str:
        """A short digest of the terms; "" for an empty glossary."""
        if not self.terms:
            return ""
        digest = hashlib.sha256("\n".join(sorted(t.key() for t in self.terms)).encode())
        return digest.hexdigest()[:12]

    def for_pair(self, source: str, target: str) -> PairGlossary:
        outputs: dict[str, str] = {}
        # A pair-specific entry wins over a wildcard one for the same term.
        for term in sorted(self.terms, key=lambda t: (t.source != ANY) + (t.target != ANY)):
            if term.applies(source, target):
                outputs[term.term] = term.term if term.translation is None else term.translation
        if not outputs:
            return PairGlossary(None, {})
        alternatives = "|".join(re.escape(t) for t in sorted(outputs, key=len, reverse=True))
        return PairGlossary(re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), outputs)


def _term_from_table(item: Any, where: str) -> Term:
    if not isinstance(item, dict) or not isinstance(item.get("term"), str) or not item["term"]:
        raise GlossaryError(f'{where}: each [[glossary]] needs a non-empty term = "..."')
    translation = item.get("translation")
    if translation is not None and not isinstance(translation, str):
        raise GlossaryError(f"{where}: translation of {item['term']!r} must be a string")
    source = item.get("from", ANY)
    target = item.get("to", ANY)
    if not isinstance(source, str) or not isinstance(target, str):
        raise GlossaryError(f"{where}: from/to of {item['term']!r} must be language codes")
    return Term(item["term"].strip(), translation or None, source or ANY, target or ANY)


def parse_file(path: Path) -> list[Term]:
    """Terms of a tab-separated glossary file (see the module's documentation)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GlossaryError(f"glossary file {path}: {exc}") from exc
    terms, problems = parse_text(text, str(path))
    if problems:
        raise GlossaryError("\n".join(problems))
    return terms


def parse_text(text: str, where: str) -> tuple[list[Term], list[str]]:
    """The terms of a glossary file's text, and every problem, each with its line."""
    terms: list[Term] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) not in (3, 4) or not fields[2].strip():
            problems.append(
                f"{where}:{number}: expected FROM<tab>TO<tab>TERM[<tab>TRANSLATION], got {line!r}"
            )
            continue
        translation = fields[3].strip() if len(fields) == 4 else ""
        terms.append(
            Term(
                fields[2].strip(),
                translation or None,
                fields[0].strip() or ANY,
                fields[1].strip() or ANY,
            )
        )
    return terms, problems


def load_glossary(
    root: Path,
    data: Mapping[str, Any] | None,
    files: Sequence[str],
    optional: Sequence[str] = (),
) -> Glossary:
    """The glossary of a site: ``[[glossary]]`` in ``data`` (its babelwire.toml) and files.

    ``data`` None reads ``root/babelwire.toml`` if there is one.  Relative file
    names are relative to the site folder; a file of ``optional`` (the one the desk
    edits) is read if it exists, after the others.  What is read from files alone is
    read once per process: the same object comes back until one of the files changes.
    """
    paths = [p if p.is_absolute() else root / p for p in map(Path, files)]
    maybe = [p if p.is_absolute() else root / p for p in map(Path, optional)]
    maybe = [p for p in maybe if p not in paths]
    if data is None:
        toml = root / "babelwire.toml"
        key = (toml.absolute(), *(p.absolute() for p in paths), "optional:", *maybe)
        return _loaded.get(
            key, [toml, *paths, *maybe], lambda: _read_glossary(root, None, paths, maybe)
        )
    return _read_glossary(root, data, paths, maybe)


_loaded: FileCache[Glossary] = FileCache()


def _read_glossary(
    root: Path, data: Mapping[str, Any] | None, paths: Sequence[Path], maybe: Sequence[Path] = ()
) -> Glossary:
    if data is None:
        path = root / "babelwire.toml"
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise GlossaryError(f"{path}: {exc}") from exc
    raw = data.get("glossary", [])
    if not isinstance(raw, list):
        raise GlossaryError("babelwire.toml: glossary must be an array of tables ([[glossary]])")
    terms = [_term_from_table(item, f"[[glossary]] #{i + 1}") for i, item in enumerate(raw)]
    for path in paths:
        terms.extend(parse_file(path))
    for path in maybe:
        if path.exists():
            terms.extend(parse_file(path))
    return Glossary(tuple(terms))
