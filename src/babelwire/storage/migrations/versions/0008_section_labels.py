"""Section labels: the operator's examples for the section classifier.

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-26

One row per labelled article (`babelwire sections label ARTICLE SECTION`);
`babelwire sections train` learns from them. A small table of its own, so the
articles table is not rebuilt on SQLite.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "section_labels",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=100), nullable=False),
        sa.Column("labelled_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id"),
    )


def downgrade() -> None:
    op.drop_table("section_labels")
