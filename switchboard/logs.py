"""Logging set-up: JSON lines off a terminal, readable lines on one, for structlog and the stdlib
loggers (aiohttp, asyncio, ...) alike, with known secrets scrubbed from every line."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any, TextIO

import structlog
from structlog.tracebacks import ExceptionDictTransformer
from structlog.typing import Processor

REDACTED = "[redacted]"
MIN_SECRET_LEN = 4  # shorter values would scrub ordinary words out of every line
_SECRET_KEY = re.compile(r"secret|passw|token|authorization|credential", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+@", re.IGNORECASE)
_secrets: set[str] = set()


def configure(
    level: str = "info",
    json: bool | None = None,
    *,
    stream: TextIO | None = None,
    secrets: Iterable[str] = (),
) -> None:
    """Send structlog and stdlib logging to `stream` (stderr) through one pipeline.

    JSON by default when the stream is not a TTY. Exceptions never carry local variables, and
    every value in `secrets` (see `add_secrets`) is replaced by REDACTED wherever it appears.
    """
    out = sys.stderr if stream is None else stream
    use_json = not out.isatty() if json is None else json
    add_secrets(secrets)
    exceptions: Processor = (
        structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False))
        if use_json
        else structlog.processors.format_exc_info
    )
    renderer: Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if use_json
        else structlog.dev.ConsoleRenderer()
    )
    shared: list[Processor] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        exceptions,
        redact,
    ]
    numeric = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, *shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.WriteLoggerFactory(out),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(numeric)
    logging.captureWarnings(True)


def add_secrets(values: Iterable[str]) -> None:
    """Scrub these values from every later log line (e.g. after a reload brought new ones)."""
    _secrets.update(v for v in values if len(v) >= MIN_SECRET_LEN)


def forget_secrets() -> None:
    """Drop every registered secret (tests)."""
    _secrets.clear()


def redact(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: secret-named keys and known secret values become REDACTED."""
    for key, value in event.items():
        if _SECRET_KEY.search(key) and value not in (None, ""):
            event[key] = REDACTED
        else:
            event[key] = scrub(value)
    return event


def scrub(value: Any) -> Any:
    """`value` with known secrets and URL passwords replaced, through nested dicts and lists."""
    if isinstance(value, str):
        for secret in _secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return _URL_PASSWORD.sub(rf"\1{REDACTED}@", value) if "://" in value else value
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value
