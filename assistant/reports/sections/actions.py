"""Actions: the meetings' open actions (overdue first), and how many older open actions no
meeting has mentioned for three weeks, as a count. An action already shown as an ask or in the
plan for next period is not repeated here (`drafting`)."""

from __future__ import annotations

from assistant.domain.report import ReportLine, SectionLine
from assistant.reports.sections.base import ReportSection, SectionInputs, limited


def actions(inputs: SectionInputs) -> list[SectionLine]:
    facts = inputs.facts
    lines: list[SectionLine] = [inputs.action_line(a) for a in inputs.actions("overdue")]
    lines += limited(
        [inputs.action_line(a) for a in inputs.actions("open")],
        "more open actions",
    )
    if facts.actions_not_followed_up:
        lines.append(
            ReportLine(
                text=f"{facts.actions_not_followed_up} older open actions have not been "
                "mentioned in any meeting for three weeks (not listed)."
            )
        )
    return lines


SECTION = ReportSection(
    key="actions", title="Actions", build=actions, empty="No open actions besides those above."
)
