"""How an unexpected exception is recorded: one line an operator can read on a source or article."""

from __future__ import annotations

__all__ = ["describe_error"]

MAX_MESSAGE = 300


def describe_error(exc: BaseException) -> str:
    """`ValueError: chr() arg not in range(0x110000)`: the class says what kind of fault it was.

    A message on one line and short, because it is stored on the row and shown
    in a table; the traceback goes to the log, not the database.
    """
    text = " ".join(str(exc).split())[:MAX_MESSAGE]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
