"""In progress: what the period's meetings report as under way, then tickets being worked on at
the end of the period."""

from __future__ import annotations

from assistant.domain.report import SectionLine
from assistant.reports.sections.base import ReportSection, SectionInputs, limited


def in_progress(inputs: SectionInputs) -> list[SectionLine]:
    lines = inputs.progress_lines("in_progress")
    return lines + limited(
        [inputs.ticket_line(t, t.status or "in progress") for t in inputs.facts.in_progress],
        "more tickets in progress",
    )


SECTION = ReportSection(key="in_progress", title="In progress", build=in_progress)
