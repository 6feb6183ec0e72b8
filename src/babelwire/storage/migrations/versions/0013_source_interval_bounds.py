"""Per-source bounds of the adaptive polling interval.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

`min_interval_minutes` and `max_interval_minutes` narrow or widen, for one
source, the site's `fetch.min_interval_minutes` and `fetch.max_interval_minutes`;
NULL keeps the site's. A paused source is one with `enabled` false (a column
the first schema already has).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("min_interval_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("max_interval_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("max_interval_minutes")
        batch.drop_column("min_interval_minutes")
