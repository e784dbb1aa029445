"""Meetings held: each meeting of the period (the team's own status or update notes first) and
how much it reports: items done, in progress and new, decisions and actions."""

from __future__ import annotations

from assistant.domain.facts import MeetingFact
from assistant.domain.report import SectionLine
from assistant.reports.sections.base import ReportSection, SectionInputs


def meetings(inputs: SectionInputs) -> list[SectionLine]:
    return [inputs.line(_meeting_text(m), m.sources) for m in inputs.facts.meetings_held]


def _meeting_text(meeting: MeetingFact) -> str:
    counts = [
        (meeting.done, "done"),
        (meeting.in_progress, "in progress"),
        (meeting.new, "new"),
        (meeting.decisions, "decision" if meeting.decisions == 1 else "decisions"),
        (meeting.actions, "action" if meeting.actions == 1 else "actions"),
    ]
    said = ", ".join(f"{number} {what}" for number, what in counts if number)
    return f"{meeting.label}: {said or 'no items recorded'}."


SECTION = ReportSection(
    key="meetings", title="Meetings held", build=meetings, empty="No meeting in this period."
)
