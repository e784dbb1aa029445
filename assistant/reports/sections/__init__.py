"""The sections of the status report, in the order they are drafted and shown.

Adding a section is one module here (a `ReportSection` with its key, title and build function)
plus one line in `SECTIONS`; drafting, the JSON, Markdown, HTML, the model's facts and the web
page follow this table.
"""

from __future__ import annotations

from assistant.domain.report import SectionLine, StatusReport
from assistant.reports.sections import (
    accomplishments,
    actions,
    asks,
    blockers,
    budget,
    concerns,
    decisions,
    in_progress,
    meetings,
    milestones,
    next_period,
    risk_register,
)
from assistant.reports.sections.base import ReportSection, SectionInputs

# The asks come first: after the status and the summary they are what a reader must act on.
SECTIONS: tuple[ReportSection, ...] = (
    asks.SECTION,
    meetings.SECTION,
    accomplishments.SECTION,
    in_progress.SECTION,
    next_period.SECTION,
    milestones.SECTION,
    blockers.SECTION,
    decisions.SECTION,
    actions.SECTION,
    concerns.SECTION,
    risk_register.REGISTER,
    risk_register.SUGGESTED,
    budget.SECTION,
)


def registered() -> tuple[ReportSection, ...]:
    """The sections as registered now (read at call time, so a test can register one more)."""
    return SECTIONS


def built(report: StatusReport) -> list[tuple[ReportSection, list[SectionLine]]]:
    """The report's sections as a reader sees them: the registered ones it holds, in registry
    order, then any other it holds (drafted when another section was registered) by its key."""
    known = registered()
    shown = [
        (section, report.sections[section.key])
        for section in known
        if section.key in report.sections
    ]
    keys = {section.key for section in known}
    shown += [
        (ReportSection(key=key, title=titled(key), build=lambda inputs: []), lines)
        for key, lines in report.sections.items()
        if key not in keys
    ]
    return shown


def titled(key: str) -> str:
    """A section's title; a key no registered section has (a draft from an older version) is
    shown as written."""
    return next((s.title for s in registered() if s.key == key), key.replace("_", " ").capitalize())


__all__ = ["SECTIONS", "ReportSection", "SectionInputs", "built", "registered", "titled"]
