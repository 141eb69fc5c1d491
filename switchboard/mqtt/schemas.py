"""JSON Schemas of every MQTT payload, generated from the models (kept in docs/schemas/).

Regenerate: `python -m switchboard.mqtt.schemas docs/schemas`; `--check` fails on a difference.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from switchboard.views.events import CallEvent
from switchboard.views.models import AgentView, ConfigReport, Overview, QueueView, TenantView

DRAFT = "https://json-schema.org/draft/2020-12/schema"
MODELS: dict[str, type[BaseModel]] = {
    "overview-state": Overview,
    "tenant-state": TenantView,
    "queue-state": QueueView,
    "agent-state": AgentView,
    "call-event": CallEvent,
    "engine-config": ConfigReport,
}
ENGINE_STATUS: dict[str, Any] = {
    "title": "EngineStatus",
    "description": "Plain text, not JSON: `online` while connected, `offline` at stop or as the "
    "broker's last will when the engine vanished.",
    "type": "string",
    "enum": ["online", "offline"],
}


def schemas() -> dict[str, dict[str, Any]]:
    """Every payload's schema by file stem (draft 2020-12)."""
    out = {name: model.model_json_schema(mode="serialization") for name, model in MODELS.items()}
    out["engine-status"] = dict(ENGINE_STATUS)
    return {name: {"$schema": DRAFT, "$id": f"{name}.json", **s} for name, s in out.items()}


def render(schema: dict[str, Any]) -> str:
    """The file text of one schema (two-space indent, final newline)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the schemas into a folder, or with --check report files that differ (exit 1)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    stale = []
    for name, schema in schemas().items():
        path = args.folder / f"{name}.json"
        text = render(schema)
        if args.check:
            if not path.is_file() or path.read_text() != text:
                stale.append(str(path))
        else:
            args.folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    for path in stale:
        print(f"{path}: differs from the models (regenerate it)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
