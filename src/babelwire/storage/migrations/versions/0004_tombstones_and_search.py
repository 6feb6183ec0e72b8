"""Tombstones of taken-down articles and the site's full-text search index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

The search index is not a SQLAlchemy table: on SQLite it is an FTS5 virtual
table, on PostgreSQL a table with a tsvector column and a GIN index. It is
filled in batches by `babelwire.storage.published.search`, never by per-row triggers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tombstones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("paths", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url"),
    )
    with op.batch_alter_table("tombstones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tombstones_article_id"), ["article_id"], unique=False)
    shown = "coalesce(published_at, first_published_at)"
    published = "first_published_at IS NOT NULL"
    op.execute(
        f"CREATE INDEX ix_articles_published_section_shown ON articles (section, {shown}, id) "
        f"WHERE {published}"
    )
    op.execute(
        f"CREATE INDEX ix_articles_published_shown ON articles ({shown}, id) WHERE {published}"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE search_documents ("
            " article_id INTEGER NOT NULL, language VARCHAR(16) NOT NULL,"
            " title TEXT NOT NULL, body TEXT NOT NULL, document TSVECTOR NOT NULL,"
            " PRIMARY KEY (article_id, language))"
        )
        op.execute("CREATE INDEX ix_search_documents ON search_documents USING GIN (document)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE search_documents USING fts5("
            "title, body, article_id UNINDEXED, language UNINDEXED,"
            " tokenize = 'unicode61 remove_diacritics 2')"
        )


def downgrade() -> None:
    op.execute("DROP TABLE search_documents")
    op.drop_index("ix_articles_published_shown", table_name="articles")
    op.drop_index("ix_articles_published_section_shown", table_name="articles")
    with op.batch_alter_table("tombstones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tombstones_article_id"))
    op.drop_table("tombstones")
