"""The media folder: picture files named by content hash, written atomically.

`media/ab/cdef...-640.webp` holds the 640-pixel-wide WebP of the picture whose
SHA-256 is `abcdef...`; the same path is its address on the site (paths.url_for_media),
and a static build copies the folder's files under the same names.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from babelwire.pipeline.images.encode import Rendition
from babelwire.publish.paths import MEDIA_FOLDER, is_digest, url_for_media


class MediaFolder:
    """Where picture files live: the site's `images.dir`, or a build's media folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, digest: str, width: int, extension: str) -> Path:
        if not is_digest(digest):
            raise ValueError(f"not a picture's digest: {digest!r}")
        relative = url_for_media(digest, width, extension).removeprefix(f"/{MEDIA_FOLDER}/")
        return self.root / relative

    def files_of(self, digest: str) -> list[Path]:
        """The files stored for a picture."""
        if not is_digest(digest):
            return []
        folder = self.root / digest[:2]
        if not folder.is_dir():
            return []
        return sorted(folder.glob(f"{digest[2:]}-*"))

    def write(self, digest: str, renditions: Iterable[Rendition]) -> int:
        """Store a picture's files (each replaced atomically); returns the bytes written."""
        written = 0
        for item in renditions:
            target = self.path_for(digest, item.width, item.extension)
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(item.data)
                os.chmod(temporary, 0o644)
                os.replace(temporary, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
            written += len(item.data)
        return written

    def remove(self, digest: str) -> list[Path]:
        """Delete a picture's files; returns those removed."""
        removed = []
        for path in self.files_of(digest):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
        return removed
