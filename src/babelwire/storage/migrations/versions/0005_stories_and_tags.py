"""Stories, near-duplicates, preferred sources and tags.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

A story groups the reports of one event from every source and language. An
article names its story and, when it is a near-duplicate of another article,
the article it copies: such an article is stored and linked to its story but
never gets `first_published_at`, so no list, feed or sitemap shows it (unless
its source is preferred). Tags are the people, places and organisations that
articles name, with their names per language.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("headline_language", sa.String(length=16), nullable=False),
        sa.Column("central_article_id", sa.Integer(), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False),
        sa.Column("source_count", sa.Integer(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stories_last_seen", "stories", ["last_seen"])
    op.create_index("ix_stories_rank", "stories", ["source_count", "last_seen"])
    _drop_list_indexes_before_rebuild()
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("story_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("minhash", sa.LargeBinary(), nullable=True))
        batch_op.create_index("ix_articles_story_id", ["story_id"], unique=False)
        batch_op.create_index("ix_articles_duplicate_of", ["duplicate_of"], unique=False)
        batch_op.create_foreign_key(
            "fk_articles_story_id", "stories", ["story_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            "fk_articles_duplicate_of", "articles", ["duplicate_of"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("preferred", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "article_tags",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "tag_id"),
    )
    op.create_index("ix_article_tags_tag_id", "article_tags", ["tag_id", "article_id"])


_SHOWN = "coalesce(published_at, first_published_at)"
# The partial list indexes of 0004: on an expression, which SQLAlchemy cannot reflect.
LIST_INDEXES = (
    ("ix_articles_published_section_shown", f"section, {_SHOWN}, id"),
    ("ix_articles_published_shown", f"{_SHOWN}, id"),
)


def _drop_list_indexes_before_rebuild() -> bool:
    """On SQLite a batch operation rebuilds the articles table from its reflection,
    which would skip these indexes with a warning and lose them: drop them first
    (0006 creates them again; on PostgreSQL the table is altered in place and they
    stay). Whether they were dropped."""
    if op.get_bind().dialect.name != "sqlite":
        return False
    for name, _ in LIST_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    return True


def downgrade() -> None:
    op.drop_index("ix_article_tags_tag_id", table_name="article_tags")
    op.drop_table("article_tags")
    op.drop_table("tags")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("preferred")
    dropped = _drop_list_indexes_before_rebuild()
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_constraint("fk_articles_duplicate_of", type_="foreignkey")
        batch_op.drop_constraint("fk_articles_story_id", type_="foreignkey")
        batch_op.drop_index("ix_articles_duplicate_of")
        batch_op.drop_index("ix_articles_story_id")
        batch_op.drop_column("minhash")
        batch_op.drop_column("duplicate_of")
        batch_op.drop_column("story_id")
    if dropped:  # as 0004 left them
        for name, columns in LIST_INDEXES:
            op.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON articles ({columns})"
                " WHERE first_published_at IS NOT NULL"
            )
    op.drop_index("ix_stories_rank", table_name="stories")
    op.drop_index("ix_stories_last_seen", table_name="stories")
    op.drop_table("stories")
