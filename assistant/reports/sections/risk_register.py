"""The risk register: open and mitigating entries, and the proposals awaiting the PM's review.

The heat map of both is drawn below the proposals in the HTML report."""

from __future__ import annotations

from assistant.charts import heat_map_svg
from assistant.domain.report import RiskLine, SectionLine, StatusReport
from assistant.domain.risk import RiskEntry
from assistant.reports.sections.base import ReportSection, SectionInputs


def risk_lines(inputs: SectionInputs, entries: list[RiskEntry]) -> list[SectionLine]:
    """Register entries, highest score first, each cited to the evidence it rests on."""
    ordered = sorted(entries, key=lambda e: (-e.score, e.id))
    return [
        RiskLine(
            text=f"{entry.id} {entry.title.rstrip('. ')}: score {entry.score} (likelihood "
            f"{entry.likelihood} × impact {entry.impact}), {entry.status}.",
            citations=inputs.book.cite([item.chunk_id for item in entry.evidence]),
            risk_id=entry.id,
            status=entry.status,
            category=entry.category,
            likelihood=entry.likelihood,
            impact=entry.impact,
            score=entry.score,
            owner=entry.owner,
        )
        for entry in ordered
    ]


def accepted_risks(inputs: SectionInputs) -> list[SectionLine]:
    return risk_lines(inputs, [e for e in inputs.register if e.status in ("open", "mitigating")])


def suggested_risks(inputs: SectionInputs) -> list[SectionLine]:
    return risk_lines(inputs, [e for e in inputs.register if e.status == "proposed"])


def register_heat_map(report: StatusReport) -> str:
    plotted = [
        (line.risk_id, line.status, line.likelihood, line.impact) for line in report.risk_lines()
    ]
    return heat_map_svg(plotted) if plotted else ""


REGISTER = ReportSection(key="risk_register", title="Risk register", build=accepted_risks)
SUGGESTED = ReportSection(
    key="suggested_risks",
    title="Suggested risks (not yet reviewed)",
    build=suggested_risks,
    chart=register_heat_map,
)
