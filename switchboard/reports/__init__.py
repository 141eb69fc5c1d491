"""Report figures and their renderers, shared by `switchboard report` and `switchboard simulate`.

Typical use: `text = render_report("table", "Title", figures(records, intervals, Settings(...)))`.
"""

from __future__ import annotations

from switchboard.reports.figures import Figures, ServiceFigures, Settings, figures
from switchboard.reports.html import charts, render_html
from switchboard.reports.matrix import Matrix, MatrixCell, Settlement
from switchboard.reports.operators import AgentInterval, OperatorFigures
from switchboard.reports.render import FORMATS, render_csv, render_json, render_table
from switchboard.reports.sections import Section, sections
from switchboard.reports.series import SeriesPoint

__all__ = [
    "FORMATS",
    "AgentInterval",
    "Figures",
    "Matrix",
    "MatrixCell",
    "OperatorFigures",
    "Section",
    "SeriesPoint",
    "ServiceFigures",
    "Settings",
    "Settlement",
    "charts",
    "figures",
    "render_report",
    "sections",
]


def render_report(fmt: str, title: str, fig: Figures) -> str:
    """One period's figures in `fmt` (table, csv, json or html)."""
    if fmt == "json":
        return render_json({"title": title, "figures": fig})
    if fmt == "csv":
        return render_csv(sections(fig))
    if fmt == "html":
        return render_html(title, sections(fig), charts(fig))
    if fmt == "table":
        return render_table(title, sections(fig, with_series=False))
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")
