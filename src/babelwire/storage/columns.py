"""Values from outside brought within the columns that hold them.

PostgreSQL refuses a string longer than its VARCHAR column, where SQLite stores
it whole: a feed or a page that sends a 3,000-character author or ETag must be
treated alike on both, before the database sees it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import InstrumentedAttribute

__all__ = ["cut", "fits"]


def _length(column: InstrumentedAttribute[Any]) -> int | None:
    length = getattr(column.property.columns[0].type, "length", None)
    return length if isinstance(length, int) else None


def fits(value: str | None, column: InstrumentedAttribute[Any]) -> bool:
    """Whether `value` fits the column (PostgreSQL refuses what SQLite would store)."""
    length = _length(column)
    return value is None or length is None or len(value) <= length


def cut(value: str, column: InstrumentedAttribute[Any]) -> str:
    """Text shortened to fit the column."""
    length = _length(column)
    return value if length is None or len(value) <= length else value[:length].rstrip()
