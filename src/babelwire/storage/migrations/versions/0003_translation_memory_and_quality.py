"""Translation memory; quality and provenance of each translation.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "translation_memory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engine", sa.String(length=100), nullable=False),
        sa.Column("model_version", sa.String(length=200), nullable=False),
        sa.Column("source_language", sa.String(length=16), nullable=False),
        sa.Column("target_language", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("target_text", sa.Text(), nullable=False),
        sa.Column("unknown_words", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "engine",
            "model_version",
            "source_language",
            "target_language",
            "key",
            name="uq_translation_memory_segment",
        ),
    )
    with op.batch_alter_table("translations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quality", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("pivot", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("glossary_version", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("checks", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("translated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("translations", schema=None) as batch_op:
        batch_op.drop_column("translated_at")
        batch_op.drop_column("checks")
        batch_op.drop_column("glossary_version")
        batch_op.drop_column("pivot")
        batch_op.drop_column("quality")
    op.drop_table("translation_memory")
