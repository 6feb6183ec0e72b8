"""Words the engine left untranslated, marked up on an article's page.

Each is wrapped in ``<span lang="xx" class="untranslated" title="...">`` so that a
screen reader pronounces it in its own language and a reader sees, in a subtle
style and a tooltip, why it is not in the edition's language.  Only the page's
headline and body are marked; feeds, search text, metadata and the API keep the
plain text.  Everything else of the text is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import Markup, escape

__all__ = ["mark_untranslated"]


def mark_untranslated(text: str, words: Sequence[str], language: str, title: str) -> str:
    """``text`` as markup with each whole-word occurrence of ``words`` marked, else as is."""
    wanted = [w for w in words if w]
    if not wanted or not language:
        return text
    alternatives = "|".join(re.escape(w) for w in sorted(set(wanted), key=len, reverse=True))
    # Whole words, and not inside an address or a handle ("example.org/word", "@word").
    pattern = re.compile(rf"(?<![\w/@#.-])(?:{alternatives})(?![\w/@-]|\.\w)")
    out: list[str] = []
    pos = 0
    for m in pattern.finditer(text):
        out.append(escape(text[pos : m.start()]))
        out.append(
            Markup('<span lang="{}" class="untranslated" title="{}">{}</span>').format(
                language, title, m.group(0)
            )
        )
        pos = m.end()
    if pos == 0:
        return text
    out.append(escape(text[pos:]))
    return Markup("").join(out)
