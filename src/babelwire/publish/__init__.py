"""Publishing: the public site's pages, read-side queries and the static export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from babelwire.publish.pages import SitePages
    from babelwire.publish.static import build_site

__all__ = ["SitePages", "build_site"]


def __getattr__(name: str) -> Any:
    # The renderer brings Jinja, the feed writers and the static export: loaded when
    # first asked for, so that reading one module of the package (paths, queries,
    # stories) does not pay for them.
    if name == "SitePages":
        from babelwire.publish.pages import SitePages

        return SitePages
    if name == "build_site":
        from babelwire.publish.static import build_site

        return build_site
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
