"""Queries on sections: the site's sections as configured, and the operator's labels
(the section an article belongs in, to train the classifier with)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from babelwire.storage.tables import SectionLabelRow, SectionRow

__all__ = ["labels", "set_label", "sync_sections"]


def sync_sections(session: Session, sections: Iterable[tuple[str, Mapping[str, str], int]]) -> None:
    """Each (slug, names, position) of `sections` stored; other sections are left as
    they are (articles keep their slugs)."""
    existing = {row.slug: row for row in session.scalars(select(SectionRow))}
    for slug, names, position in sections:
        row = existing.get(slug)
        if row is None:
            row = SectionRow(slug=slug)
            session.add(row)
        row.names = dict(names)
        row.position = position


def set_label(session: Session, article_id: int, section: str, labelled_at: datetime) -> None:
    """The operator says the article belongs in `section`."""
    row = session.get(SectionLabelRow, article_id)
    if row is None:
        row = SectionLabelRow(article_id=article_id)
        session.add(row)
    row.section = section
    row.labelled_at = labelled_at


def labels(session: Session) -> list[tuple[int, str]]:
    """(article, section) of every label, by article."""
    rows = session.execute(
        select(SectionLabelRow.article_id, SectionLabelRow.section).order_by(
            SectionLabelRow.article_id
        )
    )
    return [(article_id, section) for article_id, section in rows]
