"""The one place that configures logging, for `run`, `serve`, `worker` and `scheduler`.

`--log-format text` (the default) writes `time level logger message`; `--log-format
json` writes one JSON object per line: time (UTC, ISO 8601), level, logger, message,
and the ids the log call gave as `extra` (source_id, article_id, stage, task_id), with
the traceback as `exception` when there is one. uvicorn's worker processes configure
themselves from the same dictionary (`logging_config`), so every process logs alike.
"""

from __future__ import annotations

import enum
import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

# The fields a log call may pass as `extra` that the JSON lines carry.
FIELDS = ("source_id", "article_id", "stage", "task_id")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class LogFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def logging_config(log_format: LogFormat, level: str = "INFO") -> dict[str, Any]:
    """The dictConfig of babelwire's processes: one handler on stderr, in `log_format`."""
    formatter: dict[str, Any] = (
        {"()": "babelwire.cli.logs.JsonFormatter"}
        if log_format == LogFormat.JSON
        else {"format": TEXT_FORMAT}
    )
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "babelwire",
        "stream": "ext://sys.stderr",
    }
    quiet = {"level": "WARNING"}  # a line per request or page fetched is not news
    own = {"handlers": [], "propagate": True}  # uvicorn's loggers: through the root's handler
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"babelwire": formatter},
        "handlers": {"babelwire": handler},
        "root": {"handlers": ["babelwire"], "level": level.upper()},
        "loggers": {
            "httpx": quiet,
            "httpcore": quiet,
            "uvicorn": own,
            "uvicorn.error": own,
            "uvicorn.access": own,
        },
    }


def configure_logging(log_format: LogFormat, level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(log_format, level))
