"""Every setting declared once, typed: name, type, default and help.

A site is a folder holding `babelwire.toml`. Each setting can be overridden by
an environment variable named after it (`site.title` -> `BABELWIRE_SITE_TITLE`),
which is how workers and containers are configured without editing the file.

Why one long module: most of its lines are the declarations themselves (one
field with its help text per setting), kept together so that the settings can be
read as one list; the loader that checks them is the rest.

Each table is a frozen dataclass below whose fields declare its settings; the
loader checks every value against its field's type and builds them once, and
callers read them typed: `config.settings.fetch.host_delay`. A translation engine
declares its own options in its module; [translation] takes them in under a prefix.
A new setting is a new field, and a line in docs/configuration.md (a test checks).
"""

from __future__ import annotations

import difflib
import json
import os
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babelwire.errors import InputError
from babelwire.pipeline.classify.sections import SectionRule
from babelwire.pipeline.translate.engines.apertium import ApertiumOptions
from babelwire.pipeline.translate.engines.ctranslate2 import CTranslate2Options
from babelwire.pipeline.translate.engines.libretranslate import LibreTranslateOptions
from babelwire.pipeline.translate.engines.openai import OpenAIOptions
from babelwire.pipeline.translate.preferences import PreferenceError, parse_preferences
from babelwire.setting import HELP, MINIMUM, PREFIX, options, setting

CONFIG_FILE = "babelwire.toml"


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: its dotted key in babelwire.toml, its type, default and what it does."""

    key: str
    default: Any
    help: str
    minimum: float | None = None  # least value, for numbers that make no sense below it
    kind: type = str  # bool, int, float, str or list (of str)

    @property
    def env(self) -> str:
        return "BABELWIRE_" + self.key.replace(".", "_").upper()


@dataclass(frozen=True, slots=True)
class SiteSettings:
    """[site]: the public site, its editions and its front page."""

    title: str = setting("babelwire", "Site title shown on every page.")
    base_url: str = setting("http://127.0.0.1:8000", "Public URL of the site (canonical links).")
    description: dict[str, str] = setting(
        {},
        'Site tagline per edition, e.g. { en = "...", es = "..." }, or one text for every '
        "edition; an edition with none gets the interface's own tagline in its language.",
    )
    about: dict[str, str] = setting(
        {},
        "The site's own words at the top of its About page, per edition as description "
        "(blank lines separate paragraphs); the page then says how the site is made.",
    )
    timezone: str = setting(
        "UTC",
        "Time zone of the dates readers see (IANA name such as Europe/Madrid); feeds, "
        "sitemaps and <time datetime> stay in UTC.",
    )
    languages: list[str] = setting(["en", "es"], "Editions: every article is published in each.")
    source_languages: list[str] = setting(
        [], "Languages accepted from sources (ISO 639-1); empty accepts any language."
    )
    language_override_confidence: float = setting(
        0.9,
        "An article detected in another language than its source declares, with at least "
        "this confidence (0-1), is taken to be in the detected language.",
        minimum=0.0,
    )
    language_override_chars: int = setting(
        100,
        "... and only when its title and text have at least this many characters "
        "(a headline alone keeps the declared language).",
        minimum=0,
    )
    contact: str = setting("", "Contact address for corrections and removals (About page).")
    page_size: int = setting(20, "Articles per list page.", minimum=1)
    page_cache_seconds: int = setting(
        300,
        "Serve mode: seconds a rendered page may be reused from memory while the database "
        "is unchanged; any change empties it at once (0: render every request).",
    )
    front_stories: int = setting(5, "Top stories leading each edition's front page (0: none).")
    story_hours: int = setting(48, "Front page: stories seen within this many hours compete.")
    story_half_life_hours: float = setting(
        12.0, "Front page: a story's weight (its sources) halves with every this many hours of age."
    )
    story_min_sources: int = setting(2, "Front page: fewest sources a top story needs.")


@dataclass(frozen=True, slots=True)
class ServeSettings:
    """[serve]: `babelwire serve` (uvicorn); docs/deployment.md puts a reverse proxy in front."""

    limit_concurrency: int = setting(
        512,
        "Connections and requests a server process holds at once; beyond it a request is "
        "answered 503, so slow or half-sent requests cannot use up its file handles.",
    )
    backlog: int = setting(2048, "Connections the system queues before the server takes them.")
    timeout_keep_alive: int = setting(
        5, "Seconds an idle connection is kept open after a response, waiting for another request."
    )
    max_incomplete_bytes: int = setting(
        16384,
        "Most bytes of a request line and headers not yet finished; a client sending more "
        "before it ends them is answered 400 and cut off.",
    )


@dataclass(frozen=True, slots=True)
class MetricsSettings:
    """[metrics]: `/metrics` of `babelwire serve`, for Prometheus (docs/operations.md)."""

    enabled: bool = setting(True, "Serve /metrics (Prometheus text format); off: it answers 404.")
    token: str = setting(
        "",
        "A bearer token /metrics asks for (Authorization: Bearer TOKEN; 401 without it); "
        "empty: open to all, like /healthz. Set it with BABELWIRE_METRICS_TOKEN rather "
        "than in the file.",
    )


@dataclass(frozen=True, slots=True)
class DeskSettings:
    """[desk]: the web admin that `babelwire serve` runs beside the public site."""

    enabled: bool = setting(True, "Serve the desk (never part of a static build).")
    path: str = setting("/desk", "Where the desk is served: a path of its own, such as /desk.")
    session_hours: int = setting(
        12, "Hours a sign-in lasts; signing out or a new password ends it sooner.", minimum=1
    )
    login_window_minutes: int = setting(
        15, "Failed logins are counted over this many minutes.", minimum=1
    )
    account_failures: int = setting(
        5, "Failed logins to one account within the window before it is refused.", minimum=1
    )
    address_failures: int = setting(
        20, "Failed logins from one address within the window before it is refused.", minimum=1
    )
    show_editor_names: bool = setting(
        False,
        "Name the person who revised a translation in its notice (their display name); "
        "otherwise the notice says only that a person revised it (docs/post-editing.md).",
    )


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """[api]: the JSON API `babelwire serve` answers under /api/v1 (docs/api.md)."""

    enabled: bool = setting(True, "Serve the JSON API at /api/v1 (never part of a static build).")
    page_size: int = setting(20, "Articles a list answers when `limit` is not given.", minimum=1)
    max_page_size: int = setting(100, "The largest `limit` a list accepts.", minimum=1)
    cache_seconds: int = setting(
        60, "Cache-Control max-age of public answers (ETags let clients revalidate).", minimum=0
    )
    address_requests_per_minute: int = setting(
        600, "Requests one address may make in a minute without a token (0: no limit).", minimum=0
    )
    token_requests_per_minute: int = setting(
        1200, "Requests one token may make in a minute (0: no limit).", minimum=0
    )
    max_body_bytes: int = setting(
        1_000_000, "Largest request body accepted, in bytes (413 above).", minimum=1
    )
    timeout_seconds: float = setting(
        30.0, "Seconds a request may take before it is answered 503.", minimum=1
    )
    cors_origins: list[str] = setting(
        [],
        "Origins whose pages may read the public endpoints (CORS): none by default, "
        '["*"] for any; writes and token-only reads never allow another origin.',
    )


@dataclass(frozen=True, slots=True)
class SectionsSettings:
    """[sections]: filing articles under the site's sections."""

    default: str = setting("world", "Section for articles no rule matches.")
    model_file: str = setting(
        "sections-model.json",
        "Section classifier written by `babelwire sections train` (relative to the site).",
    )
    min_probability: float = setting(
        0.5, "The classifier files an article only when its best section has this probability."
    )


