"""The newsroom: one site's settings, database, fetcher and engines, opened once.

Every use case takes a Newsroom, so the CLI, the web app and workers share one
way of reaching the site's resources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from babelwire.config import Config
from babelwire.storage import sections
from babelwire.storage.database import make_engine, make_sessionmaker, upgrade
from babelwire.storage.tables import SourceRow

# The fetcher, robots cache and engines are made on first use, and their modules
# (httpx, the engines) imported then: a command that only reads the database
# does not load them.
if TYPE_CHECKING:
    from babelwire.jobs.stories import StoryDesk
    from babelwire.pipeline.fetch.guard import Allowance
    from babelwire.pipeline.fetch.http import Fetcher
    from babelwire.pipeline.fetch.robots import RobotsCache
    from babelwire.pipeline.translate.registry import EngineOptions, Translators


def engine_options(config: Config) -> EngineOptions:
    """What the site's translation engines are started with: their [translation] options."""
    from babelwire.pipeline.translate.registry import EngineOptions

    translation = config.settings.translation
    return EngineOptions(
        timeout=translation.timeout,
        root=config.root,
        apertium=translation.apertium,
        ctranslate2=translation.ctranslate2,
        libretranslate=translation.libretranslate,
        openai=translation.openai,
    )


@dataclass
class Newsroom:
    config: Config
    db: Engine
    sessions: sessionmaker[Session]
    _fetcher: Fetcher | None = field(default=None, repr=False)
    _robots: RobotsCache | None = field(default=None, repr=False)
    _translators: Translators | None = field(default=None, repr=False)
    # The open stories, cached between calls (jobs/stories.py reads them on first use).
    story_desk: StoryDesk | None = field(default=None, repr=False)

    @classmethod
    def open(cls, root: Path, *, migrate: bool = True) -> Newsroom:
        """Open the site in `root`, bringing its database schema up to date."""
        config = Config.load(root)
        return cls.from_config(config, migrate=migrate)

    @classmethod
    def from_config(cls, config: Config, *, migrate: bool = True) -> Newsroom:
        db = make_engine(
            config.database_url,
            pool_size=config.settings.database.pool_size,
            max_overflow=config.settings.database.max_overflow,
            pool_recycle=config.settings.database.pool_recycle,
        )
        if migrate:
            upgrade(db)
        newsroom = cls(config=config, db=db, sessions=make_sessionmaker(db))
        if migrate:
            newsroom.sync_sections()
        return newsroom

    @property
    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            from babelwire.pipeline.fetch.guard import AddressGuard
            from babelwire.pipeline.fetch.hosts import HostSpacing
            from babelwire.pipeline.fetch.http import Fetcher, user_agent
            from babelwire.publish.paths import url_for_about

            c = self.config
            self._fetcher = Fetcher(
                user_agent(f"{c.base_url}{url_for_about(c.languages[0])}"),
                connect_timeout=c.settings.fetch.connect_timeout,
                read_timeout=c.settings.fetch.read_timeout,
                total_timeout=c.settings.fetch.total_timeout,
                max_bytes=c.settings.fetch.max_bytes,
                guard=AddressGuard(allow_private=c.settings.fetch.allow_private_networks),
                spacing=HostSpacing(
                    per_host=c.settings.fetch.host_concurrency,
                    delay=c.settings.fetch.host_delay,
                ),
            )
        return self._fetcher

    @property
    def robots(self) -> RobotsCache:
        if self._robots is None:
            from babelwire.pipeline.fetch.robots import RobotsCache

            self._robots = RobotsCache(self.fetcher)
        return self._robots

    @property
    def translators(self) -> Translators:
        if self._translators is None:
            from babelwire.pipeline.translate.registry import Translators

            self._translators = Translators(
                self.config.settings.translation.engines,
                options=engine_options(self.config),
            )
        return self._translators

    def sync_sections(self) -> None:
        """Keep the sections table equal to babelwire.toml (articles keep their slugs)."""
        configured = [
            (rule.slug, rule.names, position) for position, rule in enumerate(self.config.sections)
        ]
        with self.sessions.begin() as session:
            sections.sync_sections(session, configured)

    def close(self) -> None:
        if self._fetcher is not None:
            self._fetcher.close()
            self._fetcher = None
        if self._translators is not None:
            self._translators.close()
            self._translators = None
        self.db.dispose()

    def __enter__(self) -> Newsroom:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def source_allowance(source: SourceRow) -> Allowance:
    """What the SSRF guard lets the fetches made for `source` reach beyond the public
    internet: the host and port of its own URL when the operator added it with
    `--allow-private`, else nothing. Run its fetches inside `guard.allowed(...)`."""
    from babelwire.pipeline.fetch.guard import NO_ALLOWANCE, allowance_for

    if not source.allow_private:
        return NO_ALLOWANCE
    try:
        return allowance_for(source.url)
    except (ValueError, UnicodeError):  # a URL no fetch can read needs no allowance
        return NO_ALLOWANCE
