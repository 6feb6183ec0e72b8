"""The shapes of the API's answers and requests, from which its OpenAPI document is
made. Requests refuse fields they do not know."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


def _no_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("a text holds a NUL character")
    if isinstance(value, dict):
        for item in value.values():
            _no_nul(item)
    elif isinstance(value, list):
        for item in value:
            _no_nul(item)
    return value


class Strict(BaseModel):
    """A request body: unknown fields and NUL characters (which no text of babelwire
    holds, and PostgreSQL refuses) are refused as 422."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul(cls, data: Any) -> Any:
        return _no_nul(data)


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="What was wrong with each field, for a request refused as 422."
    )
    taken_down_at: str | None = Field(
        default=None, description="When the article was taken down (410 answers only)."
    )


class Feeds(BaseModel):
    atom: str
    json_feed: str = Field(alias="json")
    rss: str

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class Edition(BaseModel):
    language: str
    name: str
    url: str
    feeds: Feeds


class Editions(BaseModel):
    items: list[Edition]


class ListedProvenance(BaseModel):
    """How an article's text in an edition came to be there, and where it came from."""

    machine_translated: bool = Field(
        description="False when the article was written in this language."
    )
    from_language: str | None = Field(description="The language the article was written in.")
    engine: str | None = Field(description="The engine that translated it (null for an original).")
    engine_version: str | None
    model_version: str | None
    revised_by_person: bool
    original_url: str = Field(description="The article at its source.")
    quality_gate: str | None = Field(
        None,
        description='What the quality gate made of it: null for an original; "passed"; '
        'below the threshold yet shown, "low-confidence" '
        '(whole, with a stronger notice) or "summary" (its title and summary only, with '
        "a link to the original).",
    )


class SourceRef(BaseModel):
    id: int
    name: str


class ListedArticle(BaseModel):
    id: int
    edition: str
    title: str
    published: str = Field(description="When it was published at its source, else here (ISO 8601).")
    first_published_at: str = Field(description="When this site first published it.")
    section: str | None
    story_id: int | None
    source: SourceRef
    url: str = Field(description="Its page in this edition.")
    provenance: ListedProvenance


class ArticlePage(BaseModel):
    edition: str
    items: list[ListedArticle]
    next_cursor: str | None = Field(
        description="Pass it back as `cursor` for the next page; null at the end."
    )


class SearchPage(BaseModel):
    edition: str
    query: str
    page: int
    pages: int
    total: int
    items: list[ListedArticle]


class StoryTeaser(BaseModel):
    id: int
    edition: str
    headline: str
    sources: int
    articles: int
    last_seen: str | None
    url: str


class StoryPage(BaseModel):
    edition: str
    items: list[StoryTeaser]
    next_cursor: str | None


class StoryMember(BaseModel):
    article_id: int
    title: str
    title_language: str | None
    source_name: str
    original_language: str | None
    original_url: str
    published: str | None
    duplicate: bool = Field(description="A copy of another report, not published on its own.")
    url: str | None = Field(description="Its page in this edition; null when not shown here.")
    provenance: ListedProvenance | None


class Story(BaseModel):
    id: int
    edition: str
    headline: str
    headline_by_person: bool
    sources: int
    languages: list[str]
    first_seen: str | None
    last_seen: str | None
    url: str
    articles: list[StoryMember]


class Section(BaseModel):
    slug: str
    name: str
    url: str
    feed: str


class Sections(BaseModel):
    edition: str
    items: list[Section]


class Tag(BaseModel):
    slug: str
    name: str
    kind: str
    url: str


class Tags(BaseModel):
    edition: str
    items: list[Tag]


class PublicSource(BaseModel):
    id: int
    name: str
    url: str | None = Field(description="Null for a source on a private network.")
    kind: str
    language: str | None
    section: str | None
    page: str


class Sources(BaseModel):
    edition: str
    items: list[PublicSource]


class Index(BaseModel):
    name: str
    version: Literal["v1"]
    editions: list[str]
    links: dict[str, str]


class Block(BaseModel):
    kind: str = Field(description="p, h2, h3, li, quote... as the page had it.")
    text: str


class RecordLinks(BaseModel):
    original: str = Field(description="The article at its source.")
    pages: dict[str, str] = Field(description="Its page in each edition showing it.")


class RecordSource(BaseModel):
    id: int
    name: str
    url: str


class Original(BaseModel):
    language: str | None
    title: str
    author: str
    published_at: str | None
    updated_at: str | None
    text: str
    blocks: list[Block]


class Provenance(BaseModel):
    """How a translation was made: by machine, maybe revised by a person since."""

    machine_translated: bool
    from_language: str | None
    engine: str
    engine_version: str | None
    model_version: str | None
    pivot: str | None = Field(description='The route through a pivot language, e.g. "ca>es>en".')
    glossary_version: str | None
    quality: float | None = Field(description="The quality estimate the gate scored it with.")
    flags: list[str] = Field(description="What the quality gate noticed.")
    revised_by_person: bool
    revised_at: str | None
    revision: int
    translated_at: str | None
    quality_gate: str = Field(
        description='What the quality gate made of it: "passed"; "held" (only where held '
        'translations were asked for); below the threshold yet shown, "low-confidence" '
        '(whole, with a stronger notice) or "summary" (its title and summary only, with '
        "a link to the original)."
    )


class Translation(BaseModel):
    language: str
    status: str = Field(description='"translated", or "held" when held ones were asked for.')
    title: str
    text: str
    blocks: list[Block]
    provenance: Provenance


class ArticleRecord(BaseModel):
    """One published article: its original, where it came from, every translation."""

    id: int
    links: RecordLinks
    source: RecordSource
    original: Original
    section: str | None
    tags: list[str]
    story_id: int | None
    first_published_at: str
    updated_at: str | None
    translations: list[Translation]
