"""The newsroom's plain data: what flows between pipeline stages.

These are storage-free value objects. The pipeline stages take and return them;
`storage` maps them to tables and `publish` renders them.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime


class Stage(enum.StrEnum):
    """How far an article has gone through the pipeline (in flow order)."""

    DISCOVERED = "discovered"  # known from a feed entry, page not yet extracted
    EXTRACTED = "extracted"  # text, metadata and language stored
    TRANSLATED = "translated"  # every target language translated or skipped with a reason
    PUBLISHED = "published"  # filed in a section and visible on the site
    DUPLICATE = "duplicate"  # a copy of another article: stored and linked, not published
    FAILED = "failed"  # a stage failed; `error` on the article says why
    REMOVED = "removed"  # taken down: unpublished everywhere, its id never reused

    @property
    def order(self) -> int:
        return _STAGE_ORDER[self]


_STAGE_ORDER = {
    Stage.DISCOVERED: 0,
    Stage.EXTRACTED: 1,
    Stage.TRANSLATED: 2,
    Stage.PUBLISHED: 3,
    Stage.DUPLICATE: 1,
    Stage.FAILED: -1,
    Stage.REMOVED: -1,
}


class TranslationStatus(enum.StrEnum):
    """What became of an article in one target language."""

    TRANSLATED = "translated"  # translated and above the quality threshold: shown
    ORIGINAL = "original"  # the article is already in this language: shown as it is
    HELD = "held"  # below the quality threshold: kept for review, not shown on the site
    SKIPPED = "skipped"  # not translated; `reason` says why


class ImageState(enum.StrEnum):
    """What became of an article's picture (an image its page named)."""

    PENDING = "pending"  # named by the page, not fetched yet
    STORED = "stored"  # fetched, re-encoded and stored in the site's media folder
    FAILED = "failed"  # could not be fetched or read; `reason` says why (the article goes on)
    OFF = "off"  # not fetched: pictures are off for the site or for its source


class LowQuality(enum.StrEnum):
    """What a translation still below the quality threshold after every route becomes
    (`translation.below_threshold`), recorded with it as `published_as`."""

    HOLD = "hold"  # held for review, not shown (status HELD)
    LOW_CONFIDENCE = "low-confidence"  # shown whole, with a stronger notice
    SUMMARY = "summary"  # only the title and summary shown, with a link to the original


class Role(enum.StrEnum):
    """What a person may do in the desk; each role may do all that the ones below it may."""

    VIEWER = "viewer"  # reads everything, changes nothing
    EDITOR = "editor"  # sources, review, post-editing, takedowns, stories, sections
    ADMIN = "admin"  # everything: people, private-network sources, settings, the audit log

    @property
    def rank(self) -> int:
        return ROLE_RANKS[self]

    def may(self, needed: Role) -> bool:
        """Whether this role may do what `needed` may."""
        return self.rank >= needed.rank


ROLE_RANKS = {Role.VIEWER: 0, Role.EDITOR: 1, Role.ADMIN: 2}


class Step(enum.StrEnum):
    """The steps a runner moves work through (a queue each for the Celery runner).

    Not article states (`Stage`): a step takes articles at one stage to the next.
    The values are stored in task runs and dead letters.
    """

    FETCH = "fetch"
    EXTRACT = "extract"
    TRANSLATE = "translate"
    PUBLISH = "publish"


#: The steps in order.
STEPS = tuple(Step)

#: The article stage each article step takes its work from.
STEP_INPUT: dict[str, Stage] = {
    Step.EXTRACT: Stage.DISCOVERED,
    Step.TRANSLATE: Stage.EXTRACTED,
    Step.PUBLISH: Stage.TRANSLATED,
}

#: What a source's URL is followed as.
SOURCE_KINDS = ("feed", "sitemap", "page")

_TAG_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,199}$")


def is_ascii_number(text: str) -> bool:
    """Whether `text` is ASCII digits only, the numbers babelwire reads from paths,
    headers and commands. str.isdigit() alone also says yes to "²", which int()
    refuses, and to "３", which int() reads as 3."""
    return text.isascii() and text.isdigit()


def is_tag_slug(slug: str) -> bool:
    """Tag slugs come from article text: only lower-case ASCII letters, digits and hyphens."""
    return bool(_TAG_SLUG.match(slug))


class SubscriptionState(enum.StrEnum):
    """Where a WebSub subscription to a source's hub stands (jobs/websub.py)."""

    WANTED = "wanted"  # a hub was found; the subscription is requested or about to be
    ACTIVE = "active"  # the hub verified it; pushes are taken until the lease ends
    FAILED = "failed"  # refused, denied or never verified; tried again later
    ENDED = "ended"  # unsubscribed (the source was removed, or names the hub no more)


class SubscriptionMode(enum.StrEnum):
    """What was last asked of a hub, which its intent verification must match."""

    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"


class BlockKind(enum.StrEnum):
    """The structural kinds of text an article body is made of."""

    PARAGRAPH = "p"
    HEADING = "h"
    LIST_ITEM = "li"
    QUOTE = "quote"


@dataclass(frozen=True, slots=True)
class Block:
    """One structural unit of an article body: a paragraph, subheading, list item or quote."""

    kind: BlockKind
    text: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind.value, "text": self.text}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> Block:
        return cls(BlockKind(data["kind"]), data["text"])


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed, as the source announced it."""

    guid: str
    url: str
    title: str
    summary: str = ""
    content_html: str = ""
    author: str = ""
    published: datetime | None = None
    updated: datetime | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed's entries plus whatever went wrong reading it (feedparser's `bozo`)."""

    title: str
    entries: list[FeedEntry]
    link: str = ""
    problem: str = ""
    # WebSub: the hubs the feed names (<link rel="hub">, JSON Feed's `hubs`) and the
    # URL it calls itself (rel="self", `feed_url`), the topic to subscribe to.
    hubs: tuple[str, ...] = ()
    self_url: str = ""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one HTTP request brought back."""

    url: str
    final_url: str
    status: int
    content: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None
    links: str = ""  # the response's Link headers, joined (WebSub hub discovery)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


#: The extractor of an article published as a brief: a headline and a link, no body.
BRIEF = "brief"


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    """The clean text and metadata of one article page."""

    title: str
    blocks: list[Block]
    canonical_url: str
    author: str = ""
    published: datetime | None = None
    image: str = ""
    image_alt: str = ""  # the page's description of its image (og:image:alt), if any
    extractor: str = ""
    from_feed: bool = False  # True when the page failed and the feed's text stood in

    @property
    def word_count(self) -> int:
        return sum(len(b.text.split()) for b in self.blocks)


class LanguageMethod(enum.StrEnum):
    """How an article's language was decided (pipeline/language/decide.py)."""

    DECLARED = "declared"  # the source's declaration stands
    DETECTED = "detected"  # the source declares nothing: detection on the text decides
    OVERRIDDEN = "overridden"  # detected on the text, against the source's declaration


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """An article's language (ISO 639-1) and how it was decided."""

    code: str
    confidence: float
    method: str  # a LanguageMethod


@dataclass(frozen=True, slots=True)
class TranslatedArticle:
    """An article's title and body in one target language, with provenance."""

    language: str
    title: str
    blocks: list[Block]
    engine: str
    engine_version: str
    unknown_words: int = 0
    flags: list[str] = field(default_factory=list)
