"""Fuzz targets for what an operator types: the settings loader and the source URL check.

Whatever babelwire.toml and the BABELWIRE_* variables hold, loading a site either
works or raises ConfigError (one line for the command line); whatever string is
given as a source URL, the check either returns a URL that passes it again
unchanged or raises InvalidSourceURL.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from babelwire.config import SETTINGS, Config, ConfigError, render_config
from babelwire.pipeline.discover.urls import (
    MAX_URL_CHARS,
    InvalidSourceURL,
    private_host_reason,
    validate_source_url,
)
from tests.fuzz.mutate import mutated

TABLES = sorted({s.key.partition(".")[0] for s in SETTINGS} | {"section", "glossary", "x"})
NAMES = sorted({s.key.partition(".")[2] for s in SETTINGS} | {"slug", "names", "keywords"})

scalars = (
    st.text(max_size=20)
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats()
    | st.booleans()
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
documents = st.dictionaries(
    st.sampled_from(TABLES) | st.text(max_size=8),
    st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=8), values, max_size=6)
    | st.lists(st.dictionaries(st.sampled_from(NAMES), values, max_size=4), max_size=3)
    | values,
    max_size=6,
)
environments = st.dictionaries(
    st.sampled_from([s.env for s in SETTINGS] + ["BABELWIRE_FETCH_HOST_DELYA"]),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))
    | st.sampled_from(["[broken", "[1, 2]", '["en", 3]', "nan", "-1", "0", "1e999", "yes", ""]),
    max_size=4,
)
SEEDS = [
    render_config(title="Wire", base_url="http://x", languages=["en", "es"]).encode(),
    b'[site]\ntitle = "x"\nlanguages = []\n[stories]\nthreshold = nan\n',
    b"allow_private_network = true\n[fetch]\nhost_dealy = 0\n[[section]]\nslug = 1\n",
]


def _toml(value: Any) -> str:
    """A TOML value; JSON's quoting of strings is valid TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def _document(data: dict[str, Any]) -> str:
    return "\n".join(f"{json.dumps(key)} = {_toml(value)}" for key, value in data.items())


def _load(root: Path, text: bytes, env: dict[str, str]) -> None:
    (root / "babelwire.toml").write_bytes(text)
    try:
        config = Config.load(root, env=env)
    except ConfigError as exc:
        assert str(exc).strip(), "an error says what is wrong"
        return
    assert config.languages, "a loaded site has at least one edition"
    assert config.settings.site.page_size >= 1


@given(data=documents, env=environments)
def test_settings_documents_load_or_raise_config_error(
    tmp_path: Path, data: dict[str, Any], env: dict[str, str]
) -> None:
    _load(tmp_path, _document(data).encode("utf-8", "surrogatepass"), env)


@given(text=mutated(SEEDS), env=environments)
def test_broken_settings_files_load_or_raise_config_error(
    tmp_path: Path, text: bytes, env: dict[str, str]
) -> None:
    _load(tmp_path, text, env)


URL_PARTS = st.sampled_from(
    [
        "http://",
        "https://",
        "HTTP://",
        "ftp://",
        "[",
        "]",
        "::1",
        "fd00:ec2::254",
        "%25eth0",
        "@",
        "user:pw@",
        ":",
        ":0",
        ":65535",
        ":99999",
        "0177.0.0.1",
        "0x7f.1",
        "2130706433",
        "127.0.0.1",
        "localhost",
        ".",
        "xn--",
        "xn--bcher-kva",
        "bücher",
        "example",
        ".com",
        "/",
        "?q=1",
        "#f",
        " ",
        "\n",
        "\u202e",
        "\x00",
        "-",
        "_",
        "a" * 64,
    ]
)
urls = st.lists(URL_PARTS | st.text(max_size=6), max_size=12).map("".join) | st.text()


@given(url=urls)
@example(url="http://A/\U00018d09")  # a code point this Python's Unicode does not name
@example(url="http://a/\ue000?q=\U0010fffd#\U000e0080")  # private use, in every part
@example(url="http://a/\udcff")  # a byte that was not UTF-8, as the shell passes it on
def test_source_urls_are_valid_and_stable_or_refused(url: str) -> None:
    try:
        normal = validate_source_url(url)
    except InvalidSourceURL as exc:
        assert str(exc)
        return
    assert len(normal) <= MAX_URL_CHARS
    assert normal.startswith(("http://", "https://"))
    assert normal.isprintable() and " " not in normal
    assert validate_source_url(normal) == normal
    private_host_reason(normal)  # never raises on a URL that passed
