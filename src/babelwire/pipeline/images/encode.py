"""Decode an image within bounds and re-encode it, without its metadata, in a few widths.

A picture from a source is decoded by Pillow only after its kind was read from its
bytes (sniff.py), with that one decoder allowed; its size is read from its header and
refused above `max_pixels` before any pixel is decoded, so a decompression bomb (a
small file that declares a huge canvas) costs nothing. A JPEG is decoded in draft
mode, at the smallest DCT scale still larger than the widest file wanted.

What is written is made from the pixels alone: turned upright by its EXIF
orientation, converted to sRGB from its colour profile, then saved as WebP (and JPEG,
for browsers without WebP) with no EXIF, XMP, ICC profile or comment, so no camera
serial number or GPS position leaves with it.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps

from babelwire.pipeline.images.sniff import PILLOW_FORMATS, sniff_image

# An sRGB profile to convert to, made once.
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
# Pillow's own bomb check warns above its global limit; ours is explicit, per call.
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError)


class ImageRefused(ValueError):
    """The file is not an image babelwire will show; the message says why."""


@dataclass(frozen=True, slots=True)
class Rendition:
    """One stored file of a picture."""

    width: int
    height: int
    extension: str  # "webp" or "jpg"
    data: bytes


@dataclass(frozen=True, slots=True)
class EncodedImage:
    """A picture as decoded (upright) and the files made from it, smallest first."""

    kind: str  # what its bytes said it was: "jpeg", "png", "gif" or "webp"
    width: int
    height: int
    renditions: tuple[Rendition, ...]

    @property
    def sizes(self) -> list[list[int]]:
        """[[width, height], ...] of the sizes stored, each once, smallest first."""
        seen: dict[int, int] = {}
        for item in self.renditions:
            seen.setdefault(item.width, item.height)
        return [[w, h] for w, h in sorted(seen.items())]

    @property
    def bytes_out(self) -> int:
        return sum(len(item.data) for item in self.renditions)


def target_widths(width: int, widths: Sequence[int]) -> list[int]:
    """The widths to store a `width`-pixel-wide image at: each wanted width narrower
    than it, and the image's own width when it is narrower than the widest wanted
    (an image is never enlarged)."""
    wanted = sorted({w for w in widths if w > 0})
    found = [w for w in wanted if w < width]
    if not wanted or width <= wanted[-1]:
        found.append(width)
    return sorted(set(found)) or [width]


def encode_image(
    data: bytes, widths: Sequence[int], *, max_pixels: int, quality: int = 80
) -> EncodedImage:
    """The files to store for the image `data`, or ImageRefused saying why not."""
    kind = sniff_image(data)
    if kind is None:
        raise ImageRefused("not an image babelwire reads (JPEG, PNG, GIF, WebP)")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[kind]])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRefused(
                f"{kind} image declares too many pixels (a decompression bomb): "
                f"{_short(exc)}; refused before decoding"
            ) from exc
        except _DECODE_ERRORS as exc:
            raise ImageRefused(f"unreadable {kind} image ({_short(exc)})") from exc
        width, height = image.size
        if width < 1 or height < 1:
            raise ImageRefused(f"{kind} image of {width}x{height} pixels")
        if width * height > max_pixels:
            raise ImageRefused(
                f"{kind} image of {width}x{height} pixels is over images.max_pixels "
                f"({max_pixels}): refused before decoding"
            )
        try:
            upright = _decoded(image, kind, max(widths, default=width))
        except (*_DECODE_ERRORS, Image.DecompressionBombWarning) as exc:
            raise ImageRefused(f"unreadable {kind} image ({_short(exc)})") from exc
    renditions = []
    # Widest first, each size made from the one before: fewer pixels to filter each time.
    sized = upright
    for target in sorted(target_widths(upright.width, widths), reverse=True):
        if target != sized.width:
            height_at = max(1, round(upright.height * target / upright.width))
            sized = sized.resize((target, height_at), Image.Resampling.LANCZOS, reducing_gap=3.0)
        renditions.append(Rendition(target, sized.height, "webp", _webp(sized, quality)))
        renditions.append(Rendition(target, sized.height, "jpg", _jpeg(sized, quality)))
    renditions.reverse()
    return EncodedImage(kind, upright.width, upright.height, tuple(renditions))


def _decoded(image: Image.Image, kind: str, widest: int) -> Image.Image:
    """The image's first frame, decoded, upright and in sRGB, as RGB or RGBA."""
    if kind == "jpeg" and image.width > widest:
        # Decode at 1/2, 1/4 or 1/8 scale when that is still at least the widest needed.
        scale = widest / image.width
        image.draft("RGB", (max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    image.seek(0)  # an animation shows its first frame
    image.load()
    profile = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image) or image
    alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    mode = "RGBA" if alpha else "RGB"
    if profile and upright.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            converted = ImageCms.profileToProfile(
                upright, source, _SRGB, outputMode="RGBA" if upright.mode == "RGBA" else "RGB"
            )
            if converted is not None:
                upright = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the pixels are taken as sRGB
    clean = upright.convert(mode)
    clean.info = {}  # nothing of the source's metadata is carried to what is saved
    return clean


def _webp(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", quality=quality, method=4)
    return out.getvalue()


def _jpeg(image: Image.Image, quality: int) -> bytes:
    if image.mode == "RGBA":
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"
