"""What kind of image a file is, read from its first bytes: a server's Content-Type
is not trusted (an HTML page served as image/jpeg is still a page)."""

from __future__ import annotations

#: The kinds babelwire decodes, by the name Pillow knows each format by. SVG is not
#: among them: it is a document that can carry scripts and links, not pixels.
PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}


def sniff_image(data: bytes) -> str | None:
    """ "jpeg", "png", "gif" or "webp" from the file's signature, else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def describe_content(data: bytes, content_type: str) -> str:
    """A few words on what a refused file looked like, for the operator."""
    head = data[:64].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in data[:512].lower():
        looks = "an HTML page"
    elif head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:1024]):
        looks = "an SVG document"
    elif not data:
        looks = "an empty body"
    else:
        looks = "no image format babelwire reads (JPEG, PNG, GIF, WebP)"
    return f"{looks}, served as {content_type or 'no Content-Type'}"
