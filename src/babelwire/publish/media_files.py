"""A static build's pictures: the files of every picture a page shows, copied from the
site's media folder under the same names (hard-linked where the two folders share a
file system), and the files of pictures no page shows any more (taken down, or their
source's pictures turned off) removed."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Collection
from pathlib import Path

from babelwire.pipeline.images.store import MediaFolder
from babelwire.publish.paths import MEDIA_FOLDER, parse_media_path
from babelwire.storage import Sessions, images


def sync_media(
    sessions: Sessions, media_dir: Path, root: Path, articles: Collection[int] | None = None
) -> tuple[int, int]:
    """Make `root`/media hold the files of the pictures pages show; (copied, removed).
    With `articles`, only their pictures are copied and nothing is removed."""
    with sessions() as session:
        shown = images.stored_digests(session, articles)
    source, target = MediaFolder(media_dir), MediaFolder(root / MEDIA_FOLDER)
    copied = removed = 0
    for digest in sorted(shown):
        for path in source.files_of(digest):
            if path.name.startswith("."):
                continue
            destination = target.root / path.parent.name / path.name
            if destination.exists():
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, destination)
            except OSError:
                shutil.copy2(path, destination)
            copied += 1
    if articles is None and target.root.is_dir():
        for path in target.root.glob("*/*"):
            parsed = parse_media_path(path.parent.name, path.name)
            if parsed is None or parsed[0] not in shown:
                with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                    path.unlink()
                    removed += 1
    return copied, removed