@dataclass(frozen=True, slots=True)
class TagsSettings:
    """[tags]: people, places and organisations named by articles."""

    gazetteer: str = setting(
        "entities.toml",
        "Gazetteer of people, places and organisations (relative to the site; may be absent).",
    )
    recurring_min_articles: int = setting(
        3, "A capitalised name becomes a tag when this many recent articles name it ..."
    )
    recurring_min_sources: int = setting(2, "... from at least this many sources ...")
    recurring_days: int = setting(3, "... within this many days.")
    refresh_minutes: int = setting(
        60, "Least minutes between two searches for recurring names during `babelwire run`."
    )


@dataclass(frozen=True, slots=True)
class StoriesSettings:
    """[stories]: grouping reports of one event into a story."""

    window_hours: int = setting(
        72, "A story takes reports published (by their sources) within this many hours of its own."
    )
    threshold: float = setting(
        0.22,
        "Least similarity (0-1: cosine of TF-IDF vectors, lowered for the report's names and "
        "figures the story lacks and for time apart) for a report to join a story.",
    )
    pivot_language: str = setting(
        "", "Language reports are compared in (empty: the first of site.languages)."
    )
    duplicate_hours: int = setting(
        72, "A new article is checked for being a copy of those extracted within this many hours."
    )


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    """[database]: where the newsroom is stored."""

    url: str = setting("sqlite:///babelwire.sqlite3", "SQLAlchemy URL (relative to the site).")
    pool_size: int = setting(
        5,
        "Connections each process keeps open to PostgreSQL (workers: 1 or 2 per process).",
        minimum=1,
    )
    max_overflow: int = setting(10, "Extra connections a process may open at busy moments.")
    pool_recycle: int = setting(
        1800,
        "Seconds after which a pooled connection is replaced (0: never); each is also "
        "checked before use, so a restarted database costs one reconnect.",
    )


