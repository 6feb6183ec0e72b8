"""babelwire: an automated, multilingual newsroom that names its sources."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # Read from the package metadata on first use: importlib.metadata costs more
    # than the rest of `babelwire --help`, which never shows the version.
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("babelwire")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        found = "0.1.0"
    globals()["__version__"] = found
    return found
