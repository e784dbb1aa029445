"""The 5x5 heat map of the register: likelihood up, impact across, entry ids in their cells."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from assistant.risks.schema import RiskEntry

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
