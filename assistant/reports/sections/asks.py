"""Asks and escalations: decisions the team needs, and open actions that ask for one."""

from __future__ import annotations

from assistant.domain.facts import ActionItemFact
from assistant.domain.report import SectionLine
from assistant.reports.sections.base import ReportSection, SectionInputs


def asks(inputs: SectionInputs) -> list[SectionLine]:
    facts = inputs.facts
    lines: list[SectionLine] = [
        inputs.line(note.text, note.sources) for note in facts.decisions_needed
    ]
    for action in inputs.actions("overdue", "open"):
        if _is_ask(action):
            lines.append(inputs.action_line(action))
    return lines


def _is_ask(action: ActionItemFact) -> bool:
    words = action.task.lower()
    return any(w in words for w in ("decide", "approve", "sign off", "sign-off", "escalat"))


SECTION = ReportSection(key="asks", title="Asks and escalations", build=asks)