@dataclass(frozen=True, slots=True)
class TranslationSettings:
    """[translation]: engines, their options and what a translation must pass."""

    engines: list[str] = setting(["apertium"], "Engines in order of preference.")
    prefer: list[str] = setting(
        [],
        'The engine tried first for a pair, whatever the order of engines: "es>en=ctranslate2" '
        "(`babelwire engines add-model` writes them; the others stay the gate's fallbacks).",
    )
    timeout: float = setting(120.0, "Seconds an engine may take for one batch.")
    # Each engine declares its options in its own module; they are read here under a prefix.
    apertium: ApertiumOptions = options(ApertiumOptions, prefix="apertium_")
    batch_articles: int = setting(
        100,
        "Articles extracted and translated together (one engine batch per language pair).",
        minimum=1,
    )
    fast_lane: bool = setting(
        True,
        "Carry each new entry through extract, translate and publish on its own as soon as it "
        "is found, ahead of the backlog and of retranslation work.",
    )
    backlog_slice: int = setting(
        1,
        "With the fast lane on, backlog articles `babelwire run` moves through a stage before "
        "it looks again for new entries to carry first.",
        minimum=1,
    )
    protect: list[str] = setting(
        ["url", "email", "handle", "hashtag", "number"],
        "What passes through translation unchanged: url, email, handle, hashtag, number.",
    )
    glossary_files: list[str] = setting(
        [], "Glossary files (tab-separated FROM, TO, TERM, TRANSLATION), besides [[glossary]]."
    )
    desk_glossary: str = setting(
        "glossary.tsv",
        "Glossary file the desk edits (as glossary_files; relative to the site; may be absent).",
    )
    max_sentence_words: int = setting(80, "Longer sentences are cut into chunks.", minimum=1)
    memory: bool = setting(True, "Reuse stored translations of segments seen before.")
    quality_threshold: float = setting(
        0.40,
        "Translations scoring below this (0-1, an estimate of chrF; docs/translation.md has "
        "what each threshold holds) are retried, then treated as below_threshold says.",
    )
    quality_calibrated: bool = setting(
        True,
        "Move quality_threshold, for each pair calibrated on FLORES-200, by that pair's "
        "offset so that it holds the same share of every pair's best translations "
        "(docs/translation.md lists them).",
    )
    on_low_quality: str = setting(
        "retry", 'Below the threshold: "retry" with the next engine first; or "hold" at once.'
    )
    below_threshold: str = setting(
        "hold",
        'What a translation still below the threshold becomes: "hold" for review, '
        '"low-confidence" (published with a stronger notice) or "summary" (only its title '
        "and summary, with a link to the original).",
    )
    quality_round_trip_share: float = setting(
        0.1,
        "Share of each article's words translated back to estimate quality (the title, "
        "the first block, then evenly spaced blocks; 0: no round trip).",
    )
    quality_agreement: bool = setting(
        True, "Where two routes translate a pair, compare them on the round trip's sample."
    )
    # Shared by the CTranslate2 and Argos engines, hence no prefix: models_dir, beam_size.
    ctranslate2: CTranslate2Options = options(CTranslate2Options, prefix="")
    libretranslate: LibreTranslateOptions = options(LibreTranslateOptions, prefix="libretranslate_")
    openai: OpenAIOptions = options(OpenAIOptions, prefix="openai_")


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """[fetch]: polling sources and fetching pages."""

    interval_minutes: int = setting(30, "Default minutes between two polls of a source.", minimum=1)
    connect_timeout: float = setting(10.0, "Seconds to open a connection.")
    read_timeout: float = setting(20.0, "Seconds to wait for the next bytes.")
    total_timeout: float = setting(60.0, "Seconds one whole request may take.")
    max_bytes: int = setting(10 * 1024 * 1024, "Largest decoded response accepted.", minimum=1)
    max_entries: int = setting(200, "Most entries taken from one feed per poll.", minimum=1)
    fetch_pages: bool = setting(True, "Fetch each article page (else use the feed's text).")
    allow_private_networks: bool = setting(
        False, "Let every source reach loopback, private and link-local addresses (SSRF guard off)."
    )
    concurrency: int = setting(50, "Requests in flight at once, all hosts together.", minimum=1)
    host_concurrency: int = setting(2, "Requests in flight at once to one host.", minimum=1)
    host_delay: float = setting(1.0, "Least seconds between two requests to one host.")
    min_interval_minutes: int = setting(5, "Shortest adaptive polling interval.", minimum=1)
    max_interval_minutes: int = setting(1440, "Longest adaptive polling interval.", minimum=1)
    hot_interval_seconds: int = setting(
        60,
        "Shortest polling interval of a hot source (one publishing so often that its adaptive "
        "interval falls below min_interval_minutes); per-host limits still hold.",
        minimum=1,
    )
    failing_after: int = setting(5, "Failures in a row after which a source is failing.", minimum=1)


@dataclass(frozen=True, slots=True)
class ImagesSettings:
    """[images]: the pictures articles' pages name, fetched and served from the site."""

    enabled: bool = setting(
        True, "Fetch each article's lead image and show it (a source can turn them off)."
    )
    widths: list[str] = setting(
        ["320", "640", "1024"],
        "Widths in pixels each picture is stored at (WebP, with a JPEG beside each); "
        "never wider than the image itself.",
    )
    max_bytes: int = setting(
        5 * 1024 * 1024, "Largest image file fetched (decoded bytes).", minimum=1024
    )
    max_pixels: int = setting(
        40_000_000,
        "Largest image decoded (width x height); a larger one (or a decompression bomb) "
        "is refused before its pixels are read.",
        minimum=1,
    )
    quality: int = setting(80, "Encoding quality of the WebP and JPEG files (1-95).", minimum=1)
    dir: str = setting(
        "media",
        "Folder the picture files are stored in (relative to the site; shared storage when "
        "workers run on other machines); builds copy the ones pages show.",
    )


@dataclass(frozen=True, slots=True)
class WebsubSettings:
    """[websub]: sources that push through a WebSub hub, and the hub of our own feeds."""

    enabled: bool = setting(
        False,
        "Subscribe to the hubs sources' feeds name, and take their pushes at the callback "
        "`babelwire serve` answers.",
    )
    callback_base_url: str = setting(
        "",
        "Public URL under which hubs reach the callback, e.g. https://news.example/websub/ "
        "(empty: site.base_url followed by /websub/).",
    )
    lease_seconds: int = setting(
        864000, "Lease asked of a hub, in seconds (the hub may grant another).", minimum=60
    )
    renew_before_seconds: int = setting(
        86400, "A subscription is renewed this many seconds before its lease ends.", minimum=0
    )
    verify_timeout_seconds: int = setting(
        3600,
        "A hub that has not verified a request within this many seconds has failed it "
        "(the source keeps its normal polling; the request is tried again later).",
        minimum=1,
    )
    safety_net_minutes: int = setting(
        360, "Minutes between two polls of a source whose hub pushes (a safety net).", minimum=1
    )
    quiet_minutes: int = setting(
        2880,
        "A hub that has pushed nothing (and verified nothing) for this many minutes is "
        "taken as gone quiet: its source goes back to normal polling until it pushes again.",
        minimum=1,
    )
    max_body_bytes: int = setting(
        2 * 1024 * 1024, "Largest pushed body accepted, in bytes (413 above).", minimum=1
    )
    pushes_per_minute: int = setting(
        60,
        "Callback requests one hub may make in a minute, per server process; more are "
        "answered 429, and pushes of one source are processed one at a time, those that "
        "arrive meanwhile together.",
        minimum=1,
    )
    publisher_hub: str = setting(
        "",
        "Hub named in this site's feeds and pinged (hub.mode=publish) when a pass "
        "publishes or a build writes them, e.g. https://pubsubhubbub.appspot.com/ "
        "(empty: none).",
    )


@dataclass(frozen=True, slots=True)
class WorkersSettings:
    """[workers]: Celery workers (`babelwire worker`, `babelwire scheduler`), docs/deployment.md."""

    broker_url: str = setting(
        "",
        "Celery broker, redis://host:6379/0 or amqp://user:password@host:5672/vhost "
        "(empty: no workers, `babelwire run` does everything).",
    )
    result_backend: str = setting(
        "", "Celery result backend (empty: none; babelwire keeps its own record of task runs)."
    )
    queues: list[str] = setting(
        ["fetch", "extract", "translate", "publish"],
        "Queues a `babelwire worker` consumes when --queues is not given.",
    )
    concurrency: int = setting(
        2, "Worker processes per `babelwire worker` (--concurrency).", minimum=1
    )
    batch_articles: int = setting(
        25,
        "Articles per task: each stage task takes this many (bigger batches keep Apertium busy).",
        minimum=1,
    )
    batch_sources: int = setting(20, "Sources polled together by one fetch task.", minimum=1)
    soft_time_limit: int = setting(
        300, "Seconds a task may run before it is interrupted and retried."
    )
    time_limit: int = setting(
        360, "Seconds after which the process running a task is killed (the task is redelivered)."
    )
    max_retries: int = setting(
        5, "Tries after the first before a failing task goes to the dead letters."
    )
    retry_backoff: float = setting(2.0, "Seconds before the first retry; doubles each time.")
    retry_backoff_max: float = setting(600.0, "Longest wait between two retries, in seconds.")
    requeue_after: int = setting(
        900,
        "Seconds after which the scheduler sends again work whose task has not finished "
        "(a message lost with a broker restart); a duplicate changes nothing.",
    )
    visibility_timeout: int = setting(
        3600, "Redis broker: seconds before a task taken by a worker that died is delivered again."
    )
    poll_seconds: float = setting(30.0, "Seconds between two rounds of `babelwire scheduler`.")


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting, typed, one attribute per table: `settings.fetch.host_delay`.

    The tables and their fields are the declaration; SETTINGS lists the same settings
    by their dotted keys for the loader, the environment and the documentation.
    """

    site: SiteSettings = field(default_factory=SiteSettings)
    serve: ServeSettings = field(default_factory=ServeSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    desk: DeskSettings = field(default_factory=DeskSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    sections: SectionsSettings = field(default_factory=SectionsSettings)
    tags: TagsSettings = field(default_factory=TagsSettings)
    stories: StoriesSettings = field(default_factory=StoriesSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    translation: TranslationSettings = field(default_factory=TranslationSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    images: ImagesSettings = field(default_factory=ImagesSettings)
    workers: WorkersSettings = field(default_factory=WorkersSettings)
    websub: WebsubSettings = field(default_factory=WebsubSettings)


_KINDS: dict[str, type] = {
    "bool": bool,
    "int": int,
    "float": float,
    "str": str,
    "list[str]": list,
    "dict[str, str]": dict,
}
#: The key of a text table that holds the text for every edition without its own: what a
#: single string (`description = "..."`) is read as.
EVERY_EDITION = "*"


def _group(item: Field[Any]) -> type[Any]:
    """The class of a field holding a group of settings: a table, or an engine's options."""
    factory = item.default_factory
    assert isinstance(factory, type), f"{item.name}: a group of settings is a dataclass"
    return factory


