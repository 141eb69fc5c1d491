"""One self-contained HTML page: the sections as tables, with inline SVG charts (opens offline)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from switchboard.reports.figures import Figures
from switchboard.reports.sections import Section
from switchboard.reports.svg import calls_and_level, heat_map

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:2px 8px;text-align:right}
th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}
.chart{display:block;margin:.5em 0}
.bar{fill:#9cc3e6}.level{fill:none;stroke:#c0392b;stroke-width:2}
.axis{stroke:#555}.tick{font-size:10px;fill:#555}.caption{font-size:12px;fill:#222}
.dark{fill:#fff}
"""


def render_html(title: str, sections: Sequence[Section], charts: Sequence[tuple[str, str]]) -> str:
    """The page: title, charts (heading, inline SVG), then one table per section."""
    body = [f"<h1>{escape(title)}</h1>"]
    for heading, svg in charts:
        body.append(f"<h2>{escape(heading)}</h2>{svg}")
    for s in sections:
        body.append(f'<h2 id="{escape(s.name)}">{escape(s.title)}</h2>')
        if not s.rows:
            body.append("<p>(none)</p>")
            continue
        head = "".join(f"<th>{escape(c)}</th>" for c in s.columns)
        rows = "".join(
            "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in s.rows
        )
        body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def charts(fig: Figures, label: str = "") -> list[tuple[str, str]]:
    """Calls and service level per interval for each tenant, and the matrix as a heat map."""
    prefix = f"{label}: " if label else ""
    out = []
    for tenant in sorted({p.tenant for p in fig.series}):
        points = [p for p in fig.series if p.tenant == tenant]
        if not any(p.offered for p in points):
            continue
        title = f"{prefix}{tenant}: calls (bars) and service level (line) per {fig.interval}"
        svg = calls_and_level(
            title,
            [p.start for p in points],
            [p.offered for p in points],
            [p.service_level for p in points],
        )
        out.append((f"{prefix}{tenant}", svg))
    cells = fig.matrix.cells
    if cells:
        rows = sorted({c.tenant for c in cells})
        cols = sorted({c.home for c in cells})
        minutes = {(c.tenant, c.home): c.minutes for c in cells}
        title = f"{prefix}handled minutes: tenant's calls (rows) by operators' home (columns)"
        out.append((f"{prefix}answered-by matrix", heat_map(title, rows, cols, minutes)))
    return out
