"""OPML import and export of the operator's sources, with every field babelwire keeps
(kind, language, section, preferred, private-network allowance, paused, interval
bounds) under its own namespace beside the attributes other readers know."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from babelwire.clock import utcnow
from babelwire.jobs.audit import Actor, record_in
from babelwire.jobs.sources import (
    SourceError,
    check_source_url,
    checked_bounds,
    checked_language,
    checked_name,
    list_sources,
    set_bounds,
)
from babelwire.model import SOURCE_KINDS as KINDS
from babelwire.model import is_ascii_number
from babelwire.newsroom import Newsroom
from babelwire.pipeline.discover.urls import (
    private_host_reason,
)
from babelwire.storage import sources

# The namespace of what babelwire says of a source beyond what OPML readers know.
OPML_NS = "https://babelwire.org/opml"
_B = f"{{{OPML_NS}}}"
_TRUE = frozenset({"true", "1", "yes"})


@dataclass(frozen=True, slots=True)
class OpmlImport:
    """What an OPML import did: feeds added, feeds already followed and updated, each
    outline left out with the reason, and what was imported differently from what the
    file says (with the reason)."""

    added: int
    updated: int
    skipped: list[str]
    notes: list[str] = field(default_factory=list)


def _flag(outline: etree._Element, name: str) -> bool | None:
    value = outline.get(_B + name)
    return None if value is None else value.strip().lower() in _TRUE


def _minutes(outline: etree._Element, name: str) -> int | None:
    value = (outline.get(_B + name) or "").strip()
    return int(value) if is_ascii_number(value) and len(value) < 9 else None


def _read_opml(source: Path | bytes | str) -> etree._ElementTree:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    where = str(source) if isinstance(source, Path) else "the OPML document"
    try:
        if isinstance(source, Path):
            return etree.parse(str(source), parser)
        data = source.encode("utf-8") if isinstance(source, str) else source
        root = etree.fromstring(data, parser)
    except (OSError, ValueError, etree.XMLSyntaxError) as exc:
        raise SourceError(f"{where}: not a readable OPML file ({exc})") from exc
    if root is None:
        raise SourceError(f"{where}: not a readable OPML file (no document)")
    return etree.ElementTree(root)


def _outline_fields(
    newsroom: Newsroom, outline: etree._Element, notes: list[str]
) -> dict[str, Any]:
    """What an outline says of its source, checked; what cannot be used is noted and left
    to the site's default. None: the outline does not say."""
    line = f"line {outline.sourceline}"
    language = outline.get("language")
    try:
        code = checked_language(language) if language else None
    except SourceError:
        code = None  # a feed is worth following without its declared language
    kind = outline.get(_B + "kind") or outline.get("type")
    section = outline.get(_B + "section") or None
    if section and newsroom.config.section(section) is None:
        notes.append(f"{line}: no section {section[:100]!r} here; imported without one")
        section = None
    low, high = _minutes(outline, "min-interval"), _minutes(outline, "max-interval")
    try:
        low, high = checked_bounds(newsroom, low, high)
    except SourceError as exc:
        notes.append(f"{line}: {exc}; the site's bounds are kept")
        low = high = None
    paused = _flag(outline, "paused")
    return {
        "name": outline.get("title") or outline.get("text"),
        "language": code,
        "kind": kind if kind in KINDS else None,
        "section": section,
        "preferred": _flag(outline, "preferred"),
        "enabled": None if paused is None else not paused,
        "min_interval_minutes": low,
        "max_interval_minutes": high,
    }