def _declared(group: type[Any], table: str, prefix: str = "") -> list[Setting]:
    """The settings a dataclass declares, in order, a nested group's under its prefix."""
    found = []
    for item in fields(group):
        if PREFIX in item.metadata:
            found += _declared(_group(item), table, prefix + item.metadata[PREFIX])
            continue
        # Annotations are strings here (`from __future__ import annotations`).
        kind = item.type if isinstance(item.type, str) else getattr(item.type, "__name__", "")
        if kind not in _KINDS:
            raise TypeError(f"{group.__name__}.{item.name}: a setting is one of {list(_KINDS)}")
        factory = item.default_factory
        default = factory() if callable(factory) else item.default
        help_, least = item.metadata[HELP], item.metadata[MINIMUM]
        found.append(Setting(f"{table}.{prefix}{item.name}", default, help_, least, _KINDS[kind]))
    return found


def _build(group: type[Any], values: Mapping[str, Any], table: str, prefix: str = "") -> Any:
    """An instance of `group` holding the checked values of its settings."""
    kwargs = {}
    for item in fields(group):
        if PREFIX in item.metadata:
            kwargs[item.name] = _build(_group(item), values, table, prefix + item.metadata[PREFIX])
        else:
            kwargs[item.name] = values[f"{table}.{prefix}{item.name}"]
    return group(**kwargs)


_TABLE_CLASSES: dict[str, type[Any]] = {item.name: _group(item) for item in fields(Settings)}
SETTINGS: tuple[Setting, ...] = tuple(
    s for table, group in _TABLE_CLASSES.items() for s in _declared(group, table)
)

_BY_KEY = {s.key: s for s in SETTINGS}
_TABLES = frozenset(s.key.partition(".")[0] for s in SETTINGS)
# Tables of babelwire.toml read besides the settings: [[section]] here, [[glossary]] by
# the glossary loader.
_OTHER_TABLES = frozenset({"section", "glossary"})
# BABELWIRE_* variables that name no setting but are read all the same (the site folder
# of a command, of a server process, of a worker; the queues of a worker).
_OTHER_VARIABLES = frozenset({"BABELWIRE_SITE", "BABELWIRE_SERVE_SITE", "BABELWIRE_WORKER_QUEUES"})
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


DEFAULT_SECTIONS: tuple[SectionRule, ...] = (
    SectionRule(
        "politics",
        {
            "en": "Politics",
            "es": "Política",
            "ca": "Política",
            "gl": "Política",
            "pt": "Política",
            "fr": "Politique",
            "it": "Politica",
            "eu": "Politika",
        },
        (
            "government",
            "parliament",
            "election",
            "elections",
            "minister",
            "council",
            "gobierno",
            "parlamento",
            "elecciones",
            "ministra",
            "ministro",
            "ayuntamiento",
            "govern",
            "parlament",
            "eleccions",
            "consellera",
            "conseller",
            "ajuntament",
        ),
    ),
    SectionRule(
        "economy",
        {
            "en": "Economy",
            "es": "Economía",
            "ca": "Economia",
            "gl": "Economía",
            "pt": "Economia",
            "fr": "Économie",
            "it": "Economia",
            "eu": "Ekonomia",
        },
        (
            "economy",
            "company",
            "jobs",
            "market",
            "investment",
            "economía",
            "empresa",
            "empleo",
            "mercado",
            "inversión",
            "economia",
            "ocupació",
            "mercat",
            "inversió",
        ),
    ),
    SectionRule(
        "science",
        {
            "en": "Science",
            "es": "Ciencia",
            "ca": "Ciència",
            "gl": "Ciencia",
            "pt": "Ciência",
            "fr": "Sciences",
            "it": "Scienza",
            "eu": "Zientzia",
        },
        (
            "research",
            "scientists",
            "university",
            "study",
            "laboratory",
            "investigación",
            "científicos",
            "universidad",
            "estudio",
            "laboratorio",
            "recerca",
            "científics",
            "universitat",
            "estudi",
            "laboratori",
        ),
    ),
    SectionRule(
        "culture",
        {
            "en": "Culture",
            "es": "Cultura",
            "ca": "Cultura",
            "gl": "Cultura",
            "pt": "Cultura",
            "fr": "Culture",
            "it": "Cultura",
            "eu": "Kultura",
        },
        (
            "festival",
            "museum",
            "exhibition",
            "film",
            "concert",
            "museo",
            "exposición",
            "película",
            "concierto",
            "museu",
            "exposició",
            "pel·lícula",
        ),
    ),
    SectionRule(
        "sport",
        {
            "en": "Sport",
            "es": "Deportes",
            "ca": "Esports",
            "gl": "Deportes",
            "pt": "Desporto",
            "fr": "Sport",
            "it": "Sport",
            "eu": "Kirolak",
        },
        (
            "match",
            "team",
            "league",
            "coach",
            "championship",
            "partido",
            "equipo",
            "liga",
            "entrenador",
            "campeonato",
            "partit",
            "equip",
            "lliga",
            "campionat",
        ),
    ),
    SectionRule(
        "world",
        {
            "en": "World",
            "es": "Mundo",
            "ca": "Món",
            "gl": "Mundo",
            "pt": "Mundo",
            "fr": "Monde",
            "it": "Mondo",
            "eu": "Mundua",
        },
    ),
)


