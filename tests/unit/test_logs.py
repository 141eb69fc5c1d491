"""One log pipeline: structlog and stdlib loggers (aiohttp, asyncio) as JSON lines, no secrets."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from switchboard.logs import REDACTED, configure, forget_secrets

SECRET = "s3cr3t-Ami-p4ss"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """configure() into a buffer; structlog and the root logger are put back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    out = io.StringIO()
    configure("debug", json=True, stream=out, secrets=[SECRET, "abc"])
    try:
        yield out
    finally:
        root.handlers, root.level = handlers, level
        logging.captureWarnings(False)
        structlog.reset_defaults()
        forget_secrets()


def lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_stdlib_loggers_share_the_json_pipeline(stream: io.StringIO) -> None:
    structlog.get_logger("switchboard.test").info("from structlog", call_id="1.1")
    logging.getLogger("aiohttp.server").error("Error handling request")
    logging.getLogger("asyncio").warning("Executing %s took %.3f seconds", "<Task>", 0.25)
    first, aio, loop = lines(stream)
    assert (first["event"], first["level"], first["call_id"]) == ("from structlog", "info", "1.1")
    assert (aio["event"], aio["level"], aio["logger"]) == (
        "Error handling request",
        "error",
        "aiohttp.server",
    )
    assert loop["event"] == "Executing <Task> took 0.250 seconds"
    assert all("timestamp" in line for line in (first, aio, loop))


def test_secrets_are_scrubbed_from_messages_fields_urls_and_tracebacks(
    stream: io.StringIO,
) -> None:
    log = structlog.get_logger("switchboard.test")
    log.info(f"login with {SECRET}", secret=SECRET, detail={"nested": [f"x{SECRET}x"]})
    log.info("store", url="postgresql://sb:hunter22@db/sb", abc="abc")  # short values are kept
    try:
        raise RuntimeError(f"refused: {SECRET}")
    except RuntimeError:
        log.exception("failed")
        logging.getLogger("aiohttp.web").exception("stdlib failed")
    text = stream.getvalue()
    assert SECRET not in text
    assert "hunter22" not in text
    first, store, failed, stdlib = lines(stream)
    assert first["event"] == f"login with {REDACTED}"
    assert first["secret"] == REDACTED
    assert first["detail"] == {"nested": [f"x{REDACTED}x"]}
    assert store["url"] == f"postgresql://sb:{REDACTED}@db/sb"
    assert store["abc"] == "abc"
    for line in (failed, stdlib):
        assert "locals" not in json.dumps(line["exception"])  # frames never carry variables
        assert REDACTED in json.dumps(line["exception"])
