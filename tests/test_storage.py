"""Storage on SQLite and PostgreSQL: migrations, unique keys that make reruns safe, UTC times."""

from __future__ import annotations

import subprocess
import sys
import warnings
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from babelwire.jobs.site import create_site
from babelwire.storage.database import (
    HEAD_REVISIONS,
    MIGRATIONS,
    current_heads,
    known_heads,
    make_engine,
    upgrade,
)
from babelwire.storage.tables import ArticleRow, Base, SourceRow, TranslationRow
from tests.factory import article_row, entry_row, source_row, translation_row


def _source(url: str = "http://news.example/feed") -> SourceRow:
    return source_row(url=url, name="News")


def _article(source_id: int, url: str) -> ArticleRow:
    return article_row(
        source_id,
        url=url,
        title="T",
        blocks=[{"kind": "p", "text": "x"}],
        stage="discovered",
        version=0,
        extractor="",
    )


def test_migrations_create_every_table_and_are_idempotent(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)  # a second upgrade on an up-to-date database changes nothing
    assert len(known_heads()) == 1, "migrations must form one line"
    assert current_heads(engine) == known_heads()
    tables = set(inspect(engine).get_table_names())
    assert {"sources", "entries", "articles", "translations", "sections", "fetch_log"} <= tables
    engine.dispose()


def test_migrated_database_has_every_declared_index(database_url: str) -> None:
    # A table rebuilt by a batch migration on SQLite keeps only the indexes it knows
    # of; the list pages depend on the partial ones being there.
    engine = make_engine(database_url)
    upgrade(engine)
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        with engine.connect() as connection:
            # SQLAlchemy does not reflect expression indexes; ask the catalogue.
            if engine.dialect.name == "sqlite":
                query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"
            else:
                query = "SELECT indexname FROM pg_indexes WHERE tablename = :t"
            present = set(connection.scalars(text(query), {"t": table.name}))
        # An index made for one dialect only (`ddl_if`) is looked for there only.
        declared = {
            str(index.name)
            for index in table.indexes
            if index._ddl_if is None or index._ddl_if.dialect in (None, engine.dialect.name)
        }
        assert declared <= present, f"{table.name} lacks {sorted(declared - present)}"
    engine.dispose()


def _list_indexes(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'articles'"
        else:
            query = (
                "SELECT indexname FROM pg_indexes"
                " WHERE tablename = 'articles' AND schemaname = current_schema()"
            )
        return {n for n in connection.scalars(text(query)) if n.startswith("ix_articles_pub")}


def test_migrations_warn_of_nothing_down_and_up_and_keep_the_list_indexes(
    database_url: str,
) -> None:
    # On SQLite a batch migration rebuilds a table from its reflection, which cannot
    # read an expression index: it warned, and the rebuilt table lost the index.
    engine = make_engine(database_url)
    alembic = AlembicConfig()
    alembic.set_main_option("script_location", str(MIGRATIONS))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        upgrade(engine)
        at_head = _list_indexes(engine)
        assert at_head == {
            "ix_articles_published_section_shown",
            "ix_articles_published_shown",
            "ix_articles_published_source_shown",
        }
        for revision, indexes in (
            ("0008", at_head),
            ("0005", at_head - {"ix_articles_published_source_shown"}),
            ("base", set()),
        ):
            with engine.begin() as connection:
                alembic.attributes["connection"] = connection
                command.downgrade(alembic, revision)
            assert _list_indexes(engine) == indexes, revision
        upgrade(engine)
    assert _list_indexes(engine) == at_head
    engine.dispose()


def test_unique_keys_refuse_duplicates(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    with Session(engine) as session:
        source = _source()
        session.add(source)
        session.flush()
        article = _article(source.id, "http://news.example/a")
        session.add(article)
        session.flush()
        session.add(entry_row(source, guid="g1", url="http://news.example/a", fingerprint="f"))
        session.add(translation_row(article, "es", "translated"))
        session.commit()
        duplicates = [
            entry_row(source, guid="g1", url="http://news.example/b", fingerprint="f"),
            _article(source.id, "http://news.example/a"),
            translation_row(article, "es", "skipped"),
            _source(),
        ]
    for duplicate in duplicates:
        with Session(engine) as session:
            session.add(duplicate)
            with pytest.raises(IntegrityError):
                session.commit()
    with Session(engine) as session:
        assert session.query(ArticleRow).count() == 1
        assert session.query(TranslationRow).count() == 1
    engine.dispose()


def test_times_come_back_as_the_same_utc_instant(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    moment = datetime(2026, 11, 20, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    with Session(engine) as session:
        source = _source()
        source.last_fetched_at = moment
        session.add(source)
        session.commit()
        source_id = source.id
    with Session(engine) as session:
        row = session.get(SourceRow, source_id)
        assert row is not None and row.last_fetched_at is not None
        assert row.last_fetched_at == moment
        assert row.last_fetched_at.tzinfo is not None
        assert row.last_fetched_at.utcoffset() == UTC.utcoffset(None)
    engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path: pytest.TempPathFactory) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/wal.sqlite3")
    with engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"
    engine.dispose()


def test_the_head_revision_named_in_code_is_the_newest_migration() -> None:
    # A new migration must also be named in HEAD_REVISIONS, or up-to-date
    # databases would skip it.
    assert known_heads() == set(HEAD_REVISIONS)


def test_an_up_to_date_site_opens_without_loading_alembic(tmp_path: Path) -> None:
    root = tmp_path / "site"
    create_site(root, title="Wire", languages=("en", "es"))
    script = (
        "import sys; from pathlib import Path; from babelwire.newsroom import Newsroom; "
        f"Newsroom.open(Path({str(root)!r})).close(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
