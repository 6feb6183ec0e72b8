"""Workers: a record of task runs and the dead letters.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27

`task_runs` holds one row per stage task (Celery workers) or per stage and chunk
(the embedded runner): when it was sent, started and finished, and how it ended.
`dead_letters` keeps the tasks that failed every try, for `babelwire dead-letters`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=True),
        sa.Column("runner", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("queue_seconds", sa.Float(), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id"),
    )
    op.create_index("ix_task_runs_stage_outcome", "task_runs", ["stage", "outcome"])
    op.create_index("ix_task_runs_enqueued_at", "task_runs", ["enqueued_at"])
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id"),
    )
    op.create_index("ix_dead_letters_stage", "dead_letters", ["stage"])


def downgrade() -> None:
    op.drop_index("ix_dead_letters_stage", table_name="dead_letters")
    op.drop_table("dead_letters")
    op.drop_index("ix_task_runs_enqueued_at", table_name="task_runs")
    op.drop_index("ix_task_runs_stage_outcome", table_name="task_runs")
    op.drop_table("task_runs")
