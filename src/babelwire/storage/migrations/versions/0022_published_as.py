"""How a translation below the quality threshold is shown: `translations.published_as`.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03

"" for a translation shown as usual (above the threshold, released by an editor,
revised by a person); "low-confidence" for one shown whole with a stronger notice,
"summary" for one shown as its title and summary with a link to the original
(`translation.below_threshold`). Rows stored before this revision are "".
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain column with a default: SQLite adds it in place (no batch copy of the table).
    op.add_column(
        "translations",
        sa.Column("published_as", sa.String(length=20), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_column("translations", "published_as")
