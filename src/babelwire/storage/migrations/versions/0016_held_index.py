"""The review queue's index covers held translations only.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03

`ix_translations_status` indexed every translation's status; SQLite then read an
edition's article lists through it (status IN translated, original) and sorted every
article of the edition for each page, instead of walking the list's own index: a
first page took half a second at 100,000 articles. `ix_translations_held` is partial,
on held translations only, so it serves the review queue and nothing else.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

HELD = sa.text("status = 'held'")


def upgrade() -> None:
    op.drop_index("ix_translations_status", table_name="translations")
    op.create_index(
        "ix_translations_held",
        "translations",
        ["article_id"],
        sqlite_where=HELD,
        postgresql_where=HELD,
    )


def downgrade() -> None:
    op.drop_index("ix_translations_held", table_name="translations")
    op.create_index("ix_translations_status", "translations", ["status"])
