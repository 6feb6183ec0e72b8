"""The optional parts of babelwire and the package extra that installs each.

`pip install babelwire` gives the embedded newsroom (SQLite, Apertium, the site and
its server). PostgreSQL, Celery workers, the neural engines and the evaluation of
engines come with extras; a command that needs one that is missing says which to
install instead of failing on an import deep inside.
"""

from __future__ import annotations

import importlib

from babelwire.errors import InputError

__all__ = ["MissingExtra", "install_hint", "require"]


class MissingExtra(InputError):
    """A command needs a package of an extra that is not installed."""


def install_hint(extra: str, what: str) -> str:
    """`what` needs `extra`, and the command that installs it."""
    return f"{what} needs the {extra} extra: pip install 'babelwire[{extra}]'"


def require(module: str, extra: str, what: str) -> None:
    """Import `module`, or raise MissingExtra saying that `what` needs `extra`."""
    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtra(install_hint(extra, what)) from exc
