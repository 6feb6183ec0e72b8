"""Each calibrated pair's own quality threshold, as an offset from the site's.

The quality estimate is one scale for every pair (an estimate of chrF), but the
pairs differ in how their scores spread: at one threshold, the gate holds a
tenth of spa-eng's worst translations and a third of cat-eng's.
``gate_offsets.toml`` beside this module holds, per engine and direct pair, the
offset that makes `translation.quality_threshold` (at its default) hold at most
5% of that pair's best half of FLORES-200 devtest sentences
(``bench/translate.py --qe --fit --write``).  A route of one hop through a pair
the file holds has its threshold moved by that offset while
`translation.quality_calibrated` is on; other routes (pivots, uncalibrated
pairs, other engines) use the site's threshold as it is.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from pathlib import Path

__all__ = ["OFFSETS_FILE", "load_offsets", "offset", "render_offsets"]

OFFSETS_FILE = Path(__file__).with_name("gate_offsets.toml")


def load_offsets(path: Path = OFFSETS_FILE) -> dict[str, dict[str, float]]:
    """{engine: {"es>en": offset}} from an offsets file; {} when it is missing."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return {
        engine: {key: float(v) for key, v in pairs.items() if isinstance(v, int | float)}
        for engine, pairs in data.items()
        if isinstance(pairs, dict)
    }


@functools.cache
def _shipped() -> dict[str, dict[str, float]]:
    return load_offsets(OFFSETS_FILE)


def offset(engine: str, source: str, target: str) -> float:
    """The calibrated offset of one engine's direct pair; 0.0 where none was measured."""
    return _shipped().get(engine, {}).get(f"{source}>{target}", 0.0)


def render_offsets(table: Mapping[str, Mapping[str, float]], sentences: int) -> str:
    """The text of an offsets file (engines and pairs sorted)."""
    lines = [
        "# Written by `python bench/translate.py --qe --fit --write` on FLORES-200 devtest",
        f"# ({sentences} sentences a pair): what each direct pair adds to",
        "# translation.quality_threshold so that it holds at most 5% of the pair's best half.",
    ]
    for engine in sorted(table):
        lines += ["", f"[{engine}]"]
        lines += [f'"{key}" = {table[engine][key]:.2f}' for key in sorted(table[engine])]
    return "\n".join(lines) + "\n"
