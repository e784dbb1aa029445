"""Blockers and issues: blocked work, open severity-1 defects and overdue tickets (overdue
actions are in the Actions section)."""

from __future__ import annotations

from assistant.domain.report import SectionLine
from assistant.reports.sections.base import ReportSection, SectionInputs, limited


def blockers(inputs: SectionInputs) -> list[SectionLine]:
    facts = inputs.facts
    lines: list[SectionLine] = []
    for ticket in facts.blocked:
        waiting = f", waiting on {ticket.waiting_on}" if ticket.waiting_on else ""
        lines.append(inputs.ticket_line(ticket, f"{ticket.blocked_text}{waiting}"))
    for ticket in facts.open_critical:
        when = (
            f"{ticket.days_overdue} days past due {ticket.due}"
            if ticket.days_overdue is not None
            else f"due {ticket.due}"
        )
        lines.append(inputs.ticket_line(ticket, f"open severity-1, {when}"))
    overdue = [t for t in facts.overdue if t.severity_level != 1]
    lines += limited(
        [inputs.ticket_line(t, f"overdue by {t.days_overdue} days (due {t.due})") for t in overdue],
        "more overdue tickets",
    )
    return lines


SECTION = ReportSection(key="blockers", title="Blockers and issues", build=blockers)
