"""Pictures: fetched through the guarded fetcher from a real loopback server, re-encoded
by Pillow without metadata, stored by content hash, shown from the site's own origin,
copied by static builds, turned off per source and removed by takedowns."""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageCms
from sqlalchemy import select
from starlette.testclient import TestClient

from babelwire.jobs.run import run_pass
from babelwire.jobs.site import create_site
from babelwire.jobs.sources import add_source, update_source
from babelwire.jobs.takedown import take_down
from babelwire.model import ImageState
from babelwire.newsroom import Newsroom
from babelwire.pipeline.fetch.guard import AddressGuard
from babelwire.pipeline.fetch.http import Fetcher
from babelwire.pipeline.fetch.robots import RobotsCache
from babelwire.pipeline.images.encode import ImageRefused, encode_image, target_widths
from babelwire.pipeline.images.fetch import ImageFetchError, fetch_image
from babelwire.publish.static import build_site_report
from babelwire.storage.tables import ArticleImageRow, ImageRow, SourceRow
from babelwire.web.app import create_app
from tests.hostile_server import Handler, HostileServer, Route

GPS_IFD = 0x8825


def _photo(width: int = 1200, height: int = 800) -> bytes:
    """A JPEG as a camera writes one: EXIF with a maker, a serial and a GPS position,
    and an embedded colour profile."""
    image = Image.new("RGB", (width, height))
    for x in range(0, width, 40):
        image.paste((x % 256, 80, 200 - x % 200), (x, 0, x + 20, height))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0xA431] = "SERIAL-12345"  # BodySerialNumber
    exif.get_ifd(GPS_IFD)[2] = (41.0, 23.0, 0.0)  # GPSLatitude
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), icc_profile=profile, quality=90)
    return out.getvalue()


