"""The measured quality and speed of translation routes, shipped with babelwire.

``route_quality.toml`` beside this module holds, per engine, the chrF2 and the
source words/s of each route that bench/routes.py measured on FLORES-200
devtest: the direct pairs (``"es>gl"``) and the routes through a pivot
(``"ca>es>gl"``).  The routing ranks pivots by it and `babelwire engines` shows
it; a route it does not hold is unmeasured (None), never guessed.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["QUALITY_FILE", "Measure", "load_measures", "measured", "render_measures"]

QUALITY_FILE = Path(__file__).with_name("route_quality.toml")


@dataclass(frozen=True, slots=True)
class Measure:
    """chrF2 (0-100) on FLORES-200 devtest, and source words per second."""

    chrf: float
    words_per_second: int


def load_measures(path: Path = QUALITY_FILE) -> dict[str, dict[str, Measure]]:
    """{engine: {"ca>es>gl": Measure}} from a route quality file; {} when it is missing."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    table: dict[str, dict[str, Measure]] = {}
    for engine, routes in data.items():
        if not isinstance(routes, dict):
            continue
        table[engine] = {
            key: Measure(float(value["chrf"]), int(value["words_per_second"]))
            for key, value in routes.items()
            if isinstance(value, dict) and "chrf" in value and "words_per_second" in value
        }
    return table


@functools.cache
def _shipped() -> dict[str, dict[str, Measure]]:
    return load_measures(QUALITY_FILE)


def measured(engine: str, path: str) -> Measure | None:
    """The measure of a route of one engine, ``path`` as ``"es>gl"`` or ``"ca>es>gl"``."""
    return _shipped().get(engine, {}).get(path)


def render_measures(
    table: Mapping[str, Mapping[str, Measure]], when: str, sentences: int = 1012
) -> str:
    """The text of a route quality file (engines and routes sorted)."""
    lines = [
        "# Measured by `make bench-routes` (bench/routes.py) on FLORES-200 devtest",
        f"# ({sentences} sentences), {when}: chrF2 (sacrebleu) of babelwire's full",
        "# path, and source words per CPU second. The routing ranks pivots by chrf.",
    ]
    for engine in sorted(table):
        lines += ["", f"[{engine}]"]
        for key in sorted(table[engine]):
            m = table[engine][key]
            lines.append(
                f'"{key}" = {{ chrf = {m.chrf}, words_per_second = {m.words_per_second} }}'
            )
    return "\n".join(lines) + "\n"
