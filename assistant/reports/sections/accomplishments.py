"""Accomplishments: what the period's meetings report done (the team's own words first), tickets
completed, milestones achieved and actions done."""

from __future__ import annotations

from assistant.domain.report import SectionLine
from assistant.reports.sections.base import ReportSection, SectionInputs


def accomplishments(inputs: SectionInputs) -> list[SectionLine]:
    facts = inputs.facts
    lines: list[SectionLine] = inputs.progress_lines("done")
    lines += [inputs.ticket_line(t, f"done {t.resolved}") for t in facts.completed]
    lines += [
        inputs.line(f"{m.id} {m.name} achieved on {m.achieved}.", m.sources)
        for m in facts.milestones
        if facts.period.contains(m.achieved)
    ]
    lines += [inputs.action_line(a) for a in inputs.actions("done")]
    return lines


SECTION = ReportSection(key="accomplishments", title="Accomplishments", build=accomplishments)
