"""Names the gazetteer does not know yet, found because several sources keep using them.

A name here is two or more capitalised words in a row ("Atlético Villalmira",
"Universidad de Portvell"), allowing short lower-case links inside it (de, del, of,
i, y ...). A capitalised word that starts a sentence is skipped, since every
sentence's first word is capitalised, and so are capitalised words that are not
names (days, months, articles: a stopword list). One article is not enough: a name
becomes a tag when enough articles from enough different sources use it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

__all__ = ["Document", "RecurringName", "capitalised_names", "recurring_names"]

_TOKEN = re.compile(r"\w+(?:[·'’-]\w+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?:;…\n]|[«»\"“”(]\s*$")


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


LINKS = _wordset("de del la las los el d' i y e of the da do dos das van von der den di du le")
STOPWORDS = _wordset(
    """
    The A An In On At For And But Or If As By To From With This That These Those It Its
    He She They We You I Our Their His Her There Here When Where While After Before
    El La Los Las Lo Un Una Unos Unas En Con Por Para Del Al Y O Pero Si Este Esta Estos
    Estas Ese Esa Según Tras Desde Hasta Entre Sobre Durante
    Els Les Uns Unes Amb Per Perquè Però Aquest Aquesta Aquests Aquestes Segons Després
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    January February March April May June July August September October November December
    Lunes Martes Miércoles Jueves Viernes Sábado Domingo
    Enero Febrero Marzo Abril Mayo Junio Julio Agosto Septiembre Octubre Noviembre Diciembre
    Dilluns Dimarts Dimecres Dijous Divendres Dissabte Diumenge
    Gener Febrer Març Abril Maig Juny Juliol Agost Setembre Octubre Novembre Desembre
    Mr Mrs Ms Dr Sr Sra
    """
)


@dataclass(frozen=True, slots=True)
class Document:
    """One article's text and where it came from."""

    article_id: int
    source_id: int
    text: str


@dataclass(frozen=True, slots=True)
class RecurringName:
    name: str
    mentions: dict[int, int]  # article id -> times it uses the name
    sources: frozenset[int]


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and word not in STOPWORDS


def capitalised_names(text: str) -> Counter[str]:
    """The multi-word capitalised names in a text, with how often each appears."""
    found: Counter[str] = Counter()
    run: list[str] = []
    previous_end = 0
    sentence_start = True

    def close() -> None:
        while run and run[-1] in LINKS:
            run.pop()
        if sum(1 for w in run if w not in LINKS) >= 2:
            found[" ".join(run)] += 1
        run.clear()

    for match in _TOKEN.finditer(text):
        word = match.group(0)
        gap = text[previous_end : match.start()]
        previous_end = match.end()
        if gap.strip() or "\n" in gap:
            # Punctuation or a line break ends a name; a full stop also a sentence.
            close()
            sentence_start = sentence_start or bool(_SENTENCE_END.search(gap))
        starts_sentence, sentence_start = sentence_start, False
        if starts_sentence or not (_capitalised(word) or (run and word in LINKS)):
            close()
            continue
        run.append(word)
    close()
    return found


def recurring_names(
    documents: Iterable[Document],
    *,
    min_articles: int,
    min_sources: int,
    known: Collection[str] = (),
) -> list[RecurringName]:
    """Names used by at least `min_articles` articles from at least `min_sources` sources,
    most used first; `known` names (the gazetteer's spellings) are left out."""
    mentions: dict[str, dict[int, int]] = defaultdict(dict)
    sources: dict[str, set[int]] = defaultdict(set)
    for document in documents:
        for name, count in capitalised_names(document.text).items():
            if name in known:
                continue
            seen = mentions[name]
            seen[document.article_id] = seen.get(document.article_id, 0) + count
            sources[name].add(document.source_id)
    found = [
        RecurringName(name, dict(by_article), frozenset(sources[name]))
        for name, by_article in mentions.items()
        if len(by_article) >= min_articles and len(sources[name]) >= min_sources
    ]
    found.sort(key=lambda r: (-len(r.mentions), r.name))
    return found
