"""Milestones: each with its baseline, its current date and whether it slipped."""

from __future__ import annotations

from assistant.domain.facts import MilestoneFact
from assistant.domain.report import MilestoneLine, SectionLine
from assistant.reports.sections.base import ReportSection, SectionInputs


def milestones(inputs: SectionInputs) -> list[SectionLine]:
    lines: list[SectionLine] = []
    for milestone in inputs.facts.milestones:
        state, text = milestone_state(milestone)
        lines.append(
            MilestoneLine(
                text=text,
                citations=inputs.book.cite(milestone.sources),
                id=milestone.id,
                name=milestone.name,
                baseline=milestone.baseline,
                current=milestone.current,
                state=state,
                slips=milestone.slips,
            )
        )
    return lines


def milestone_state(milestone: MilestoneFact) -> tuple[str, str]:
    label = f"{milestone.id} {milestone.name}"
    if milestone.achieved:
        late = (
            f", {(milestone.achieved - milestone.baseline).days} days after its baseline "
            f"{milestone.baseline}"
            if milestone.baseline and milestone.achieved > milestone.baseline
            else ""
        )
        return "achieved", f"{label}: achieved {milestone.achieved}{late}."
    if milestone.under_review:
        return "under review", f"{label}: date under review (baseline {milestone.baseline})."
    if milestone.baseline and milestone.current and milestone.current > milestone.baseline:
        times = "once" if milestone.slips == 1 else f"{milestone.slips} times"
        return "slipped", (
            f"{label}: forecast {milestone.current}, baseline {milestone.baseline} "
            f"(slipped {times})."
        )
    return "on track", f"{label}: forecast {milestone.current or milestone.baseline}, on baseline."


SECTION = ReportSection(key="milestones", title="Milestones", build=milestones)
