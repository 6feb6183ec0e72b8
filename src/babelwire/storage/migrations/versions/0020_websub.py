"""WebSub: subscriptions to the hubs sources name, and pings of this site's own hub.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03

`websub_subscriptions` holds one row per source whose feed names a hub: the hub and
topic, the callback key and secret, the state, what was last asked of the hub and
when, the lease, the last push and counts. `websub_pings` holds the last ping of the
publisher hub for each of this site's feeds.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "websub_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "source_id",
            sa.Integer(),
            sa.ForeignKey("sources.id", ondelete="SET NULL"),
            nullable=True,
            unique=True,
        ),
        sa.Column("hub_url", sa.String(2048), nullable=False),
        sa.Column("topic_url", sa.String(2048), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("private_ok", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("requested_mode", sa.String(16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_push_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("missed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pushes", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_websub_subscriptions_next_attempt_at", "websub_subscriptions", ["next_attempt_at"]
    )
    op.create_table(
        "websub_pings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("topic_url", sa.String(2048), nullable=False, unique=True),
        sa.Column("hub_url", sa.String(2048), nullable=False),
        sa.Column("pinged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("websub_pings")
    op.drop_index("ix_websub_subscriptions_next_attempt_at", table_name="websub_subscriptions")
    op.drop_table("websub_subscriptions")
