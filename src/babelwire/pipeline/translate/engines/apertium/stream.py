"""Plain text to Apertium's stream format and back, and the generator's unknown-word marks.

We do the text deformatting in Python: each segment is escaped for Apertium's
stream format (what ``apertium-destxt`` would do) and written as one unit.

Unknown-word marks: the generator (the stage given ``$1``) runs with ``-g``, so
it marks unknown words ``*``, generation errors ``#`` and untranslated lemmas
``@``.  The pipeline is split after the generator; a forwarding thread removes
and counts the marks before post-generation, so the text that post-generation
sees is exactly what ``apertium -u`` (``lt-proc -n``) would give it.  Literal
``* # @ ~`` in the source, and URLs, e-mail addresses, @handles and #hashtags,
travel inside Apertium superblanks (``[...]``), which every stage copies
verbatim; so every unescaped mark outside a superblank is a real mark, and
ordinary text such as "#hashtag", "@handle", "5*3" or an address survives.
"""

from __future__ import annotations

import re

# Characters with a meaning in Apertium's stream format (what apertium-destxt escapes).
_STREAM_SPECIAL_RE = re.compile(r"([\\\[\]^$/@<>{}])")
# Characters that stages consume or that look like marks in the output: the
# analyser passes an escaped ``\*`` through unescaped, and post-generation eats ``~``.
_PROTECTED_RE = re.compile(
    r"""
      (?:https?://|ftp://|www\.)[^\s<>"]*[^\s<>".,;:!?)\]}'»”]   # URLs
    | [\w.+-]+@[\w-]+(?:\.[\w-]+)+                                 # e-mail addresses
    | (?<![\w@])@\w+                                               # @handles
    | (?<![\w#&])\#\w+                                             # #hashtags
    | [*\#@~]+                                                     # any other such character
    """,
    re.VERBOSE,
)
# In the output: an escaped character, a superblank, or a mark.
# ``lt-proc -g`` writes the ``@`` mark escaped (``\@``); no literal ``@`` is left
# outside a superblank by deformat, so ``\@`` there is a mark too.
_OUTPUT_RE = re.compile(r"\\([^@])|\[((?:[^\]\\]|\\.)*)\]|(\\@|[*#@])", re.DOTALL)
_UNESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)
# The same, on the escaped stream between generation and post-generation: keep
# escapes and superblanks as they are, drop marks.
_STREAM_MARK_RE = re.compile(rb"(\\[^@]|\[(?:[^\]\\]|\\.)*\])|\\@|[*#@]", re.DOTALL)


def escape(text: str) -> str:
    """Escape the characters that mean something in Apertium's stream format."""
    return _STREAM_SPECIAL_RE.sub(r"\\\1", text)


def deformat(text: str) -> str:
    """Turn plain text into an Apertium stream unit (without the terminator)."""
    parts: list[str] = []
    pos = 0
    for m in _PROTECTED_RE.finditer(text):
        parts.append(escape(text[pos : m.start()]))
        parts.append("[" + escape(m.group(0)) + "]")
        pos = m.end()
    parts.append(escape(text[pos:]))
    return "".join(parts)


def reformat(stream: str) -> tuple[str, int]:
    """Turn a generated unit back into plain text; count and drop unknown-word marks."""
    if "\\" not in stream and "[" not in stream and not any(c in stream for c in "*#@"):
        return stream, 0
    marks = 0

    def repl(m: re.Match[str]) -> str:
        nonlocal marks
        if m.group(1) is not None:
            return m.group(1)
        if m.group(2) is not None:
            return _UNESCAPE_RE.sub(r"\1", m.group(2))
        marks += 1
        return ""

    return _OUTPUT_RE.sub(repl, stream), marks


def strip_stream_marks(data: bytes) -> tuple[bytes, int]:
    """Remove the generator's unknown-word marks from escaped stream data."""
    if b"*" not in data and b"#" not in data and b"@" not in data:
        return data, 0
    marks = 0

    def repl(m: re.Match[bytes]) -> bytes:
        nonlocal marks
        kept = m.group(1)
        if kept is not None:
            return kept
        marks += 1
        return b""

    return _STREAM_MARK_RE.sub(repl, data), marks
