"""Pictures: the images articles' pages name, stored by content hash, and a source's
switch to leave them out.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03

`images` holds one row per picture stored in the site's media folder, named by the
SHA-256 of the bytes fetched; `article_images` links an article to the pictures its
page named (position 0: the lead image), with the state of each (pending, stored,
failed, off) and why it failed. `sources.images` false keeps a source's pictures out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "images",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sizes", sa.JSON(), nullable=False),
        sa.Column("bytes_in", sa.BigInteger(), nullable=False),
        sa.Column("bytes_out", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )
    op.create_table(
        "article_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("alt", sa.Text(), nullable=False),
        sa.Column("alt_translations", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "position", name="uq_article_images_article_position"),
    )
    op.create_index("ix_article_images_digest", "article_images", ["digest"])
    op.create_index("ix_article_images_state", "article_images", ["state"])
    # A plain column with a default: SQLite adds it in place (no batch copy of the table).
    op.add_column(
        "sources",
        sa.Column("images", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    op.drop_column("sources", "images")
    op.drop_index("ix_article_images_state", table_name="article_images")
    op.drop_index("ix_article_images_digest", table_name="article_images")
    op.drop_table("article_images")
    op.drop_table("images")
