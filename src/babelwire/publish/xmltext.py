"""Text made safe for XML documents (feeds and sitemaps).

XML 1.0 cannot carry most control characters at all; lxml refuses them, so a
title with a stray U+0001 from a source would make a whole feed fail. They are
dropped here; everything else is escaped by the serialiser.
"""

from __future__ import annotations

import re

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 forbids."""
    return _NOT_XML.sub("", text)
