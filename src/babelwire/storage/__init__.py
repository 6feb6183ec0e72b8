"""Storage: SQLAlchemy tables, queries and Alembic migrations. All SQL lives here.

One query module per aggregate, named for it (sources, articles, takedowns,
task_runs, dead_letters, memory): functions that take the caller's Session and
return rows or plain values. A use case in jobs/ opens the Session, so it
decides what is one transaction; it names the type from here, not from
SQLAlchemy, since what it holds is storage's unit of work, not a query tool.
`Sessions` is what opens them.
"""

from sqlalchemy import Engine as Database
from sqlalchemy.orm import Session, sessionmaker

# The site's database, and what opens sessions on it, as the newsroom holds them.
Sessions = sessionmaker[Session]

__all__ = ["Database", "Session", "Sessions"]
