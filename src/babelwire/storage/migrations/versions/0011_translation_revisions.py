"""Post-editing: every text a translation had, and who revised it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

`translation_revisions` keeps the machine's text when a person first edits it, each
published edit or restore, and an editor's unpublished draft. A translation counts
its revisions (`revision`) and names who revised it last.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("translations") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("revised_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("revised_by_display", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("revised_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "translation_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("translation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("blocks", sa.JSON(), nullable=False),
        sa.Column("who", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=300), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["translation_id"], ["translations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("translation_id", "kind", "number", name="uq_translation_revisions"),
    )
    op.create_index(
        "ix_translation_revisions_translation_id", "translation_revisions", ["translation_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_translation_revisions_translation_id", table_name="translation_revisions")
    op.drop_table("translation_revisions")
    # Plain column drops: SQLite (3.35 and later) drops these in place, where a batch
    # rebuild would reflect the articles table and its expression indexes.
    for column in ("revised_at", "revised_by_display", "revised_by", "revision"):
        op.drop_column("translations", column)
