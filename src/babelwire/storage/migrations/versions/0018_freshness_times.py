"""Freshness: when babelwire first saw, fetched, extracted, translated and built each article.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03

`articles.seen_at` (first seen in a source's feed, sitemap or page), `first_fetched_at`
(its page first fetched; `fetched_at` stays the latest fetch), `extracted_at` (its text
first stored) and `built_at` (the first static build that wrote its page finished);
`translations.first_translated_at` (the edition's text first stored). Each is set once
and never moved by a later pass. Rows stored before this revision take the nearest
time known: created_at for seen_at, fetched_at for the fetch and extraction,
translated_at for the translation; built_at stays empty.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_ARTICLE_TIMES = ("seen_at", "first_fetched_at", "extracted_at", "built_at")


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        for name in _ARTICLE_TIMES:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("translations") as batch:
        batch.add_column(
            sa.Column("first_translated_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE articles SET seen_at = created_at")
    op.execute("UPDATE articles SET first_fetched_at = fetched_at, extracted_at = fetched_at")
    op.execute("UPDATE translations SET first_translated_at = translated_at")


def downgrade() -> None:
    with op.batch_alter_table("translations") as batch:
        batch.drop_column("first_translated_at")
    with op.batch_alter_table("articles") as batch:
        for name in reversed(_ARTICLE_TIMES):
            batch.drop_column(name)
