"""Apertium's mode files: which pairs are installed, and the pipeline each one runs.

A pair's mode file (``/usr/share/apertium/modes/eng-spa.mode``) is a shell
pipeline ``lt-proc ... | apertium-tagger ... | ... | lt-proc -p ...``; we read it
and add ``-z`` (flush on ``\\0``) to every Apertium stage, so that the stages can
live as long as the engine and answer one unit per unit written.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Sequence
from pathlib import Path

from babelwire.pipeline.translate.engine import EngineError

DEFAULT_MODES_DIR = Path("/usr/share/apertium/modes")

# ISO 639-1 -> the ISO 639-3 codes Apertium names its pairs with.
_ISO1_TO_ISO3: dict[str, str] = {
    "af": "afr",
    "an": "arg",
    "ar": "ara",
    "az": "aze",
    "be": "bel",
    "bg": "bul",
    "br": "bre",
    "bs": "bos",
    "ca": "cat",
    "cs": "ces",
    "cy": "cym",
    "da": "dan",
    "de": "deu",
    "el": "ell",
    "en": "eng",
    "eo": "epo",
    "es": "spa",
    "et": "est",
    "eu": "eus",
    "fa": "fas",
    "fi": "fin",
    "fo": "fao",
    "fr": "fra",
    "ga": "gle",
    "gd": "gla",
    "gl": "glg",
    "he": "heb",
    "hi": "hin",
    "hr": "hrv",
    "hu": "hun",
    "hy": "hye",
    "id": "ind",
    "is": "isl",
    "it": "ita",
    "ja": "jpn",
    "ka": "kat",
    "kk": "kaz",
    "ko": "kor",
    "ky": "kir",
    "la": "lat",
    "lt": "lit",
    "lv": "lav",
    "mk": "mkd",
    "ms": "msa",
    "mt": "mlt",
    "nb": "nob",
    "nl": "nld",
    "nn": "nno",
    "no": "nor",
    "oc": "oci",
    "pl": "pol",
    "pt": "por",
    "ro": "ron",
    "ru": "rus",
    "sc": "srd",
    "se": "sme",
    "sk": "slk",
    "sl": "slv",
    "sq": "sqi",
    "sr": "srp",
    "sv": "swe",
    "tr": "tur",
    "tt": "tat",
    "uk": "ukr",
    "ur": "urd",
    "uz": "uzb",
    "zh": "zho",
}
_ISO3_TO_ISO1: dict[str, str] = {v: k for k, v in _ISO1_TO_ISO3.items()}

# Plain pair modes only ("eng-spa.mode"); variants ("eng-cat_valencia.mode") are skipped.
_MODE_FILE_RE = re.compile(r"^([a-z]{2,3})-([a-z]{2,3})\.mode$")

# Programs that understand -z (null flush).  Anything else in a mode is left alone.
_NULL_FLUSH_PROGRAMS = re.compile(r"^(lt-|apertium-|lrx-|lsx-|cg-proc|hfst-proc|rtx-proc)")
_OTHER_TAGGER_MODELS = {"--perceptron", "--unigram", "--sliding-window"}  # not the HMM


def mode_files(modes_dir: Path) -> dict[tuple[str, str], Path]:
    """The plain pair modes in `modes_dir`, by (source, target) in ISO 639-3.

    Older packages name their modes in ISO 639-1 (``es-gl.mode``, ``eu-en.mode``);
    where both namings give one pair, the ISO 639-3 mode (the newer package) wins."""
    modes: dict[tuple[str, str], Path] = {}
    if modes_dir.is_dir():
        for path in sorted(modes_dir.iterdir()):
            m = _MODE_FILE_RE.match(path.name)
            if not m or not path.is_file():
                continue
            key = (to_apertium_code(m.group(1)), to_apertium_code(m.group(2)))
            if key not in modes or (m.group(1), m.group(2)) == key:
                modes[key] = path
    return modes


def to_apertium_code(lang: str) -> str:
    """ISO 639-1 (or 639-3) code -> the ISO 639-3 code Apertium uses."""
    code = lang.strip().lower()
    return _ISO1_TO_ISO3.get(code, code)


def from_apertium_code(code: str) -> str:
    """Apertium's ISO 639-3 code -> ISO 639-1 where there is one."""
    return _ISO3_TO_ISO1.get(code, code)


def parse_mode(mode_text: str, generation_flag: str = "-g") -> tuple[list[list[str]], int | None]:
    """The commands of a mode file's pipeline, with ``-z`` added to Apertium stages.

    ``$1`` (the generator's option) becomes ``generation_flag``; ``$2`` (the
    tagger's optional ``-m``) disappears, as it does when ``apertium`` runs a
    mode.  Also returns the index of the generator stage (the one given ``$1``),
    or None.
    """
    lexer = shlex.shlex(mode_text.strip(), posix=True, punctuation_chars="|;&<>()")
    lexer.whitespace_split = True
    lexer.commenters = ""
    stages: list[list[str]] = [[]]
    generator: int | None = None
    for token in lexer:
        if token == "|":
            stages.append([])
            continue
        if token and set(token) <= set("|;&<>()"):
            raise EngineError(f"unsupported shell syntax {token!r} in Apertium mode")
        if token == "$1":
            token = generation_flag
            generator = len(stages) - 1
        elif token == "$2":
            continue
        elif "$" in token or "`" in token:
            raise EngineError(f"unsupported shell expansion {token!r} in Apertium mode")
        stages[-1].append(token)
    if any(not s for s in stages):
        raise EngineError("empty stage in Apertium mode")
    for stage in stages:
        if _NULL_FLUSH_PROGRAMS.match(os.path.basename(stage[0])) and "-z" not in stage:
            stage.insert(1, "-z")
    return stages, generator


def find_tagger(commands: Sequence[Sequence[str]], split: int) -> int | None:
    """The index of the pipeline's HMM tagger (``apertium-tagger -g`` with neither the
    perceptron, unigram nor sliding-window model), if it can run on its own: with a
    stage before it and one after it, both ahead of the generator split."""
    for i, command in enumerate(commands):
        if os.path.basename(command[0]) != "apertium-tagger" or not 0 < i < split - 1:
            continue
        options = [a for a in command[1:] if a.startswith("-")]
        short = {c for a in options if not a.startswith("--") for c in a[1:]}
        long = {a.split("=")[0] for a in options if a.startswith("--")}
        other_model = short & {"x", "u", "w"} or long & _OTHER_TAGGER_MODELS
        return None if other_model else i
    return None
