"""The picture pipeline: images/s, bytes saved, and the front page's first-view weight.

Makes N camera-like JPEGs (2000x1333, EXIF and a colour profile, smooth areas and
grain) and serves them from a loopback HTTP server. Rows:

- encode: `encode_image` (draft-mode decode, sRGB, 320/640/1024 WebP + JPEG), images/s,
  beside the baseline of a plain Pillow decode and one 1024-wide JPEG save of the same
  files (no draft mode, one file), in the same run; medians of several rounds;
- fetch + encode: the same through the guarded fetcher and robots.txt, images/s;
- bytes saved: the files fetched against what a reader downloads (the 640 WebP, and the
  320 WebP a thumbnail takes), and against everything stored;
- front page: a site with a feed of `--articles` articles, each with its picture, run
  through `babelwire run`; the first view of /en/ weighed as a browser at 1x loads it:
  the HTML, the stylesheet and every thumbnail it shows (the WebP its srcset and sizes
  pick: 320 wide), lazy or not. The target is under 200 KB.

    python bench/images.py
    python bench/images.py -n 20 --articles 10
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import re
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image, ImageCms, ImageFilter

from babelwire.jobs.run import run_pass
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import add_source
from babelwire.newsroom import Newsroom
from babelwire.pipeline.fetch.guard import AddressGuard
from babelwire.pipeline.fetch.http import Fetcher
from babelwire.pipeline.fetch.robots import RobotsCache
from babelwire.pipeline.images.encode import encode_image
from babelwire.pipeline.images.fetch import fetch_image

WIDTHS = (320, 640, 1024)
FIRST_VIEW_TARGET = 200 * 1024


def photo(seed: int, width: int = 2000, height: int = 1333) -> bytes:
    """A JPEG like a news photo: gradients and shapes under sensor grain, with EXIF and
    an embedded profile."""
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    tint = Image.new("RGB", (width, height), ((seed * 53) % 256, (seed * 97) % 256, 140))
    image = Image.blend(base, tint, 0.5)
    # Detail at several scales, as in a scene: coarse shapes, texture, then grain.
    for scale, weight in ((64, 0.35), (8, 0.25), (1, 0.08)):
        layer = Image.effect_noise((width // scale, height // scale), 60).resize(
            (width, height), Image.Resampling.BICUBIC
        )
        image = Image.blend(image, layer.convert("RGB"), weight)
    image = image.filter(ImageFilter.DETAIL)
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    exif[0xA431] = f"SERIAL-{seed}"
    out = io.BytesIO()
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image.save(out, "JPEG", quality=92, exif=exif.tobytes(), icc_profile=profile)
    return out.getvalue()


class Files(ThreadingHTTPServer):
    routes: dict[str, tuple[bytes, str]]


class Handler(BaseHTTPRequestHandler):
    server: Files
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body, kind = self.server.routes.get(self.path, (b"not found", "text/plain"))
        self.send_response(200 if self.path in self.server.routes else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(routes: dict[str, tuple[bytes, str]]) -> tuple[Files, str]:
    server = Files(("127.0.0.1", 0), Handler)
    server.routes = routes
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def rate(work: Callable[[], int], rounds: int) -> float:
    """Median items/s over `rounds` runs of `work` (which returns how many it did)."""
    found = []
    for _ in range(rounds):
        began = time.perf_counter()
        count = work()
        found.append(count / (time.perf_counter() - began))
    return statistics.median(found)


def plain_pillow(files: list[bytes]) -> int:
    for data in files:
        image = Image.open(io.BytesIO(data))
        image.load()
        small = image.resize((1024, round(image.height * 1024 / image.width)))
        small.save(io.BytesIO(), "JPEG", quality=80)
    return len(files)


def pipeline(files: list[bytes]) -> int:
    for data in files:
        encode_image(data, WIDTHS, max_pixels=40_000_000)
    return len(files)


WORDS = [
    "harbour",
    "council",
    "rents",
    "docks",
    "boats",
    "market",
    "school",
    "river",
    "bridge",
    "station",
    "museum",
    "festival",
    "hospital",
    "library",
    "stadium",
    "election",
    "budget",
    "farmers",
    "teachers",
    "nurses",
    "drivers",
    "storm",
    "flood",
    "drought",
    "vineyard",
    "orchard",
    "tunnel",
    "railway",
    "airport",
    "ferry",
    "castle",
]


def paragraphs(n: int) -> str:
    """Six paragraphs of words no other article shares the order of (no article is
    taken for a copy of another)."""
    rng = random.Random(n)
    return "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(40)).capitalize() + ".</p>"
        for _ in range(6)
    )


def front_page_weight(files: list[bytes], articles: int, folder: Path) -> tuple[int, int, int, int]:
    """(html, css, thumbnails, how many) bytes of /en/'s first view on a site of `articles`."""
    from starlette.testclient import TestClient

    from babelwire.web.app import create_app

    routes: dict[str, tuple[bytes, str]] = {"/robots.txt": (b"User-agent: *\n", "text/plain")}
    server, base = serve(routes)
    items = []
    for n in range(articles):
        title = f"{random.Random(-n).choice(WORDS).capitalize()} report number {n}"
        routes[f"/img/{n}.jpg"] = (files[n % len(files)], "image/jpeg")
        routes[f"/news/{n}.html"] = (
            (
                f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>"
                f"<meta property='og:image' content='/img/{n}.jpg'>"
                "<meta property='og:image:alt' content='The harbour at dawn'></head>"
                f"<body><article><h1>{title}</h1>{paragraphs(n)}</article></body></html>"
            ).encode(),
            "text/html; charset=utf-8",
        )
        items.append(
            f"<item><title>{title}</title><link>{base}/news/{n}.html</link>"
            f"<guid>{base}/news/{n}.html</guid></item>"
        )
    routes["/feed.xml"] = (
        (
            "<?xml version='1.0'?><rss version='2.0'><channel><title>Harbour</title>"
            f"<link>{base}/</link><description>x</description>{''.join(items)}</channel></rss>"
        ).encode(),
        "application/rss+xml",
    )
    os.environ["BABELWIRE_FETCH_ALLOW_PRIVATE_NETWORKS"] = "true"
    os.environ["BABELWIRE_FETCH_HOST_DELAY"] = "0"
    root = folder / "site"
    create_site(root, title="Bench Wire", languages=("en",))
    newsroom = Newsroom.open(root)
    try:
        add_source(newsroom, f"{base}/feed.xml", name="Harbour", language="en")
        run_pass(newsroom)
        client = TestClient(create_app(newsroom))
        html = client.get("/en/").content
        css = client.get("/style.css").content
        thumbnails = re.findall(rb'<source type="image/webp" srcset="([^" ]+) 320w', html)
        weight = sum(len(client.get(path.decode()).content) for path in thumbnails)
    finally:
        newsroom.close()
        server.shutdown()
    return len(html), len(css), weight, len(thumbnails)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=40, help="photos (default 40)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--articles", type=int, default=20, help="front page articles")
    args = parser.parse_args()
    files = [photo(seed) for seed in range(args.n)]
    print(f"# babelwire pictures: {args.n} photos of 2000x1333, {platform.machine()}, ", end="")
    print(f"{os.cpu_count()} cpus, {datetime.now(UTC):%Y-%m-%d}")

    baseline = rate(lambda: plain_pillow(files), args.rounds)
    encoded = rate(lambda: pipeline(files), args.rounds)
    print(f"plain Pillow decode + one 1024 JPEG: {baseline:7.1f} images/s (baseline)")
    print(
        f"encode_image (3 widths, WebP + JPEG): {encoded:7.1f} images/s "
        f"({encoded / baseline:.2f}x the baseline)"
    )

    routes = {f"/p/{i}.jpg": (data, "image/jpeg") for i, data in enumerate(files)}
    routes["/robots.txt"] = (b"User-agent: *\nAllow: /\n", "text/plain")
    server, base = serve(routes)
    with Fetcher("babelwire-bench", guard=AddressGuard(allow_private=True)) as fetcher:
        robots = RobotsCache(fetcher)

        def fetched() -> int:
            for i in range(len(files)):
                image = fetch_image(fetcher, robots, f"{base}/p/{i}.jpg")
                encode_image(image.data, WIDTHS, max_pixels=40_000_000)
            return len(files)

        through = rate(fetched, args.rounds)
    server.shutdown()
    print(f"fetch + encode over loopback:        {through:7.1f} images/s")

    fetched_bytes = sum(len(f) for f in files)
    results = [encode_image(f, WIDTHS, max_pixels=40_000_000) for f in files]
    stored = sum(r.bytes_out for r in results)

    def size_of(width: int) -> int:
        return sum(
            len(x.data)
            for r in results
            for x in r.renditions
            if x.width == width and x.extension == "webp"
        )

    for label, value in (("640 WebP (article page)", size_of(640)), ("320 WebP", size_of(320))):
        print(
            f"bytes: fetched {fetched_bytes / args.n / 1024:6.1f} KB/image, {label} "
            f"{value / args.n / 1024:5.1f} KB/image: {100 * (1 - value / fetched_bytes):.1f}% saved"
        )
    print(f"bytes: everything stored (6 files)   {stored / args.n / 1024:6.1f} KB/image")

    with tempfile.TemporaryDirectory() as folder:
        html, css, thumbs, count = front_page_weight(files, args.articles, Path(folder))
    total = html + css + thumbs
    verdict = "under" if total < FIRST_VIEW_TARGET else "OVER"
    print(
        f"front page first view: HTML {html / 1024:.1f} KB + CSS {css / 1024:.1f} KB + "
        f"{count} thumbnails {thumbs / 1024:.1f} KB = {total / 1024:.1f} KB "
        f"({verdict} the 200 KB target)"
    )


if __name__ == "__main__":
    main()
