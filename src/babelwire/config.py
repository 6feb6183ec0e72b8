"""Every setting declared once: name, default and help.

A site is a folder holding `babelwire.toml`. Each setting can be overridden by
an environment variable named after it (`site.title` -> `BABELWIRE_SITE_TITLE`),
which is how workers and containers are configured without editing the file.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_FILE = "babelwire.toml"


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: its dotted key in babelwire.toml, its default and what it does."""

    key: str
    default: Any
    help: str
    minimum: float | None = None  # least value, for numbers that make no sense below it

    @property
    def env(self) -> str:
        return "BABELWIRE_" + self.key.replace(".", "_").upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("site.title", "babelwire", "Site title shown on every page."),
    Setting("site.base_url", "http://127.0.0.1:8000", "Public URL of the site (canonical links)."),
    Setting("site.description", "News collected and translated automatically.", "Site tagline."),
    Setting("site.languages", ["en", "es"], "Editions: every article is published in each."),
    Setting(
        "site.source_languages",
        [],
        "Languages accepted from sources (ISO 639-1); empty accepts any language.",
    ),
    Setting("site.contact", "", "Contact address for corrections and removals (About page)."),
    Setting("site.page_size", 20, "Articles per list page.", minimum=1),
    Setting(
        "site.page_cache_seconds",
        300,
        "Serve mode: seconds a rendered page may be reused from memory while the database "
        "is unchanged; any change empties it at once (0: render every request).",
    ),
    # Public site: stories and tags
    Setting("site.front_stories", 5, "Top stories leading each edition's front page (0: none)."),
    Setting("site.story_hours", 48, "Front page: stories seen within this many hours compete."),
    Setting(
        "site.story_half_life_hours",
        12.0,
        "Front page: a story's weight (its sources) halves with every this many hours of age.",
    ),
    Setting("site.story_min_sources", 2, "Front page: fewest sources a top story needs."),
    # `babelwire serve` (uvicorn): see docs/deployment.md; put a reverse proxy in front
    Setting(
        "serve.limit_concurrency",
        512,
        "Connections and requests a server process holds at once; beyond it a request is "
        "answered 503, so slow or half-sent requests cannot use up its file handles.",
    ),
    Setting("serve.backlog", 2048, "Connections the system queues before the server takes them."),
    Setting(
        "serve.timeout_keep_alive",
        5,
        "Seconds an idle connection is kept open after a response, waiting for another request.",
    ),
    Setting(
        "serve.max_incomplete_bytes",
        16384,
        "Most bytes of a request line and headers not yet finished; a client sending more "
        "before it ends them is answered 400 and cut off.",
    ),
    Setting("sections.default", "world", "Section for articles no rule matches."),
    Setting(
        "sections.model_file",
        "sections-model.json",
        "Section classifier written by `babelwire sections train` (relative to the site).",
    ),
    Setting(
        "sections.min_probability",
        0.5,
        "The classifier files an article only when its best section has this probability.",
    ),
    Setting(
        "tags.gazetteer",
        "entities.toml",
        "Gazetteer of people, places and organisations (relative to the site; may be absent).",
    ),
    Setting(
        "tags.recurring_min_articles",
        3,
        "A capitalised name becomes a tag when this many recent articles name it ...",
    ),
    Setting("tags.recurring_min_sources", 2, "... from at least this many sources ..."),
    Setting("tags.recurring_days", 3, "... within this many days."),
    Setting(
        "tags.refresh_minutes",
        60,
        "Least minutes between two searches for recurring names during `babelwire run`.",
    ),
    Setting(
        "stories.window_hours",
        72,
        "A story takes reports published (by their sources) within this many hours of its own.",
    ),
    Setting(
        "stories.threshold",
        0.35,
        "Least similarity (0-1, cosine of TF-IDF vectors) for a report to join a story.",
    ),
    Setting(
        "stories.pivot_language",
        "",
        "Language reports are compared in (empty: the first of site.languages).",
    ),
    Setting(
        "stories.duplicate_hours",
        72,
        "A new article is checked for being a copy of those extracted within this many hours.",
    ),
    Setting(
        "database.url", "sqlite:///babelwire.sqlite3", "SQLAlchemy URL (relative to the site)."
    ),
    Setting(
        "database.pool_size",
        5,
        "Connections each process keeps open to PostgreSQL (workers: 1 or 2 per process).",
        minimum=1,
    ),
    Setting("database.max_overflow", 10, "Extra connections a process may open at busy moments."),
    Setting(
        "database.pool_recycle",
        1800,
        "Seconds after which a pooled connection is replaced (0: never); each is also "
        "checked before use, so a restarted database costs one reconnect.",
    ),
    Setting("translation.engines", ["apertium"], "Engines in order of preference."),
    Setting("translation.timeout", 120.0, "Seconds an engine may take for one batch."),
    Setting(
        "translation.apertium_fresh_tagger",
        False,
        "Tag every segment as a fresh Apertium does, whatever the pipeline tagged before, "
        "so that a translation never depends on its order, batch or worker (slower).",
    ),
    Setting(
        "translation.batch_articles",
        100,
        "Articles extracted and translated together (one engine batch per language pair).",
        minimum=1,
    ),
    Setting(
        "translation.protect",
        ["url", "email", "handle", "hashtag", "number"],
        "What passes through translation unchanged: url, email, handle, hashtag, number.",
    ),
    Setting(
        "translation.glossary_files",
        [],
        "Glossary files (tab-separated FROM, TO, TERM, TRANSLATION), besides [[glossary]].",
    ),
    Setting(
        "translation.max_sentence_words", 80, "Longer sentences are cut into chunks.", minimum=1
    ),
    Setting("translation.memory", True, "Reuse stored translations of segments seen before."),
    Setting(
        "translation.quality_threshold",
        0.5,
        "Translations scoring below this (0-1) are retried or held back for review.",
    ),
    Setting(
        "translation.on_low_quality",
        "retry",
        'Below the threshold: "retry" with the next engine, then hold; or "hold" at once.',
    ),
    Setting(
        "translation.models_dir",
        "models",
        "Folder of CTranslate2 and Argos models (`babelwire engines add-model`).",
    ),
    Setting(
        "translation.beam_size", 2, "Beam size of neural engines (1 = greedy, fastest).", minimum=1
    ),
    Setting("translation.libretranslate_url", "", "LibreTranslate server, e.g. http://host:5000."),
    Setting("translation.libretranslate_key", "", "LibreTranslate API key, if it needs one."),
    Setting("translation.openai_url", "", "OpenAI-compatible API base, e.g. http://host:11434/v1."),
    Setting("translation.openai_model", "", "Model name for the OpenAI-compatible engine."),
    Setting("translation.openai_key", "", "API key for the OpenAI-compatible engine, if any."),
    Setting(
        "translation.openai_languages",
        ["en", "es", "ca", "fr", "de", "it", "pt"],
        "Languages the OpenAI-compatible engine is asked to translate between.",
    ),
    Setting(
        "fetch.interval_minutes", 30, "Default minutes between two polls of a source.", minimum=1
    ),
    Setting("fetch.connect_timeout", 10.0, "Seconds to open a connection."),
    Setting("fetch.read_timeout", 20.0, "Seconds to wait for the next bytes."),
    Setting("fetch.total_timeout", 60.0, "Seconds one whole request may take."),
    Setting("fetch.max_bytes", 10 * 1024 * 1024, "Largest decoded response accepted.", minimum=1),
    Setting("fetch.max_entries", 200, "Most entries taken from one feed per poll.", minimum=1),
    Setting("fetch.fetch_pages", True, "Fetch each article page (else use the feed's text)."),
    Setting(
        "fetch.allow_private_networks",
        False,
        "Let every source reach loopback, private and link-local addresses (SSRF guard off).",
    ),
    Setting("fetch.concurrency", 50, "Requests in flight at once, all hosts together.", minimum=1),
    Setting("fetch.host_concurrency", 2, "Requests in flight at once to one host.", minimum=1),
    Setting("fetch.host_delay", 1.0, "Least seconds between two requests to one host."),
    Setting("fetch.min_interval_minutes", 5, "Shortest adaptive polling interval.", minimum=1),
    Setting("fetch.max_interval_minutes", 1440, "Longest adaptive polling interval.", minimum=1),
    Setting(
        "fetch.failing_after", 5, "Failures in a row after which a source is failing.", minimum=1
    ),
    # Celery workers (`babelwire worker`, `babelwire scheduler`): see docs/deployment.md
    Setting(
        "workers.broker_url",
        "",
        "Celery broker, redis://host:6379/0 or amqp://user:password@host:5672/vhost "
        "(empty: no workers, `babelwire run` does everything).",
    ),
    Setting(
        "workers.result_backend",
        "",
        "Celery result backend (empty: none; babelwire keeps its own record of task runs).",
    ),
    Setting(
        "workers.queues",
        ["fetch", "extract", "translate", "publish"],
        "Queues a `babelwire worker` consumes when --queues is not given.",
    ),
    Setting(
        "workers.concurrency",
        2,
        "Worker processes per `babelwire worker` (--concurrency).",
        minimum=1,
    ),
    Setting(
        "workers.batch_articles",
        25,
        "Articles per task: each stage task takes this many (bigger batches keep Apertium busy).",
        minimum=1,
    ),
    Setting("workers.batch_sources", 20, "Sources polled together by one fetch task.", minimum=1),
    Setting(
        "workers.soft_time_limit",
        300,
        "Seconds a task may run before it is interrupted and retried.",
    ),
    Setting(
        "workers.time_limit",
        360,
        "Seconds after which the process running a task is killed (the task is redelivered).",
    ),
    Setting(
        "workers.max_retries",
        5,
        "Tries after the first before a failing task goes to the dead letters.",
    ),
    Setting("workers.retry_backoff", 2.0, "Seconds before the first retry; doubles each time."),
    Setting("workers.retry_backoff_max", 600.0, "Longest wait between two retries, in seconds."),
    Setting(
        "workers.requeue_after",
        900,
        "Seconds after which the scheduler sends again work whose task has not finished "
        "(a message lost with a broker restart); a duplicate changes nothing.",
    ),
    Setting(
        "workers.visibility_timeout",
        3600,
        "Redis broker: seconds before a task taken by a worker that died is delivered again.",
    ),
    Setting("workers.poll_seconds", 30.0, "Seconds between two rounds of `babelwire scheduler`."),
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


