"""Plan for the next period: milestones, actions and tickets due in it, then the new or upcoming
work the period's meetings list."""

from __future__ import annotations

from assistant.domain.report import SectionLine
from assistant.reports.sections.base import ReportSection, SectionInputs, limited


def next_period(inputs: SectionInputs) -> list[SectionLine]:
    facts = inputs.facts
    following = facts.period.next()
    lines: list[SectionLine] = [
        inputs.line(f"{m.id} {m.name} is due on {m.current}.", m.sources)
        for m in facts.milestones
        if not m.achieved and following.contains(m.current)
    ]
    lines += [inputs.action_line(a) for a in inputs.actions("open") if following.contains(a.due)]
    lines += limited(
        [inputs.ticket_line(t, f"due {t.due}") for t in facts.due_next_period],
        "more tickets due",
    )
    # What the meetings list as new or upcoming work comes after the dated commitments.
    return lines + inputs.progress_lines("new")


SECTION = ReportSection(key="next_period", title="Plan for next period", build=next_period)
