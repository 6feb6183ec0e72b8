"""What `/metrics` reads: translation runs per route, passes, and two covering indexes.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03

`translation_runs` holds one row per batch sent along a route (engine, source and
target language): articles, segments, memory hits, words sent to the engine and its
seconds. `passes` holds one row per pass of `babelwire run`. The indexes let a scrape
count polls per source, outcome and HTTP status, and the delay from a source's
publication to this site's, without reading the tables' rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "translation_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("engine", sa.String(100), nullable=False),
        sa.Column("source_language", sa.String(16), nullable=False),
        sa.Column("target_language", sa.String(16), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("memory_hits", sa.Integer(), nullable=False),
        sa.Column("engine_words", sa.Integer(), nullable=False),
        sa.Column("engine_seconds", sa.Float(), nullable=False),
    )
    op.create_index(
        "ix_translation_runs_route",
        "translation_runs",
        ["engine", "source_language", "target_language"],
    )
    op.create_table(
        "passes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("sources", sa.Integer(), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_passes_started_at", "passes", ["started_at"])
    op.create_index("ix_fetch_log_outcomes", "fetch_log", ["source_id", "outcome", "http_status"])
    op.create_index("ix_articles_live_delay", "articles", ["first_published_at", "published_at"])


def downgrade() -> None:
    op.drop_index("ix_articles_live_delay", table_name="articles")
    op.drop_index("ix_fetch_log_outcomes", table_name="fetch_log")
    op.drop_index("ix_passes_started_at", table_name="passes")
    op.drop_table("passes")
    op.drop_index("ix_translation_runs_route", table_name="translation_runs")
    op.drop_table("translation_runs")
