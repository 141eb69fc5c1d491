"""Text renderers of report sections: an aligned table, CSV blocks, and JSON of any figures."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from switchboard.reports.sections import Section

FORMATS = ("table", "csv", "json", "html")


def render_table(title: str, sections: Sequence[Section]) -> str:
    """Aligned plain-text tables under a title (numbers right-aligned)."""
    lines = [title, "=" * len(title)]
    for s in sections:
        lines += ["", s.title, "-" * len(s.title)]
        if not s.rows:
            lines.append("(none)")
            continue
        widths = [max(len(c), *(len(r[i]) for r in s.rows)) for i, c in enumerate(s.columns)]
        lines.append("  ".join(c.ljust(w) for c, w in zip(s.columns, widths, strict=True)).rstrip())
        for row in s.rows:
            cells = (
                cell.rjust(w) if _numeric(cell) else cell.ljust(w)
                for cell, w in zip(row, widths, strict=True)
            )
            lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def render_csv(sections: Sequence[Section]) -> str:
    """One CSV block per section, separated by a blank line; each row starts with the section."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for i, s in enumerate(sections):
        if i:
            out.write("\n")
        writer.writerow(("section", *s.columns))
        writer.writerows((s.name, *row) for row in s.rows)
    return out.getvalue()


def render_json(value: object) -> str:
    """Figures (dataclasses, tuples, mappings) as indented JSON."""
    return json.dumps(jsonable(value), ensure_ascii=False, indent=2) + "\n"


def jsonable(value: object) -> Any:
    """Plain JSON data from dataclasses, mappings and sequences (floats kept as they are)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, float):
        return round(value, 6)
    return value


def _numeric(cell: str) -> bool:
    text = cell.rstrip("%").lstrip("+-")
    return bool(text) and text.replace(".", "", 1).isdigit()
