"""A site: its settings, its database and the sessions that reach it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from babelwire.config import Config
from babelwire.storage import Database, Sessions, sections
from babelwire.storage.database import make_engine, make_sessionmaker, upgrade


@dataclass
class Site:
    """What the public site and every read of the newsroom need, and nothing more."""

    config: Config
    db: Database
    sessions: Sessions

    @classmethod
    def open(cls, root: Path, *, migrate: bool = True) -> Self:
        """Open the site in `root`, bringing its database schema up to date."""
        return cls.from_config(Config.load(root), migrate=migrate)

    @classmethod
    def from_config(cls, config: Config, *, migrate: bool = True) -> Self:
        db = make_engine(
            config.database_url,
            pool_size=config.settings.database.pool_size,
            max_overflow=config.settings.database.max_overflow,
            pool_recycle=config.settings.database.pool_recycle,
        )
        if migrate:
            upgrade(db)
        site = cls(config=config, db=db, sessions=make_sessionmaker(db))
        if migrate:
            site.sync_sections()
        return site

    def sync_sections(self) -> None:
        """Keep the sections table equal to babelwire.toml (articles keep their slugs)."""
        configured = [
            (rule.slug, rule.names, position) for position, rule in enumerate(self.config.sections)
        ]
        with self.sessions.begin() as session:
            sections.sync_sections(session, configured)

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