@dataclass(frozen=True, slots=True)
class SectionRule:
    """A section of the site and the keywords and entities (tag slugs) that file an article
    under it."""

    slug: str
    names: Mapping[str, str]
    keywords: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.slug.title()


DEFAULT_SECTIONS: tuple[SectionRule, ...] = (
    SectionRule(
        "politics",
        {"en": "Politics", "es": "Política", "ca": "Política"},
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
        {"en": "Economy", "es": "Economía", "ca": "Economia"},
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
        {"en": "Science", "es": "Ciencia", "ca": "Ciència"},
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
        {"en": "Culture", "es": "Cultura", "ca": "Cultura"},
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
        {"en": "Sport", "es": "Deportes", "ca": "Esports"},
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
    SectionRule("world", {"en": "World", "es": "Mundo", "ca": "Món"}),
)


class InputError(ValueError):
    """Something the operator gave (a setting, a URL, a file) cannot be used as it is.

    The command line prints its message on one line and exits with status 2;
    anything else that escapes is a bug and shows its traceback.
    """


class ConfigError(InputError):
    """babelwire.toml or an override is invalid."""


@dataclass(frozen=True, slots=True)
class Config:
    """A site's settings, read from its folder's babelwire.toml and the environment.

    >>> config = Config.load(Path("my-site"))
    >>> config.languages
    ['en', 'es']
    """

    root: Path
    values: Mapping[str, Any]
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
        for setting in SETTINGS:
            table, _, name = setting.key.partition(".")
            section = data.get(table, {})
            if not isinstance(section, dict):
                raise ConfigError(f"{CONFIG_FILE}: {table} must be a table ([{table}])")
            value, origin = section.get(name, setting.default), setting.key
            raw = (env or {}).get(setting.env)
            if raw is not None:
                value, origin = _parse_env(setting, raw), setting.env
            values[setting.key] = _check_value(setting, value, origin)
        _check_editions(values)
        _check_stories(values)
        sections = _read_sections(data.get("section"))
        return cls(root=root, values=values, sections=sections)

    def get(self, key: str) -> Any:
        return self.values[key] if key in self.values else _BY_KEY[key].default

    @property
    def title(self) -> str:
        return str(self.get("site.title"))

    @property
    def base_url(self) -> str:
        return str(self.get("site.base_url")).rstrip("/")

    @property
    def languages(self) -> list[str]:
        return [str(x) for x in self.get("site.languages")]

    @property
    def database_url(self) -> str:
        """The database URL, with a relative SQLite path resolved inside the site folder."""
        url = str(self.get("database.url"))
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/"):
            rest = url[len(prefix) :]
            if rest and rest != ":memory:":
                return prefix + str(self.root / rest)
        return url

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
    default = setting.default
    try:
        if isinstance(default, bool):
            word = raw.strip().lower()
            if word not in _TRUE | _FALSE:
                raise ValueError("expected true or false (1/0, yes/no, on/off)")
            return word in _TRUE
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, list):
            raw = raw.strip()
            if raw.startswith("["):
                return json.loads(raw)
            return [part.strip() for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        kind = type(default).__name__
        raise ConfigError(
            f"{setting.env}={_shown(raw)}: not a valid {kind} ({exc}); {setting.help}"
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
    bad = [c for c in editions if len(c) not in (2, 3) or not c.isascii() or not c.isalpha()]
    if bad:
        raise ConfigError(f"site.languages: expected ISO 639-1 codes such as en, es: got {bad!r}")


def _check_type(setting: Setting, value: Any, origin: str) -> Any:
    default = setting.default
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, list):
        ok = isinstance(value, list) and all(isinstance(x, str) for x in value)
    else:
        ok = isinstance(value, str)
    if not ok:
        raise ConfigError(
            f"{origin}: expected {type(default).__name__}, got {_shown(value)} ({setting.help})"
        )
    return value


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
    for setting in SETTINGS:
        table, _, name = setting.key.partition(".")
        if table != current:
            if current:
                lines.append("")
            lines.append(f"[{table}]")
            current = table
        lines.append(f"# {setting.help}")
        lines.append(f"{name} = {_toml_value(overrides.get(setting.key, setting.default))}")
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
    return json.dumps(str(value), ensure_ascii=False)
