"""Queries on passes: each pass of the embedded runner, as `/metrics` counts them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from babelwire.storage.tables import PassRow


def add_pass(
    session: Session, *, started_at: datetime, seconds: float, sources: int, articles: int, ok: bool
) -> None:
    session.add(
        PassRow(started_at=started_at, seconds=seconds, sources=sources, articles=articles, ok=ok)
    )
