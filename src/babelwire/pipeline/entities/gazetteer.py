"""The gazetteer: the people, places and organisations the operator wants tagged, with
their names and aliases in each language.

It is a TOML file next to babelwire.toml (`tags.gazetteer`, default entities.toml)::

    [[entity]]
    slug = "nikol-pashinyan"                 # the tag's address: a-z, 0-9 and hyphens
    kind = "person"                          # person, place or organisation
    name = "Nikol Pashinyan"                 # the canonical name
    names = { es = "Nikol Pashinián", ca = "Nikol Paixinian" }   # its name per edition
    aliases = { en = ["Pashinyan"], es = ["Pashinián"], ca = ["Paixinian"] }

Every name and alias is matched as a whole word, case-sensitively, in the original
and in the translations, so "Pashinián" in a Spanish article and "Paixinian" in a
Catalan one name the same tag. The same names feed the translation glossary: an
alias written in one language becomes the entity's name in every other.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babelwire.pipeline.file_cache import FileCache
from babelwire.pipeline.translate.glossary import ANY, Term

__all__ = [
    "KINDS",
    "Entity",
    "Gazetteer",
    "GazetteerError",
    "glossary_terms",
    "load_gazetteer",
    "parse_gazetteer",
]

KINDS = {"person": "person", "place": "place", "organisation": "org", "org": "org"}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,199}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_FIELDS = {"slug", "kind", "name", "names", "aliases"}


class GazetteerError(ValueError):
    """The gazetteer file is invalid; the message lists every problem with its place."""


@dataclass(frozen=True, slots=True)
class Entity:
    slug: str
    kind: str  # person, place or org (as TagRow.kind)
    name: str
    names: Mapping[str, str] = field(default_factory=dict)
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def spellings(self) -> Iterator[tuple[str, str]]:
        """(language, spelling) for every way of writing it; the canonical name has "*"."""
        yield ANY, self.name
        for language, name in self.names.items():
            yield language, name
        for language, aliases in self.aliases.items():
            for alias in aliases:
                yield language, alias


@dataclass(frozen=True, slots=True)
class Gazetteer:
    entities: tuple[Entity, ...] = ()

    def get(self, slug: str) -> Entity | None:
        return next((e for e in self.entities if e.slug == slug), None)


_loaded: FileCache[Gazetteer] = FileCache()


def load_gazetteer(path: Path) -> Gazetteer:
    """The gazetteer in `path`; an empty one when the file does not exist.

    Read once per process: the same object comes back until the file changes.
    """
    return _loaded.get(path.absolute(), [path], lambda: _read_gazetteer(path))


def _read_gazetteer(path: Path) -> Gazetteer:
    if not path.exists():
        return Gazetteer()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise GazetteerError(f"{path}: {exc}") from exc
    return parse_gazetteer(data, str(path))


def parse_gazetteer(data: Mapping[str, Any], where: str = "gazetteer") -> Gazetteer:
    raw = data.get("entity", [])
    if not isinstance(raw, list):
        raise GazetteerError(f"{where}: entities are [[entity]] tables")
    problems: list[str] = []
    entities: list[Entity] = []
    for number, item in enumerate(raw, 1):
        place = f"{where}: [[entity]] #{number}"
        if isinstance(item, dict) and isinstance(item.get("slug"), str):
            place += f" ({item['slug']})"
        entity = _entity(item, place, problems)
        if entity is not None:
            entities.append(entity)
    _check_unique(entities, where, problems)
    if problems:
        raise GazetteerError("\n".join(problems))
    return Gazetteer(tuple(entities))


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _entity(item: Any, place: str, problems: list[str]) -> Entity | None:
    if not isinstance(item, dict):
        problems.append(f"{place}: not a table")
        return None
    before = len(problems)
    unknown = sorted(set(item) - _FIELDS)
    if unknown:
        problems.append(f"{place}: unknown field(s) {', '.join(unknown)}")
    slug = item.get("slug")
    if not isinstance(slug, str) or not _SLUG.match(slug):
        problems.append(f"{place}: slug must be lower-case a-z, 0-9 and hyphens, got {slug!r}")
    kind = item.get("kind")
    if kind not in KINDS:
        problems.append(f"{place}: kind must be person, place or organisation, got {kind!r}")
    name = _text(item.get("name"))
    if name is None:
        problems.append(f'{place}: name = "..." is required')
    names = _names(item.get("names", {}), place, problems)
    aliases = _aliases(item.get("aliases", {}), place, problems)
    if len(problems) > before:
        return None
    return Entity(str(slug), KINDS[str(kind)], str(name), names, aliases)


def _language(code: Any, place: str, problems: list[str]) -> bool:
    if isinstance(code, str) and _LANGUAGE.match(code):
        return True
    problems.append(f"{place}: {code!r} is not a language code such as en, es, ca")
    return False


def _names(raw: Any, place: str, problems: list[str]) -> dict[str, str]:
    if not isinstance(raw, dict):
        problems.append(f'{place}: names is a table such as {{ es = "..." }}')
        return {}
    names: dict[str, str] = {}
    for code, value in raw.items():
        if not _language(code, place, problems):
            continue
        text = _text(value)
        if text is None:
            problems.append(f"{place}: names.{code} must be a non-empty string")
        else:
            names[code] = text
    return names


def _aliases(raw: Any, place: str, problems: list[str]) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        problems.append(f'{place}: aliases is a table such as {{ es = ["...", "..."] }}')
        return {}
    aliases: dict[str, tuple[str, ...]] = {}
    for code, values in raw.items():
        if not _language(code, place, problems):
            continue
        if isinstance(values, str):
            values = [values]
        texts = [_text(v) for v in values] if isinstance(values, list) else [None]
        if not texts or any(t is None for t in texts):
            problems.append(f"{place}: aliases.{code} must be a list of non-empty strings")
            continue
        aliases[code] = tuple(t for t in texts if t is not None)
    return aliases


def _check_unique(entities: list[Entity], where: str, problems: list[str]) -> None:
    slugs: set[str] = set()
    owner: dict[str, str] = {}
    for entity in entities:
        if entity.slug in slugs:
            problems.append(f"{where}: slug {entity.slug!r} is used twice")
        slugs.add(entity.slug)
        for _, spelling in entity.spellings():
            other = owner.setdefault(spelling, entity.slug)
            if other != entity.slug:
                problems.append(
                    f"{where}: {spelling!r} names both {other} and {entity.slug}: "
                    "an alias must name one entity"
                )


def glossary_terms(gazetteer: Gazetteer) -> list[Term]:
    """Glossary entries that spell every entity the same way in every edition.

    A spelling in language S becomes the entity's name in each language T that has one
    (S -> T), and its canonical name in any other language.
    """
    terms: dict[tuple[str, str, str], Term] = {}
    for entity in gazetteer.entities:
        for source, spelling in entity.spellings():
            canonical = None if spelling == entity.name else entity.name
            terms.setdefault((source, ANY, spelling), Term(spelling, canonical, source, ANY))
            for target, name in entity.names.items():
                if target == source:
                    continue
                translation = None if name == spelling else name
                terms.setdefault(
                    (source, target, spelling), Term(spelling, translation, source, target)
                )
    return list(terms.values())
