"""babelwire: an automated, multilingual newsroom that names its sources."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("babelwire")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.1.0"

__all__ = ["__version__"]
