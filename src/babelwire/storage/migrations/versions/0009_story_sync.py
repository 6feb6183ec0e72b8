"""Stories kept in step across processes, and the near-duplicate band index.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27

`stories.seq` is one counter for all stories, raised under a lock each time an
article joins one; `articles.story_seq` records it on the article. A process
that cached the open stories catches up by reading what changed since the
number it last saw. `stories.first_reported_at` and `last_reported_at` are when
the story's articles were published by their sources: a story is open to
reports near those times, not to those this site happens to see at the time.
`stories.central_score` keeps how close the central article is, so a restart
chooses the same central article. `article_bands`
holds the LSH band keys of each recent article's MinHash fingerprint.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("story_seq", sa.Integer(), nullable=True))
        batch_op.create_index("ix_articles_story_seq", ["story_seq"], unique=False)
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("central_score", sa.Float(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=False, server_default="0"))
        for name in ("first_reported_at", "last_reported_at"):
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_stories_seq", ["seq"], unique=False)
    op.create_table(
        "article_bands",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "key"),
    )
    op.create_index("ix_article_bands_key", "article_bands", ["key"])
    op.create_index("ix_article_bands_seen_at", "article_bands", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_article_bands_seen_at", table_name="article_bands")
    op.drop_index("ix_article_bands_key", table_name="article_bands")
    op.drop_table("article_bands")
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_index("ix_stories_seq")
        batch_op.drop_column("last_reported_at")
        batch_op.drop_column("first_reported_at")
        batch_op.drop_column("seq")
        batch_op.drop_column("central_score")
    # On SQLite dropping a column rebuilds the table from its reflection, which
    # cannot see the list indexes (they are on an expression): drop them before
    # and make them again after, as 0006 left them.
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name, _ in LIST_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_story_seq")
        batch_op.drop_column("story_seq")
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
