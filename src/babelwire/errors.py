"""The error every module may raise for what an operator gave, without importing the settings."""

from __future__ import annotations

__all__ = ["InputError"]


class InputError(ValueError):
    """Something the operator gave (a setting, a URL, a file) cannot be used as it is.

    The command line prints its message on one line and exits with status 2;
    anything else that escapes is a bug and shows its traceback.
    """
