"""Check MQTT payloads against the JSON Schema files in docs/schemas (as a consumer would)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMAS = Path(__file__).resolve().parents[1] / "docs" / "schemas"
KINDS = (
    (re.compile(r"/engine/status$"), "engine-status"),
    (re.compile(r"/engine/config$"), "engine-config"),
    (re.compile(r"/overview/state$"), "overview-state"),
    (re.compile(r"/tenant/[^/]+/state$"), "tenant-state"),
    (re.compile(r"/queue/[^/]+/state$"), "queue-state"),
    (re.compile(r"/agent/[^/]+/state$"), "agent-state"),
    (re.compile(r"/events/call/[^/]+/[a-z_]+$"), "call-event"),
)


@cache
def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_for(topic: str) -> str:
    """The schema file stem for a topic of the tree in docs/events.md."""
    for pattern, name in KINDS:
        if pattern.search(topic):
            return name
    raise AssertionError(f"topic outside the documented tree: {topic}")


def check_payload(topic: str, payload: bytes) -> Any:
    """Validate one message (an empty retained payload clears a topic: nothing to check)."""
    name = schema_for(topic)
    if not payload:
        return None
    value: Any = payload.decode() if name == "engine-status" else json.loads(payload)
    validator(name).validate(value)
    return value