class ConfigError(InputError):
    """babelwire.toml or an override is invalid."""


@dataclass(frozen=True, slots=True)
class Config:
    """A site's settings, read from its folder's babelwire.toml and the environment.

    >>> config = Config.load(Path("my-site"))
    >>> config.languages
    ['en', 'es']
    >>> config.settings.fetch.host_delay
    1.0
    """

    root: Path
    settings: Settings
    sections: tuple[SectionRule, ...] = field(default=DEFAULT_SECTIONS)

    @classmethod
    def load(cls, root: Path, env: Mapping[str, str] | None = None) -> Config:
        root = root.resolve()
        path = root / CONFIG_FILE
        if not path.exists():
            raise ConfigError(f"{path} not found: run `babelwire init {root}` first")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{path}: not UTF-8 text (byte {exc.start}: {exc.object[exc.start : exc.end]!r})"
            ) from exc
        except OSError as exc:
            raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        env = os.environ if env is None else env
        config = cls.from_mapping(root, data, env)
        for warning in unknown_settings(data, env, CONFIG_FILE):
            _warn_once(root, warning)
        return config

    @classmethod
    def from_mapping(
        cls, root: Path, data: Mapping[str, Any], env: Mapping[str, str] | None = None
    ) -> Config:
        values: dict[str, Any] = {}
        for item in SETTINGS:
            table, _, name = item.key.partition(".")
            section = data.get(table, {})
            if not isinstance(section, dict):
                raise ConfigError(f"{CONFIG_FILE}: {table} must be a table ([{table}])")
            value, origin = section.get(name, item.default), item.key
            raw = (env or {}).get(item.env)
            if raw is not None:
                value, origin = _parse_env(item, raw), item.env
            values[item.key] = _check_value(item, value, origin)
        _check_editions(values)
        _check_timezone(values)
        _check_desk(values)
        _check_stories(values)
        _check_images(values)
        _check_preferences(values)
        sections = _read_sections(data.get("section"))
        settings = Settings(
            **{table: _build(group, values, table) for table, group in _TABLE_CLASSES.items()}
        )
        return cls(root=root, settings=settings, sections=sections)

    @property
    def title(self) -> str:
        return self.settings.site.title

    @property
    def base_url(self) -> str:
        return self.settings.site.base_url.rstrip("/")

    @property
    def languages(self) -> list[str]:
        return list(self.settings.site.languages)

    @property
    def timezone(self) -> ZoneInfo:
        """The time zone of the dates readers see (checked when the settings are read)."""
        return ZoneInfo(self.settings.site.timezone)

    @property
    def database_url(self) -> str:
        """The database URL, with a relative SQLite path resolved inside the site folder."""
        url = self.settings.database.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/"):
            rest = url[len(prefix) :]
            if rest and rest != ":memory:":
                return prefix + str(self.root / rest)
        return url

    @property
    def image_widths(self) -> tuple[int, ...]:
        """The widths pictures are stored at, smallest first (checked when loaded)."""
        return tuple(sorted({int(str(w).strip()) for w in self.settings.images.widths}))

    @property
    def media_dir(self) -> Path:
        """The folder picture files are stored in."""
        return self.root / self.settings.images.dir

    def section(self, slug: str) -> SectionRule | None:
        return next((s for s in self.sections if s.slug == slug), None)


def unknown_settings(
    data: Mapping[str, Any], env: Mapping[str, str], file: str = CONFIG_FILE
) -> list[str]:
    """A warning for each key of `data` and BABELWIRE_* variable that names no setting,
    with the closest setting's name: a misspelt setting is otherwise silently ignored."""
    keys = [s.key for s in SETTINGS]
    found = []
    for table, section in data.items():
        if table in _OTHER_TABLES:
            continue
        if table in _TABLES and isinstance(section, dict):
            found += [(f"{table}.{name}", f"{file}: {table}.{name}") for name in section]
        elif table not in _TABLES:
            found.append((str(table), f"{file}: {table}"))
    warnings = [
        f"{where} is not a setting and is ignored{_closest(name, keys, by_name=True)}"
        for name, where in found
        if name not in _BY_KEY
    ]
    variables = [s.env for s in SETTINGS]
    tables = tuple(f"BABELWIRE_{table.upper()}_" for table in _TABLES)
    for name in sorted(env):
        if not name.startswith("BABELWIRE_") or name in variables or name in _OTHER_VARIABLES:
            continue
        # Outside the settings' tables only a near miss is one: BABELWIRE_TEST_DATABASE_URL
        # belongs to the test suite, BABELWIRE_FECH_HOST_DELAY is a typo.
        named = name.startswith(tables)
        hint = _closest(name, variables, cutoff=0.75 if named else 0.9)
        if hint or named:
            warnings.append(f"environment variable {name} is not a setting and is ignored{hint}")
    return warnings


