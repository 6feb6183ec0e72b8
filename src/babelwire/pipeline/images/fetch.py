"""Fetching a picture: the same guarded client as pages (SSRF guard on every
connection, per-host spacing, time and size bounds, redirects checked hop by hop),
robots.txt obeyed, and the bytes' kind read from the bytes, not from the headers."""

from __future__ import annotations

from dataclasses import dataclass

from babelwire.pipeline.fetch.http import Fetcher, FetchError
from babelwire.pipeline.fetch.robots import RobotsCache
from babelwire.pipeline.images.sniff import describe_content, sniff_image

IMAGE_ACCEPT = "image/webp, image/png, image/jpeg, image/gif;q=0.9, */*;q=0.1"


class ImageFetchError(Exception):
    """The picture could not be had; the message says why, for the operator. `final`:
    no later try would get it (it is not an image, or the server says it is gone)."""

    def __init__(self, message: str, *, final: bool = False) -> None:
        super().__init__(message)
        self.final = final


@dataclass(frozen=True, slots=True)
class FetchedImage:
    url: str
    final_url: str
    data: bytes
    kind: str  # "jpeg", "png", "gif" or "webp", from its bytes


def fetch_image(fetcher: Fetcher, robots: RobotsCache, url: str) -> FetchedImage:
    """GET the picture at `url` if robots.txt allows it and it is an image; else
    ImageFetchError. `fetcher` bounds its size (images.max_bytes)."""
    refusal = robots.check(url)
    if refusal:
        raise ImageFetchError(f"image {url}: {refusal}")
    try:
        result = fetcher.fetch(url, accept=IMAGE_ACCEPT)
    except FetchError as exc:
        gone = exc.status in (404, 410)
        raise ImageFetchError(f"image {url}: {exc}", final=gone) from exc
    kind = sniff_image(result.content)
    if kind is None:
        raise ImageFetchError(
            f"image {url}: not an image: {describe_content(result.content, result.content_type)}",
            final=True,
        )
    return FetchedImage(url, result.final_url, result.content, kind)
