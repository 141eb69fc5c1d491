"""Inline SVG charts (no script, no external asset): calls with service level, and a heat map."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

WIDTH, HEIGHT, PAD = 720, 220, 40


def calls_and_level(
    title: str, labels: Sequence[str], calls: Sequence[int], levels: Sequence[float | None]
) -> str:
    """Bars of calls per interval (left axis) and the service level as a line (right axis, %)."""
    n = max(len(labels), 1)
    top = max([*calls, 1])
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    step = inner_w / n
    parts = [_open(title), _axes(top)]
    for i, (name, count) in enumerate(zip(labels, calls, strict=True)):
        h = inner_h * count / top
        x = PAD + i * step
        parts.append(
            f'<rect class="bar" x="{x + step * 0.1:.1f}" y="{PAD + inner_h - h:.1f}" '
            f'width="{step * 0.8:.1f}" height="{h:.1f}"><title>{escape(name)}: {count} calls'
            "</title></rect>"
        )
    points = [
        f"{PAD + (i + 0.5) * step:.1f},{PAD + inner_h * (1 - level):.1f}"
        for i, level in enumerate(levels)
        if level is not None
    ]
    if points:
        parts.append(f'<polyline class="level" points="{" ".join(points)}"/>')
    for i in _ticks(len(labels)):
        x = PAD + (i + 0.5) * step
        parts.append(
            f'<text class="tick" x="{x:.1f}" y="{HEIGHT - PAD + 14}" text-anchor="middle">'
            f"{escape(_short(labels[i]))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def heat_map(
    title: str, rows: Sequence[str], columns: Sequence[str], values: Mapping[tuple[str, str], float]
) -> str:
    """A grid of rows x columns shaded by value (darker is more), each cell labelled."""
    cell_w, cell_h, left, head = 90, 28, 110, 40
    width = left + cell_w * max(len(columns), 1) + 10
    height = head + cell_h * max(len(rows), 1) + 10
    top = max([*values.values(), 1e-9])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
        f'height="{height}" role="img"><title>{escape(title)}</title>'
    ]
    for j, col in enumerate(columns):
        x = left + j * cell_w + cell_w / 2
        parts.append(f'<text x="{x:.0f}" y="{head - 10}" text-anchor="middle">{escape(col)}</text>')
    for i, row in enumerate(rows):
        y = head + i * cell_h
        parts.append(f'<text x="{left - 6}" y="{y + 18}" text-anchor="end">{escape(row)}</text>')
        for j, col in enumerate(columns):
            value = values.get((row, col), 0.0)
            shade = 0.08 + 0.92 * value / top if value else 0.0
            parts.append(
                f'<rect x="{left + j * cell_w}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}"'
                f' fill="#1f6fb2" fill-opacity="{shade:.2f}"><title>{escape(row)} answered by '
                f"{escape(col)}: {value:.1f}</title></rect>"
                f'<text x="{left + j * cell_w + cell_w / 2:.0f}" y="{y + 18}" text-anchor="middle"'
                f' class="{"dark" if shade > 0.5 else ""}">{value:.0f}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _open(title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img">'
        f"<title>{escape(title)}</title>"
        f'<text x="{PAD}" y="20" class="caption">{escape(title)}</text>'
    )


def _axes(top: int) -> str:
    bottom, right = HEIGHT - PAD, WIDTH - PAD
    return (
        f'<line class="axis" x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{bottom}"/>'
        f'<line class="axis" x1="{PAD}" y1="{bottom}" x2="{right}" y2="{bottom}"/>'
        f'<text class="tick" x="{PAD - 4}" y="{PAD + 4}" text-anchor="end">{top}</text>'
        f'<text class="tick" x="{right + 4}" y="{PAD + 4}">100%</text>'
        f'<text class="tick" x="{right + 4}" y="{bottom}">0%</text>'
    )


def _ticks(n: int) -> range:
    return range(0, n, max(1, n // 8))


def _short(label: str) -> str:
    """`2026-10-25T02:00:00+01:00` -> `10-25 02:00`."""
    date, _, time = label.partition("T")
    return f"{date[5:]} {time[:5]}".strip()
