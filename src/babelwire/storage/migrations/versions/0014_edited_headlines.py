"""Headlines and section names written by a person, per edition.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03

`story_headlines` holds a person's headline of a story in one edition: the site
shows it there instead of the machine's (the central article's title), and
recomputing the story leaves it alone. `sections.edited_names` holds a person's
name of a section per edition, shown instead of the configured one; syncing the
configured sections writes `names` only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "story_headlines",
        sa.Column(
            "story_id",
            sa.Integer(),
            sa.ForeignKey("stories.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("language", sa.String(16), primary_key=True),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("edited_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
    )
    with op.batch_alter_table("sections") as batch:
        batch.add_column(sa.Column("edited_names", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sections") as batch:
        batch.drop_column("edited_names")
    op.drop_table("story_headlines")
