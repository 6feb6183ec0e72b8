"""Queries on sections: the site's sections as configured, the names a person gave
them per edition, and the operator's labels (the section an article belongs in, to
train the classifier with)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from babelwire.model import Stage
from babelwire.storage.tables import ArticleRow, SectionLabelRow, SectionRow

__all__ = [
    "edited_names",
    "label_counts",
    "label_of",
    "labels",
    "published_counts",
    "set_edited_name",
    "set_label",
    "sync_sections",
]


def sync_sections(session: Session, sections: Iterable[tuple[str, Mapping[str, str], int]]) -> None:
    """Each (slug, names, position) of `sections` stored; other sections are left as
    they are (articles keep their slugs), and so are the names a person gave them."""
    existing = {row.slug: row for row in session.scalars(select(SectionRow))}
    for slug, names, position in sections:
        row = existing.get(slug)
        if row is None:
            row = SectionRow(slug=slug)
            session.add(row)
        row.names = dict(names)
        row.position = position


def edited_names(session: Session) -> dict[str, dict[str, str]]:
    """The names a person gave sections, by slug then edition language."""
    rows = session.execute(
        select(SectionRow.slug, SectionRow.edited_names).where(SectionRow.edited_names.is_not(None))
    )
    return {slug: dict(names) for slug, names in rows if names}


def set_edited_name(session: Session, slug: str, language: str, name: str | None) -> str | None:
    """A person's name of section `slug` in an edition (None: the configured one again);
    the name it replaces, if a person had given one."""
    row = session.scalar(select(SectionRow).where(SectionRow.slug == slug))
    if row is None:
        row = SectionRow(slug=slug, names={})
        session.add(row)
    names = dict(row.edited_names or {})
    before = names.pop(language, None)
    if name is not None:
        names[language] = name
    row.edited_names = names or None
    return before


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


def label_of(session: Session, article_id: int) -> str | None:
    """The section the operator said the article belongs in, if they said."""
    return session.scalar(
        select(SectionLabelRow.section).where(SectionLabelRow.article_id == article_id)
    )


def label_counts(session: Session) -> dict[str, int]:
    """Labels per section."""
    rows = session.execute(
        select(SectionLabelRow.section, func.count()).group_by(SectionLabelRow.section)
    )
    return {section: int(count) for section, count in rows}


def published_counts(session: Session) -> dict[str | None, int]:
    """Published articles per section (None: filed under none), found through the
    stage index: the published articles only, not the whole archive."""
    rows = session.execute(
        select(ArticleRow.section, func.count())
        .where(ArticleRow.stage == Stage.PUBLISHED.value)
        .group_by(ArticleRow.section)
    )
    return {section: int(count) for section, count in rows}