def _bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A small PNG whose header declares a huge canvas."""
    out = io.BytesIO()
    Image.new("L", (8, 8)).save(out, "PNG")
    data = bytearray(out.getvalue())
    ihdr = 8  # the IHDR chunk: length, type, then width and height
    data[ihdr + 8 : ihdr + 16] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr + 4 : ihdr + 8 + 13]))
    data[ihdr + 8 + 13 : ihdr + 8 + 17] = struct.pack(">I", crc)
    return bytes(data)


def _static(body: bytes, content_type: str, status: int = 200) -> Route:
    def route(handler: Handler) -> None:
        handler.send(status, body, {"Content-Type": content_type})

    return route


# -- encoding ---------------------------------------------------------------------------


def test_reencoded_files_carry_no_exif_gps_or_profile() -> None:
    encoded = encode_image(_photo(), [320, 640, 1024], max_pixels=10_000_000)
    assert encoded.sizes == [[320, 213], [640, 427], [1024, 683]]
    assert {r.extension for r in encoded.renditions} == {"webp", "jpg"}
    for rendition in encoded.renditions:
        reopened = Image.open(io.BytesIO(rendition.data))
        assert reopened.format == {"webp": "WEBP", "jpg": "JPEG"}[rendition.extension]
        assert reopened.size == (rendition.width, rendition.height)
        assert not reopened.getexif(), rendition
        assert "icc_profile" not in reopened.info
        assert "exif" not in reopened.info
        assert b"SERIAL-12345" not in rendition.data and b"CameraMaker" not in rendition.data
    assert encoded.bytes_out < 2 * len(_photo())


def test_a_small_image_is_never_enlarged() -> None:
    assert target_widths(500, [320, 640, 1024]) == [320, 500]
    assert target_widths(200, [320, 640]) == [200]
    assert target_widths(3000, [320, 640]) == [320, 640]


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = _bomb()
    assert len(bomb) < 200
    with pytest.raises(ImageRefused, match=r"decompression bomb.*refused before decoding"):
        encode_image(bomb, [320], max_pixels=40_000_000)
    # Below Pillow's own limit, the site's images.max_pixels refuses it.
    with pytest.raises(ImageRefused, match=r"6000x6000 pixels is over images.max_pixels"):
        encode_image(_bomb(6000, 6000), [320], max_pixels=1_000_000)


def test_bytes_that_are_no_image_are_refused() -> None:
    with pytest.raises(ImageRefused, match="not an image"):
        encode_image(b"<!doctype html><html><body>hi</body></html>", [320], max_pixels=10**6)
    # A PNG signature with nothing readable after it.
    with pytest.raises(ImageRefused, match="unreadable png"):
        encode_image(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, [320], max_pixels=10**6)


# -- fetching ---------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as running:
        yield running


def _fetcher(allow_private: bool = True) -> Fetcher:
    return Fetcher("babelwire-test", guard=AddressGuard(allow_private=allow_private))


def test_an_html_page_served_as_image_jpeg_is_refused_by_its_bytes(
    server: HostileServer,
) -> None:
    page = b"<!DOCTYPE html><html><p>gotcha</p></html>"
    server.routes["/fake.jpg"] = _static(page, "image/jpeg")
    refused = pytest.raises(ImageFetchError, match="an HTML page, served as image/jpeg")
    with _fetcher() as fetcher, refused as caught:
        fetch_image(fetcher, RobotsCache(fetcher), server.url("/fake.jpg"))
    assert caught.value.final


def test_an_image_robots_txt_disallows_is_not_fetched(server: HostileServer) -> None:
    server.routes["/robots.txt"] = _static(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    server.routes["/private/photo.jpg"] = _static(_photo(), "image/jpeg")
    with _fetcher() as fetcher, pytest.raises(ImageFetchError, match="disallowed by"):
        fetch_image(fetcher, RobotsCache(fetcher), server.url("/private/photo.jpg"))
    assert "/private/photo.jpg" not in server.paths()


def test_an_image_on_a_private_address_is_refused(server: HostileServer) -> None:
    server.routes["/photo.jpg"] = _static(_photo(), "image/jpeg")
    guarded = _fetcher(allow_private=False)
    with guarded as fetcher, pytest.raises(ImageFetchError, match=r"127\.0\.0\.1"):
        fetch_image(fetcher, RobotsCache(fetcher), server.url("/photo.jpg"))
    assert server.paths() == []


def test_an_image_larger_than_the_cap_is_refused(server: HostileServer) -> None:
    server.routes["/big.jpg"] = _static(_photo(), "image/jpeg")
    small = Fetcher("babelwire-test", guard=AddressGuard(allow_private=True), max_bytes=1000)
    with small as f, pytest.raises(ImageFetchError, match="larger than 1000 bytes"):
        fetch_image(f, RobotsCache(f), server.url("/big.jpg"))


# -- through the pipeline, the site and a takedown ----------------------------------------

PARAGRAPHS = "".join(
    f"<p>{text}</p>"
    for text in [
        "The city council approved a new plan for the harbour on Tuesday evening after a "
        "long debate about the future of the old fishing docks and the people who work there.",
        "Supporters said the plan would bring new jobs to the waterfront, while critics "
        "warned that rents in the surrounding streets would rise faster than wages.",
        "The mayor promised that the first works would begin next spring and that every "
        "family living near the docks would be consulted before any building is demolished.",
        "Fishermen who have worked in the harbour for decades asked for a guarantee that "
        "their boats would keep a place to moor once the new marina is finished.",
    ]
)


def _page(title: str, image_path: str) -> bytes:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title>"
        f"<meta property='og:image' content='{image_path}'>"
        "<meta property='og:image:alt' content='Fishing boats moored in the old harbour'>"
        f"</head><body><article><h1>{title}</h1>{PARAGRAPHS}</article></body></html>"
    ).encode()


def _feed(server: HostileServer, items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>{server.url(path)}</link>"
        f"<guid>{server.url(path)}</guid><pubDate>Tue, 01 Dec 2026 10:00:00 GMT</pubDate></item>"
        for title, path in items
    )
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Harbour News</title>"
        f"<link>{server.url('/')}</link><description>x</description>{entries}</channel></rss>"
    ).encode()


@pytest.fixture
def pictured(tmp_path: Path, server: HostileServer, database_url: str) -> Iterator[Newsroom]:
    """A site following one feed whose article names a photo with EXIF and a profile."""
    server.routes["/robots.txt"] = _static(b"User-agent: *\nAllow: /\n", "text/plain")
    server.routes["/feed.xml"] = _static(
        _feed(server, [("Harbour plan approved", "/news/harbour.html")]), "application/rss+xml"
    )
    server.routes["/news/harbour.html"] = _static(
        _page("Harbour plan approved", "/img/harbour.jpg"), "text/html; charset=utf-8"
    )
    server.routes["/img/harbour.jpg"] = _static(_photo(), "image/jpeg")
    root = tmp_path / "site"
    create_site(root, title="Test Wire", languages=("en", "es"), database_url=database_url)
    newsroom = Newsroom.open(root)
    add_source(newsroom, server.url("/feed.xml"), name="Harbour News", language="en")
    try:
        yield newsroom
    finally:
        newsroom.close()


def _picture_rows(newsroom: Newsroom) -> tuple[list[ArticleImageRow], list[ImageRow]]:
    with newsroom.sessions() as session:
        links = list(session.scalars(select(ArticleImageRow)))
        stored = list(session.scalars(select(ImageRow)))
        session.expunge_all()
    return links, stored


def test_a_lead_picture_is_stored_shown_built_and_taken_down(
    pictured: Newsroom, tmp_path: Path
) -> None:
    newsroom = pictured
    run_pass(newsroom)
    links, stored = _picture_rows(newsroom)
    assert [(link.state, link.reason) for link in links] == [(ImageState.STORED, "")]
    (image,) = stored
    assert links[0].digest == image.digest
    assert (image.width, image.height) == (1200, 800)
    files = sorted((newsroom.config.media_dir / image.digest[:2]).iterdir())
    assert {f.suffix for f in files} == {".webp", ".jpg"} and len(files) == 6
    article_id = links[0].article_id

    client = TestClient(create_app(newsroom))
    front = client.get("/en/").text
    assert "<picture>" in front and 'loading="lazy"' in front
    page_path = re.search(r'href="(/en/article/[^"]+)"', front)
    assert page_path is not None
    page = client.get(page_path.group(1))
    html = page.text
    assert "img-src 'self'" in page.headers["Content-Security-Policy"]
    img = re.search(r"<img [^>]*>", html)
    assert img is not None
    tag = img.group(0)
    assert 'width="1024"' in tag and 'height="683"' in tag
    assert 'alt="Fishing boats moored in the old harbour"' in tag
    assert re.search(r'srcset="/media/[0-9a-f]{2}/[0-9a-f]{62}-320\.webp 320w, ', html)
    assert "Picture:" in html and "Harbour News" in html
    base = newsroom.config.base_url
    assert f'property="og:image" content="{base}/media/' in html
    assert 'name="twitter:card" content="summary_large_image"' in html
    assert f'"image":"{base}/media/' in html  # JSON-LD
    # Every picture path the page names is served by the site itself, as an image.
    for path in sorted(set(re.findall(r"/media/[0-9a-f/]+-\d+\.(?:webp|jpg)", html))):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["content-type"] in ("image/webp", "image/jpeg")
        assert not Image.open(io.BytesIO(answer.content)).getexif()
    assert client.get("/media/ab/../../babelwire.toml").status_code == 404
    es_page = client.get(page_path.group(1).replace("/en/", "/es/", 1))
    assert es_page.status_code in (200, 404)
    feed = client.get("/en/feed.xml").text
    assert "<enclosure" in feed and "media:content" in feed and f"{base}/media/" in feed

    outdir = tmp_path / "out"
    build_site_report(newsroom, outdir, search_index=False)
    built = sorted(p.name for p in (outdir / "media" / image.digest[:2]).iterdir())
    assert built == [f.name for f in files]

    take_down(newsroom, str(article_id), reason="rights holder asked")
    links, stored = _picture_rows(newsroom)
    assert links == [] and stored == []
    assert not (newsroom.config.media_dir / image.digest[:2]).exists() or not any(
        (newsroom.config.media_dir / image.digest[:2]).iterdir()
    )
    build_site_report(newsroom, outdir, search_index=False)
    assert not list((outdir / "media").glob("*/*"))
    assert image.digest[2:] not in (outdir / "en" / "index.html").read_text()


def test_a_source_with_pictures_off_has_none_fetched_or_shown(
    pictured: Newsroom, server: HostileServer
) -> None:
    newsroom = pictured
    with newsroom.sessions() as session:
        source_id = session.scalars(select(SourceRow.id)).one()
    update_source(newsroom, source_id, images=False)
    run_pass(newsroom)
    links, stored = _picture_rows(newsroom)
    assert [link.state for link in links] == [ImageState.OFF]
    assert stored == []
    assert "/img/harbour.jpg" not in server.paths()
    front = TestClient(create_app(newsroom)).get("/en/").text
    assert "<picture>" not in front and "/media/" not in front


def test_a_picture_that_fails_never_fails_its_article(
    pictured: Newsroom, server: HostileServer
) -> None:
    newsroom = pictured
    server.routes["/img/harbour.jpg"] = _static(_bomb(), "image/png")
    report = run_pass(newsroom)
    links, stored = _picture_rows(newsroom)
    assert [link.state for link in links] == [ImageState.FAILED]
    assert "decompression bomb" in links[0].reason
    assert stored == []
    assert report is not None
    front = TestClient(create_app(newsroom)).get("/en/").text
    assert "Harbour plan approved" in front and "<picture>" not in front
