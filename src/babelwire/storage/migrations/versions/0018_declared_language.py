"""The language an article's source declared, beside the one it was found to be in.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03

A declared language is a prior, not a fact: detection on the article's own text
may override it (`language_method` "overridden"). `articles.declared_language`
keeps what the source declared when the article was extracted, so the desk and
`babelwire source list` can show where the two disagree. Articles extracted
before this revision took the declaration as fact; they keep NULL here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("declared_language", sa.String(16), nullable=True))


def downgrade() -> None:
    # On SQLite dropping a column rebuilds the table from its reflection, which cannot
    # see the list indexes (on an expression): drop them before and make them again
    # after, as 0009 does.
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name, _ in LIST_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("declared_language")
    if sqlite:
        for name, columns in LIST_INDEXES:
            op.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON articles ({columns})"
                " WHERE first_published_at IS NOT NULL"
            )


_SHOWN = "coalesce(published_at, first_published_at)"
LIST_INDEXES = (
    ("ix_articles_published_section_shown", f"section, {_SHOWN}, id"),
    ("ix_articles_published_shown", f"{_SHOWN}, id"),
    ("ix_articles_published_source_shown", f"source_id, {_SHOWN}, id"),
)
