"""Values read from files, kept per process until one of their files changes.

The glossary and the gazetteer are read for every translate batch and every
scheduler round; parsing them again each time costs more than the work they
serve when they are large. A file is taken as unchanged while its modification
time (in nanoseconds) and size are; a missing file is a state of its own, so
deleting one reloads too (its loader reads it as empty). Nothing is kept when
loading fails: the next use reads the file again and raises the same error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Generic, TypeVar

__all__ = ["FileCache", "file_stamp"]

T = TypeVar("T")
Stamp = tuple[int, int] | None


def file_stamp(path: Path) -> Stamp:
    """(mtime_ns, size) of `path`; None when there is no such file."""
    try:
        stat = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (stat.st_mtime_ns, stat.st_size)


class FileCache(Generic[T]):
    """One loaded value per key, reloaded when the stamp of one of its files changes."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, tuple[tuple[Stamp, ...], T]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, paths: Sequence[Path], load: Callable[[], T]) -> T:
        """The value `load` gave for `key`, or a fresh one if any of `paths` changed since."""
        try:
            # Stamped before loading: a file changed while it is read is read again next time.
            stamps = tuple(file_stamp(p) for p in paths)
        except OSError:  # unreadable metadata: let the loader raise its own clear error
            return load()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and entry[0] == stamps:
            return entry[1]
        value = load()
        with self._lock:
            self._entries[key] = (stamps, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
