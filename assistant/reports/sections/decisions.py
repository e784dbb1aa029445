"""Decisions taken in the period, from the decision log and the minutes."""

from __future__ import annotations

from assistant.domain.report import SectionLine
from assistant.reports.sections.base import ReportSection, SectionInputs


def decisions(inputs: SectionInputs) -> list[SectionLine]:
    lines: list[SectionLine] = []
    for decision in inputs.facts.decisions:
        label = f"{decision.id}: " if decision.id else ""
        by = f" (decided by {', '.join(decision.decided_by)})" if decision.decided_by else ""
        lines.append(
            inputs.line(
                f"{decision.date}: {label}{decision.text.rstrip('. ')}{by}.", decision.sources
            )
        )
    return lines


SECTION = ReportSection(key="decisions", title="Decisions", build=decisions)
