"""Freshness: when babelwire first saw, fetched, extracted, translated and built each article.

Revision ID: 0019
Revises: 0018
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

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_ARTICLE_TIMES = ("seen_at", "first_fetched_at", "extracted_at", "built_at")


def upgrade() -> None:
    # Plain nullable columns: SQLite adds (and, from 3.35, drops) them in place, where a
    # batch would copy the table and lose its expression indexes.
    for name in _ARTICLE_TIMES:
        op.add_column("articles", sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "translations", sa.Column("first_translated_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute("UPDATE articles SET seen_at = created_at")
    op.execute("UPDATE articles SET first_fetched_at = fetched_at, extracted_at = fetched_at")
    op.execute("UPDATE translations SET first_translated_at = translated_at")


def downgrade() -> None:
    op.drop_column("translations", "first_translated_at")
    for name in reversed(_ARTICLE_TIMES):
        op.drop_column("articles", name)
