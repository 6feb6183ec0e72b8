"""Apertium rule-based machine translation, through long-lived null-flush pipelines.

- ``modes``: the installed pairs, and the pipeline each pair's mode file runs;
- ``stream``: plain text to Apertium's stream format and back, and unknown-word marks;
- ``process``: a pair's stage processes and the threads that feed a batch through them;
- ``tagger``: the fresh-tagger relay, which keeps the HMM tagger's memory out of a translation;
- ``lexical``: the translations the bilingual dictionary offers each word (the gate's
  lexical signals);
- ``versions``: which Apertium, and which package of a pair, is installed;
- ``engine``: ``ApertiumEngine``, one pipeline per pair, restarted when it dies or hangs.
"""

from babelwire.pipeline.translate.engines.apertium.engine import ApertiumEngine, ApertiumOptions
from babelwire.pipeline.translate.engines.apertium.lexical import LexicalChoice
from babelwire.pipeline.translate.engines.apertium.modes import (
    DEFAULT_MODES_DIR,
    find_tagger,
    from_apertium_code,
    parse_mode,
    to_apertium_code,
)

__all__ = [
    "DEFAULT_MODES_DIR",
    "ApertiumEngine",
    "ApertiumOptions",
    "LexicalChoice",
    "find_tagger",
    "from_apertium_code",
    "parse_mode",
    "to_apertium_code",
]