def _closest(
    name: str, candidates: Sequence[str], *, by_name: bool = False, cutoff: float = 0.75
) -> str:
    match = difflib.get_close_matches(name, candidates, n=1, cutoff=cutoff)
    if not match and by_name:
        # A setting written without its table, or under the wrong one.
        short = {key.partition(".")[2]: key for key in candidates}
        near = difflib.get_close_matches(name.rpartition(".")[2], list(short), n=1, cutoff=0.75)
        match = [short[near[0]]] if near else []
    return f" (did you mean {match[0]}?)" if match else ""


_warned: set[tuple[Path, str]] = set()


def _warn_once(root: Path, message: str) -> None:
    # Said once per site and process: a server or worker loads its settings many times.
    if (root, message) not in _warned:
        _warned.add((root, message))
        print(f"warning: {message}", file=sys.stderr)


def _parse_env(setting: Setting, raw: str) -> Any:
    kind = setting.kind
    try:
        if kind is bool:
            word = raw.strip().lower()
            if word not in _TRUE | _FALSE:
                raise ValueError("expected true or false (1/0, yes/no, on/off)")
            return word in _TRUE
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        if kind is list:
            raw = raw.strip()
            if raw.startswith("["):
                return json.loads(raw)
            return [part.strip() for part in raw.split(",") if part.strip()]
        if kind is dict and raw.strip().startswith("{"):
            return json.loads(raw)
    except ValueError as exc:
        raise ConfigError(
            f"{setting.env}={_shown(raw)}: not a valid {kind.__name__} ({exc}); {setting.help}"
        ) from exc
    return raw


