"""Storage: SQLAlchemy tables, queries and Alembic migrations. All SQL lives here."""
