"""Structured JSON logs: one object a line, carrying the request's id, client and operation.

The request id lives in a context variable set by the HTTP layer, so every record logged while
a request is served (by the gateway, strawberry or redis-py) carries it without being passed.
"""

from __future__ import annotations

import contextvars
import logging
import math
import sys
import time
from typing import Any

import orjson

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
# The date and time of day of the last second a line was logged in, and that second.
_second: tuple[float, str] = (-1.0, "")


def _utc_iso(created: float) -> str:
    """`datetime.fromtimestamp(created, UTC).isoformat()`, its date and time of day formatted
    once a second: a busy worker logs many lines in each."""
    global _second
    fraction, whole = math.modf(created)
    # Half to even, as datetime rounds a timestamp to microseconds.
    micros = round(fraction * 1e6)
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    second, day_time = _second
    if whole != second:
        t = time.gmtime(whole)
        day_time = (
            f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"
            f"T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
        )
        _second = (whole, day_time)
    # isoformat leaves out a fraction of zero.
    return f"{day_time}.{micros:06d}+00:00" if micros else f"{day_time}+00:00"


_installed = False


def stamp_request_ids() -> None:
    """Make every log record carry the request id current when it was created (once per
    process): handlers may format records later, outside the request (a queue, caplog)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        request_id = request_id_var.get()
        if request_id and not hasattr(record, "request_id"):
            record.request_id = request_id
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _utc_iso(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # orjson: a line a request in the access log alone; a value it can't encode is its str.
        return orjson.dumps(entry, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def json_formatter() -> JsonFormatter:
    """The formatter of the process's log lines, which go through it alone.

    Every record looks up its thread's and process's ids and names, and walks the stack for
    the file and line that logged it, for formatters that print them; this one prints no
    standard attribute beyond time, level, logger and message, so records stop looking them
    up (the logging HOWTO's "Optimization" settings; the access log writes one a request).
    """
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None
    return JsonFormatter()


def configure_json_logging(level: int = logging.INFO) -> None:
    """Send the root logger's records to stderr as JSON lines (replacing its handlers)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's loggers through the same JSON formatter."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "gateway.ops.logs.json_formatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": "INFO"},
        "loggers": {
            "uvicorn": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.error": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }
