"""Use cases for the operator's list of sources: add, list, remove, import OPML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree
from sqlalchemy import func, select

from babelwire.jobs.newsroom import Newsroom
from babelwire.storage.tables import ArticleRow, SourceRow


class SourceError(ValueError):
    """The operator asked for something about sources that cannot be done."""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    id: int
    url: str
    name: str
    language: str | None
    section: str | None
    last_fetched_at: datetime | None
    last_status: str | None
    last_error: str | None
    next_fetch_at: datetime | None
    articles: int


def _check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(f"not an http(s) URL: {url!r}")
    return url.strip()


def add_source(
    newsroom: Newsroom,
    url: str,
    *,
    name: str | None = None,
    language: str | None = None,
    section: str | None = None,
) -> SourceInfo:
    """Add a source, or update its name/language/section when the URL is already listed."""
    url = _check_url(url)
    if section and newsroom.config.section(section) is None:
        known = ", ".join(s.slug for s in newsroom.config.sections)
        raise SourceError(f"unknown section {section!r}; sections: {known}")
    with newsroom.sessions.begin() as session:
        row = session.scalar(select(SourceRow).where(SourceRow.url == url))
        if row is None:
            row = SourceRow(
                url=url,
                name=name or urlsplit(url).hostname or url,
                interval_minutes=int(newsroom.config.get("fetch.interval_minutes")),
                enabled=True,
                consecutive_failures=0,
            )
            session.add(row)
        elif name:
            row.name = name
        if language:
            row.language = language.lower().split("-")[0]
        if section:
            row.section = section
        session.flush()
        source_id = row.id
    return get_source(newsroom, source_id)


def get_source(newsroom: Newsroom, ref: int | str) -> SourceInfo:
    """A source by id or URL."""
    for info in list_sources(newsroom):
        if info.id == ref or info.url == ref or str(info.id) == str(ref):
            return info
    raise SourceError(f"no source {ref!r}")


def list_sources(newsroom: Newsroom) -> list[SourceInfo]:
    with newsroom.sessions() as session:
        counts = dict(
            session.execute(
                select(ArticleRow.source_id, func.count()).group_by(ArticleRow.source_id)
            ).all()
        )
        rows = session.scalars(select(SourceRow).order_by(SourceRow.id)).all()
        return [
            SourceInfo(
                id=r.id,
                url=r.url,
                name=r.name,
                language=r.language,
                section=r.section,
                last_fetched_at=r.last_fetched_at,
                last_status=r.last_status,
                last_error=r.last_error,
                next_fetch_at=r.next_fetch_at,
                articles=int(counts.get(r.id, 0)),
            )
            for r in rows
        ]


def remove_source(newsroom: Newsroom, ref: int | str) -> SourceInfo:
    """Stop following a source. Its articles go with it (takedown-style removal)."""
    info = get_source(newsroom, ref)
    with newsroom.sessions.begin() as session:
        row = session.get(SourceRow, info.id)
        if row is not None:
            session.delete(row)
    return info


def import_opml(newsroom: Newsroom, path: Path) -> list[SourceInfo]:
    """Add every feed (`outline` with `xmlUrl`) of an OPML file; returns those added."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        tree = etree.parse(str(path), parser)
    except (OSError, etree.XMLSyntaxError) as exc:
        raise SourceError(f"{path}: not a readable OPML file ({exc})") from exc
    added = []
    for outline in tree.iter("outline"):
        url = outline.get("xmlUrl")
        if not url:
            continue
        try:
            added.append(
                add_source(
                    newsroom,
                    url,
                    name=outline.get("title") or outline.get("text"),
                    language=outline.get("language"),
                )
            )
        except SourceError:
            continue
    return added