def _shown(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _check_value(setting: Setting, value: Any, origin: str) -> Any:
    value = _check_type(setting, value, origin)
    least = setting.minimum
    if least is not None and value < least:
        raise ConfigError(f"{origin}: expected at least {least}, got {value!r} ({setting.help})")
    return value


def _check_editions(values: Mapping[str, Any]) -> None:
    """At least one edition, each an ISO 639-1 code: every article is published in each."""
    editions = values["site.languages"]
    if not editions:
        raise ConfigError('site.languages: at least one edition is needed, e.g. ["en"]')
    bad = [c for c in editions if not _is_language_code(c)]
    if bad:
        raise ConfigError(f"site.languages: expected ISO 639-1 codes such as en, es: got {bad!r}")


# Paths of the public site that the desk may not take (editions are checked apart).
_SITE_PATHS = frozenset(
    {"sitemaps", "sitemap.xml", "style.css", "robots.txt", "api", "healthz", "readyz", "metrics"}
)


def _check_desk(values: Mapping[str, Any]) -> None:
    """The desk's path: /name (letters, digits, '-', '_', more segments allowed), none
    that the public site answers (an edition's code, sitemaps, the style sheet)."""
    path = values["desk.path"]
    segments = path.split("/")[1:] if path.startswith("/") else []
    usable = segments and all(
        s and s.isascii() and all(c.isalnum() or c in "-_" for c in s) for s in segments
    )
    if not usable:
        raise ConfigError(f"desk.path: expected a path such as /desk, got {_shown(path)}")
    first = segments[0].lower()
    if first in _SITE_PATHS or first in {code.lower() for code in values["site.languages"]}:
        raise ConfigError(f"desk.path: {path} is a path of the public site; choose another")


def _check_type(setting: Setting, value: Any, origin: str) -> Any:
    kind = setting.kind
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind is list:
        ok = isinstance(value, list) and all(isinstance(x, str) for x in value)
    elif kind is dict:
        return _check_texts(setting, value, origin)
    else:
        ok = isinstance(value, str)
    if not ok:
        raise ConfigError(
            f"{origin}: expected {kind.__name__}, got {_shown(value)} ({setting.help})"
        )
    return value


def _check_texts(setting: Setting, value: Any, origin: str) -> dict[str, str]:
    """A text per edition: a table of language code -> text, or one text for every edition."""
    if isinstance(value, str):
        return {EVERY_EDITION: value} if value else {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(
            f"{origin}: expected a text or a table of texts per edition such as "
            f'{{ en = "...", es = "..." }}, got {_shown(value)} ({setting.help})'
        )
    bad = [k for k in value if k != EVERY_EDITION and not _is_language_code(k)]
    if bad:
        raise ConfigError(
            f"{origin}: {bad!r}: the keys of a text table are editions' language codes "
            f'such as en, es (or "{EVERY_EDITION}" for every other edition)'
        )
    return {str(k): v for k, v in value.items()}


def _is_language_code(code: str) -> bool:
    return len(code) in (2, 3) and code.isascii() and code.isalpha()


def _check_timezone(values: Mapping[str, Any]) -> None:
    """site.timezone: a time zone of the IANA database that this machine has."""
    name = values["site.timezone"]
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        known = sorted(available_timezones())
        hint = _closest(name, known, cutoff=0.6)
        raise ConfigError(
            f"site.timezone: {_shown(name)} is not a time zone this machine knows; expected "
            f"an IANA name such as UTC or Europe/Madrid{hint}"
        ) from None


def _check_stories(values: Mapping[str, Any]) -> None:
    """The [stories] settings within their ranges, the pivot one of the editions."""
    threshold = values["stories.threshold"]
    if not 0 < threshold <= 1:
        raise ConfigError(f"stories.threshold: expected a number in (0, 1], got {threshold!r}")
    for key in ("stories.window_hours", "stories.duplicate_hours"):
        if values[key] <= 0:
            raise ConfigError(f"{key}: expected a positive number of hours, got {values[key]!r}")
    pivot, editions = values["stories.pivot_language"], values["site.languages"]
    if pivot and pivot not in editions:
        raise ConfigError(
            f"stories.pivot_language: {pivot!r} is not an edition (site.languages: {editions}); "
            "articles are only translated into the editions' languages"
        )


MAX_IMAGE_WIDTH = 4096


def _check_images(values: Mapping[str, Any]) -> None:
    """[images]: widths are whole numbers of pixels, quality within what encoders take."""
    widths = values["images.widths"]
    if not widths:
        raise ConfigError('images.widths: expected at least one width, e.g. ["320", "640"]')
    for width in widths:
        text = str(width).strip()
        if not (text.isascii() and text.isdigit() and 16 <= int(text) <= MAX_IMAGE_WIDTH):
            raise ConfigError(
                f"images.widths: {width!r} is not a width from 16 to {MAX_IMAGE_WIDTH} pixels"
            )
    if not 1 <= values["images.quality"] <= 95:
        raise ConfigError(f"images.quality: expected 1 to 95, got {values['images.quality']!r}")


def _check_preferences(values: Mapping[str, Any]) -> None:
    try:
        parse_preferences(values["translation.prefer"])
    except PreferenceError as exc:
        raise ConfigError(str(exc)) from exc


def _read_sections(raw: Any) -> tuple[SectionRule, ...]:
    if raw is None:
        return DEFAULT_SECTIONS
    if not isinstance(raw, list):
        raise ConfigError("[[section]] must be an array of tables")
    rules = []
    for item in raw:
        if not isinstance(item, dict) or "slug" not in item:
            raise ConfigError(f"[[section]] needs a slug: {item!r}")
        names = item.get("names", {})
        keywords = item.get("keywords", [])
        entities = item.get("entities", [])
        if not isinstance(names, dict) or not isinstance(keywords, list):
            raise ConfigError(f"section {item['slug']}: names is a table, keywords a list")
        if not isinstance(entities, list) or not all(isinstance(e, str) for e in entities):
            raise ConfigError(
                f"section {item['slug']}: entities is a list of tag slugs (see entities.toml)"
            )
        rules.append(
            SectionRule(
                slug=str(item["slug"]),
                names={str(k): str(v) for k, v in names.items()},
                keywords=tuple(str(k).lower() for k in keywords),
                entities=tuple(entities),
            )
        )
    return tuple(rules)


def render_config(
    *,
    title: str,
    base_url: str,
    languages: Sequence[str],
    database_url: str = "sqlite:///babelwire.sqlite3",
) -> str:
    """The text of a new site's babelwire.toml: every setting, with its help as a comment."""
    overrides: dict[str, Any] = {
        "site.title": title,
        "site.base_url": base_url,
        "site.languages": list(languages),
        "database.url": database_url,
    }
    lines = ["# babelwire site settings. Each can be overridden by BABELWIRE_<TABLE>_<NAME>.", ""]
    current = ""
    for item in SETTINGS:
        table, _, name = item.key.partition(".")
        if table != current:
            if current:
                lines.append("")
            lines.append(f"[{table}]")
            current = table
        lines.append(f"# {item.help}")
        lines.append(f"{name} = {_toml_value(overrides.get(item.key, item.default))}")
    lines.append("")
    lines.append("# Sections, in the order they appear. An article goes to its source's section,")
    lines.append(
        "# else to the first section with the most keyword and entity matches (entities are"
    )
    lines.append("# tag slugs from the gazetteer), else to the classifier's choice once trained")
    lines.append("# (`babelwire sections train`), else sections.default.")
    for rule in DEFAULT_SECTIONS:
        lines.append("")
        lines.append("[[section]]")
        lines.append(f"slug = {_toml_value(rule.slug)}")
        names = ", ".join(f"{k} = {_toml_value(v)}" for k, v in rule.names.items())
        lines.append(f"names = {{ {names} }}")
        lines.append(f"keywords = {_toml_value(list(rule.keywords))}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        pairs = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + pairs + " }" if pairs else "{}"
    return json.dumps(str(value), ensure_ascii=False)


def _toml_key(key: str) -> str:
    bare = key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
    return key if bare else json.dumps(key, ensure_ascii=False)
