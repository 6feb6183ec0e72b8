"""Queries on sections: the table kept equal to the site's settings."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from babelwire.storage.tables import SectionRow


def sync_sections(session: Session, sections: Sequence[tuple[str, dict[str, str]]]) -> None:
    """Make the sections table hold `sections` (slug, names per language), in that order;
    a section no longer listed keeps its row, so its articles keep their slug."""
    existing = {row.slug: row for row in session.scalars(select(SectionRow))}
    for position, (slug, names) in enumerate(sections):
        row = existing.get(slug)
        if row is None:
            row = SectionRow(slug=slug)
            session.add(row)
        row.names = names
        row.position = position
