"""Every route of the public app, with hostile path parameters and query strings.

The routes are read from the app itself, so a route added later is fuzzed too. Each
example requests every route once, its parameters drawn from numbers too large for
any database, negative and zero ones, unicode, dot segments, encoded NULs and very
long strings, and the request must get an answer below 500 (the in-process client
raises any exception the app lets out).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from babelwire.config import Config
from babelwire.newsroom import Newsroom
from babelwire.storage.database import scratch_schema
from babelwire.web.app import create_app
from tests.conftest import PG_URL
from tests.test_site import populate_site

PARAMETER = re.compile(r"{([a-z_]+)(?::[a-z]+)?}")

NASTY: tuple[str, ...] = (
    "..",
    "../../etc/passwd",
    "%00",
    "\x00",
    "%2e%2e",
    "%2F",
    "%",
    "%zz",
    "-1",
    "0",
    "00000000000000000000001",
    "2147483648",
    "9223372036854775808",
    "9" * 40,
    "x" * 5000,
    "1-" + "y" * 3000,
    "é",
    "\u202e",
    "\ufffd",
    "en",
    "es",
    "economy",
    "news",
    "en-1",
    "en-tags",
    "en-stories",
    "en-999999",
    "1",
)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    TEXT,
)
# A parameter's value is mostly a plausible one, so that the rest of the path is reached.
KNOWN = {
    "lang": st.sampled_from(["en", "es"]),
    "slug": st.sampled_from(["economy", "politics", "world", "nowhere"]),
    "name": st.sampled_from(["news", "en-1", "es-1", "en-tags", "en-stories", "en-0"]),
    "ref": st.integers(min_value=1, max_value=60).map(lambda n: f"{n}-slug"),
}
NUMBERS = st.one_of(
    st.integers(min_value=2**31 - 2, max_value=2**31 + 2),
    st.integers(min_value=2**63 - 2, max_value=2**64 + 2),
    st.integers(min_value=10**20, max_value=10**40),
    st.integers(min_value=-(10**6), max_value=100),
).map(str)
QUERY = st.lists(
    st.tuples(st.sampled_from(["q", "page", "v", "x", "q\x00"]), st.one_of(VALUES, TEXT)),
    max_size=3,
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """A small site's app, on SQLite and (where the suite has one) on PostgreSQL, whose
    integers are narrower."""
    root: Path = tmp_path_factory.mktemp("fuzz-web")
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = "sqlite:///t.sqlite3"
        elif PG_URL:
            url = stack.enter_context(scratch_schema(PG_URL))
        else:
            pytest.skip("BABELWIRE_TEST_DATABASE_URL is not set")
        config = Config.from_mapping(
            root,
            {
                "site": {"languages": ["en", "es"], "base_url": "https://wire.example"},
                "database": {"url": url},
            },
        )
        newsroom = Newsroom.from_config(config)
        stack.callback(newsroom.close)
        populate_site(newsroom)
        with TestClient(create_app(newsroom)) as test_client:
            yield test_client


def _routes(client: TestClient) -> list[str]:
    """Every path the app routes, the desk's (mounted under its own path) among them."""
    paths = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route):
            paths.append(route.path)
        elif isinstance(route, Mount):
            paths += [route.path + inner.path for inner in route.routes if isinstance(inner, Route)]
    assert len(paths) > 20 and any(path.startswith("/desk/") for path in paths)
    return paths


def _strategy(name: str, route: str) -> st.SearchStrategy[str]:
    if name == "ref":
        return st.one_of(KNOWN["ref"], NUMBERS, NUMBERS.map(lambda n: f"{n}-x"), VALUES)
    if name in KNOWN:
        return st.one_of(KNOWN[name], KNOWN[name], VALUES)
    if f"{{{name}:int}}" in route:
        return st.one_of(NUMBERS, NUMBERS, VALUES)
    return VALUES


def _fill(path: str, values: list[str], raw: list[bool]) -> str:
    """The route's path with each parameter replaced by a value, percent-encoded or
    (where `raw`) as it is, so that dot segments and encoded bytes reach the router."""
    parts = iter(zip(values, raw, strict=True))

    def one(_match: re.Match[str]) -> str:
        value, as_is = next(parts)
        return value if as_is else quote(value, safe="")

    return PARAMETER.sub(one, path)


@settings(max_examples=20)
@given(data=st.data())
def test_no_route_answers_500(client: TestClient, data: st.DataObject) -> None:
    for route in [*_routes(client), "/{a}", "/{a}/{b}/", "/{a}/{b}/{c}/{d}"]:
        names = PARAMETER.findall(route)
        values = [data.draw(_strategy(name, route)) for name in names]
        raw = data.draw(st.lists(st.booleans(), min_size=len(names), max_size=len(names)))
        # Only printable ASCII goes into a request line as it is, and never a "#": what
        # follows it is a fragment, which a client keeps to itself.
        raw = [
            r and v.isascii() and v.isprintable() and "#" not in v
            for r, v in zip(raw, values, strict=True)
        ]
        path = _fill(route, values, raw)
        query = "&".join(
            f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in data.draw(QUERY)
        )
        target = path + ("?" + query if query else "")
        # As an absolute URL: the client refuses a relative one whose path starts "//".
        response = client.get(f"http://testserver{target}", follow_redirects=False)
        assert response.status_code < 500, (target[:300], response.status_code)
        location = response.headers.get("location", "")
        assert not location or (location.startswith("/") and not location.startswith("//"))


@settings(max_examples=20)
@given(
    form=st.dictionaries(
        st.sampled_from(["name", "password", "csrf", "next", "role", "other"]), VALUES, max_size=6
    ),
    path=st.sampled_from(["/desk/login", "/desk/logout", "/desk/users/add", "/desk/account"]),
)
def test_no_desk_form_answers_500(client: TestClient, form: dict[str, str], path: str) -> None:
    """Forms of the desk posted by someone not signed in, with anything in their fields."""
    encoded = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in form.items())
    response = client.post(
        f"http://testserver{path}",
        content=encoded.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code < 500, (path, form, response.status_code)
    location = response.headers.get("location", "")
    assert not location or (location.startswith("/") and not location.startswith("//"))


@pytest.mark.parametrize(
    "path",
    [
        "//..",
        "//",
        "//wire.example/en/",
        "/..//..",
        "/en//",
        # Digits int() refuses although str.isdigit() says yes.
        "/sitemaps/en-%C2%B2.xml",
        "/en/?page=%C2%B2",
        "/en/section/politics/?page=%F0%9D%9F%9A",
    ],
)
def test_paths_of_empty_and_dot_segments_answer_below_500(client: TestClient, path: str) -> None:
    response = client.get(f"http://testserver{path}", follow_redirects=False)
    assert response.status_code < 500, (path, response.status_code)
    location = response.headers.get("location", "")
    assert not location or (location.startswith("/") and not location.startswith("//"))