def import_opml(
    newsroom: Newsroom,
    source: Path | bytes | str,
    *,
    allow_private: bool = False,
    actor: Actor | None = None,
) -> OpmlImport:
    """Follow every feed (`outline` with `xmlUrl`) of an OPML file (a Path) or document
    (bytes or text, an upload).

    Besides the standard attributes, babelwire's own (namespace OPML_NS, as
    export_opml writes them) give each source's kind, section, preferred,
    paused, interval bounds and private-network allowance. An outline whose URL
    cannot be followed (invalid, or on a private network when neither the site
    nor the caller allows that) is left out and listed with its line and
    reason; the others are stored together in one transaction, so an import
    that fails (a full disk) stores none of them. A feed already followed gets
    what the outline says of it. A file never grants a private network by
    itself: only with `allow_private` may its outlines be on one (or keep
    their `babelwire:allow-private`), as `source add --allow-private` says it
    for one source. With an `actor`, the import is logged (source.import) in
    its transaction.
    """
    tree = _read_opml(source)
    wanted: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []
    notes: list[str] = []
    for outline in tree.iter("outline"):
        raw = outline.get("xmlUrl")
        if not raw:
            continue
        try:
            url = check_source_url(newsroom, raw, allow_private=allow_private)
        except SourceError as exc:
            skipped.append(f"line {outline.sourceline}: {exc}")
            continue
        now = _outline_fields(newsroom, outline, notes)
        asks = _flag(outline, "allow-private")
        if asks and not allow_private:
            notes.append(
                f"line {outline.sourceline}: its private-network allowance is not given"
                " by an import; imported without it"
            )
        if allow_private and (asks is not None or private_host_reason(url)):
            now["allow_private"] = bool(asks) or bool(private_host_reason(url))
        # A feed listed twice takes what each outline says, the later one winning.
        before = wanted.setdefault(url, {})
        before.update({key: value for key, value in now.items() if value is not None})
    updated = 0
    with newsroom.sessions.begin() as session:
        # One query and one batch of inserts: an import of tens of thousands of
        # outlines takes seconds, not a query per outline per source already followed.
        followed = {row.url: row for row in sources.all_sources(session)}
        new_rows = []
        for url, said in wanted.items():
            row = followed.get(url)
            if row is None:
                new_rows.append(_new_row(newsroom, url, said))
                continue
            for key, value in said.items():
                setattr(row, key, checked_name(value) if key == "name" else value)
            if "min_interval_minutes" in said or "max_interval_minutes" in said:
                set_bounds(newsroom, row, row.min_interval_minutes, row.max_interval_minutes)
            updated += 1
        sources.add_sources(session, new_rows)
        added = len(new_rows)
        if actor is not None:
            record_in(
                session,
                actor,
                "source.import",
                str(source) if isinstance(source, Path) else "OPML upload",
                added=added,
                updated=updated,
                skipped=len(skipped),
                allow_private=allow_private,
            )
    return OpmlImport(added=added, updated=updated, skipped=skipped, notes=notes)


def _new_row(newsroom: Newsroom, url: str, said: dict[str, Any]) -> dict[str, Any]:
    """The columns of a source an import adds."""
    fetch = newsroom.config.settings.fetch
    low = said.get("min_interval_minutes") or fetch.min_interval_minutes
    high = said.get("max_interval_minutes") or fetch.max_interval_minutes
    return {
        "language": None,
        "section": None,
        "kind": "feed",
        "allow_private": False,
        "preferred": False,
        "enabled": True,
        "min_interval_minutes": None,
        "max_interval_minutes": None,
        **said,
        "url": url,
        "name": checked_name(said.get("name") or urlsplit(url).hostname or url),
        "interval_minutes": min(max(fetch.interval_minutes, low), high),
        "consecutive_failures": 0,
        "poll_reason": "",
        "created_at": utcnow(),
    }


def export_opml(newsroom: Newsroom, title: str | None = None) -> str:
    """Every source as an OPML 2.0 document, readable by feed readers (the standard
    attributes) and by import_opml, which reads back all a source's settings."""
    root = etree.Element("opml", version="2.0", nsmap={"babelwire": OPML_NS})
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title or newsroom.config.title
    body = etree.SubElement(root, "body")
    for info in list_sources(newsroom):
        outline = etree.SubElement(
            body,
            "outline",
            text=info.name,
            title=info.name,
            type="rss" if info.kind == "feed" else info.kind,
            xmlUrl=info.url,
        )
        if info.kind == "page":
            outline.set("htmlUrl", info.url)
        if info.language:
            outline.set("language", info.language)
        outline.set(_B + "kind", info.kind)
        if info.section:
            outline.set(_B + "section", info.section)
        for name, value in (
            ("preferred", info.preferred),
            ("allow-private", info.allow_private),
            ("paused", info.paused),
        ):
            outline.set(_B + name, "true" if value else "false")
        if info.min_interval:
            outline.set(_B + "min-interval", str(info.min_interval))
        if info.max_interval:
            outline.set(_B + "max-interval", str(info.max_interval))
    text: str = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    ).decode("utf-8")
    return text
