"""The services a newsroom fetches and translates with, built on first use.

Their modules (httpx, the engines) are imported then too: a command that only
reads the database does not load them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from babelwire.config import Config

if TYPE_CHECKING:
    from babelwire.pipeline.fetch.guard import Allowance
    from babelwire.pipeline.fetch.http import Fetcher
    from babelwire.pipeline.fetch.robots import RobotsCache
    from babelwire.pipeline.translate.registry import EngineOptions, Translators
    from babelwire.storage.tables import SourceRow


def engine_options(config: Config) -> EngineOptions:
    """What the site's translation engines are started with: their [translation] options."""
    from babelwire.pipeline.translate.preferences import parse_preferences
    from babelwire.pipeline.translate.registry import EngineOptions

    translation = config.settings.translation
    return EngineOptions(
        timeout=translation.timeout,
        root=config.root,
        apertium=translation.apertium,
        ctranslate2=translation.ctranslate2,
        libretranslate=translation.libretranslate,
        openai=translation.openai,
        prefer=parse_preferences(translation.prefer),
    )


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


class Services:
    """The fetcher (with its robots cache) and the translation engines of one site."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._fetcher: Fetcher | None = None
        self._image_fetcher: Fetcher | None = None
        self._robots: RobotsCache | None = None
        self._translators: Translators | None = None

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
    def image_fetcher(self) -> Fetcher:
        """The fetcher for pictures: the pages' guard and per-host spacing (one politeness
        per host, whatever is fetched), with `images.max_bytes` as its size bound."""
        if self._image_fetcher is None:
            from babelwire.pipeline.fetch.http import Fetcher

            pages = self.fetcher
            self._image_fetcher = Fetcher(
                pages.headers["User-Agent"],
                connect_timeout=pages.connect_timeout,
                read_timeout=pages.read_timeout,
                total_timeout=pages.total_timeout,
                max_bytes=self.config.settings.images.max_bytes,
                guard=pages.guard,
                spacing=pages.spacing,
            )
        return self._image_fetcher

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

    def close(self) -> None:
        if self._image_fetcher is not None:
            self._image_fetcher.close()
            self._image_fetcher = None
        if self._fetcher is not None:
            self._fetcher.close()
            self._fetcher = None
            self._robots = None
        if self._translators is not None:
            self._translators.close()
            self._translators = None
