"""Charts as self-contained SVG: the register's 5x5 heat map (likelihood up, impact across,
entry ids in their cells) and the weekly ticket flow."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from assistant.domain.facts import WeekFlow
from assistant.domain.risk import RiskEntry

# (id, status, likelihood, impact): what a cell needs, from an entry or a report's risk line.
Plotted = tuple[str, str, int, int]

CELL = 64
MARGIN = 56
COLOURS = {"high": "#e06666", "medium": "#f6b26b", "low": "#93c47d"}
SHOWN = ("proposed", "open", "mitigating")


def band(score: int) -> str:
    """Score bands of a 5x5 matrix: 15-25 high, 8-14 medium, 1-7 low."""
    return "high" if score >= 15 else "medium" if score >= 8 else "low"


def plotted(entries: Sequence[RiskEntry]) -> list[Plotted]:
    return [(e.id, e.status, e.likelihood, e.impact) for e in entries]


def heat_map_svg(items: Sequence[Plotted], title: str = "Risk heat map") -> str:
    """Inline SVG. Suggested (not yet reviewed) entries are shown in italics with a `*`."""
    cells: dict[tuple[int, int], list[Plotted]] = {}
    for item in items:
        if item[1] in SHOWN:
            cells.setdefault((item[2], item[3]), []).append(item)
    size = MARGIN + 5 * CELL + 16
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size + 24}" '
        f'width="{size}" height="{size + 24}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        '<g font-family="sans-serif" font-size="11">',
    ]
    for likelihood in range(1, 6):
        for impact in range(1, 6):
            x = MARGIN + (impact - 1) * CELL
            y = 8 + (5 - likelihood) * CELL
            here = cells.get((likelihood, impact), [])
            parts.append(
                f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" '
                f'fill="{COLOURS[band(likelihood * impact)]}" stroke="#fff" stroke-width="2">'
                f"<title>likelihood {likelihood}, impact {impact}: {len(here)} risks</title></rect>"
            )
            for line, (risk_id, status, _, _) in enumerate(here[:4]):
                label = escape(risk_id) + ("*" if status == "proposed" else "")
                style = ' font-style="italic"' if status == "proposed" else ""
                parts.append(f'<text x="{x + 6}" y="{y + 16 + line * 13}"{style}>{label}</text>')
            if len(here) > 4:
                parts.append(f'<text x="{x + 6}" y="{y + 16 + 4 * 13}">+{len(here) - 4}</text>')
    for n in range(1, 6):
        parts.append(
            f'<text x="{MARGIN - 12}" y="{8 + (5 - n) * CELL + CELL // 2 + 4}" '
            f'text-anchor="end">{n}</text>'
        )
        parts.append(
            f'<text x="{MARGIN + (n - 1) * CELL + CELL // 2}" y="{8 + 5 * CELL + 16}" '
            f'text-anchor="middle">{n}</text>'
        )
    parts.append(
        f'<text x="14" y="{8 + 5 * CELL // 2}" transform="rotate(-90 14 {8 + 5 * CELL // 2})" '
        'text-anchor="middle">Likelihood</text>'
    )
    parts.append(
        f'<text x="{MARGIN + 5 * CELL // 2}" y="{8 + 5 * CELL + 32}" text-anchor="middle">'
        "Impact (* suggested, not yet reviewed)</text>"
    )
    parts.append("</g></svg>")
    return "".join(parts)


def flow_chart_svg(weeks: Sequence[WeekFlow]) -> str:
    """Completed and opened tickets per week as paired bars."""
    if not weeks:
        return ""
    top = max([1] + [max(w.completed, w.opened) for w in weeks])
    width, height, bar = 60 * len(weeks) + 40, 160, 18
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height + 40}' "
        "role='img' aria-label='Tickets completed and opened per week'>"
    ]
    for index, week in enumerate(weeks):
        x = 30 + index * 60
        for offset, value, fill in (
            (0, week.completed, "#2e7d32"),
            (bar + 2, week.opened, "#90a4ae"),
        ):
            h = round(value / top * (height - 20))
            parts.append(
                f"<rect x='{x + offset}' y='{height - h}' width='{bar}' height='{h}' fill='{fill}'>"
                f"<title>{escape(week.week)}: {value}</title></rect>"
            )
            parts.append(
                f"<text x='{x + offset + bar / 2}' y='{height - h - 3}' font-size='10' "
                f"text-anchor='middle'>{value}</text>"
            )
        parts.append(
            f"<text x='{x + bar}' y='{height + 14}' font-size='10' text-anchor='middle'>"
            f"{escape(week.week[-3:])}</text>"
        )
    parts.append(
        f"<text x='30' y='{height + 32}' font-size='11'><tspan fill='#2e7d32'>■</tspan> completed "
        "<tspan fill='#90a4ae'>■</tspan> opened</text></svg>"
    )
    return "".join(parts)
