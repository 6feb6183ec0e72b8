"""Publishing: the public site's pages, read-side queries and the static export."""

from babelwire.publish.pages import SitePages
from babelwire.publish.static import build_site

__all__ = ["SitePages", "build_site"]
