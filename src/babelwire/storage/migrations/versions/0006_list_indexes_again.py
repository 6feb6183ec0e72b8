"""The site's list indexes, again where 0005 lost them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

On SQLite, 0005 rebuilt the articles table to add its story and duplicate
columns, and a rebuilt table keeps only the indexes the batch operation knows
of: the two partial indexes of 0004, made with plain SQL, were gone. Lists
then scanned every article. This creates them where they are missing (on
PostgreSQL they survived) and adds the one a source page reads.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SHOWN = "coalesce(published_at, first_published_at)"
PUBLISHED = "first_published_at IS NOT NULL"


def upgrade() -> None:
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_articles_published_section_shown"
        f" ON articles (section, {SHOWN}, id) WHERE {PUBLISHED}"
    )
    op.execute(
        f"CREATE INDEX IF NOT EXISTS ix_articles_published_shown ON articles ({SHOWN}, id)"
        f" WHERE {PUBLISHED}"
    )
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_articles_published_source_shown"
        f" ON articles (source_id, {SHOWN}, id) WHERE {PUBLISHED}"
    )


def downgrade() -> None:
    op.drop_index("ix_articles_published_source_shown", table_name="articles")
