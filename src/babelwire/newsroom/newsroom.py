"""A Site with its services and caches: what the use cases that fetch and translate take."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from babelwire.newsroom.caches import Caches
from babelwire.newsroom.services import Services
from babelwire.newsroom.site import Site

if TYPE_CHECKING:
    from babelwire.pipeline.fetch.http import Fetcher
    from babelwire.pipeline.fetch.robots import RobotsCache
    from babelwire.pipeline.translate.registry import Translators


@dataclass
class Newsroom(Site):
    """One site opened with everything its use cases reach: made once per process."""

    services: Services = field(init=False, repr=False)
    caches: Caches = field(default_factory=Caches, repr=False)

    def __post_init__(self) -> None:
        self.services = Services(self.config)

    @property
    def fetcher(self) -> Fetcher:
        return self.services.fetcher

    @property
    def image_fetcher(self) -> Fetcher:
        return self.services.image_fetcher

    @property
    def robots(self) -> RobotsCache:
        return self.services.robots

    @property
    def translators(self) -> Translators:
        return self.services.translators

    def close(self) -> None:
        self.services.close()
        super().close()
