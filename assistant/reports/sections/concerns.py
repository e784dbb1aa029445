"""Risks and concerns the minutes of the period state, in their own words: without a template's
empty slot ("None at this time") or a short concern tag most meetings of the series repeat."""

from __future__ import annotations

from assistant.domain.report import SectionLine
from assistant.reports.noise import concern_key, says_nothing
from assistant.reports.sections.base import ReportSection, SectionInputs


def concerns(inputs: SectionInputs) -> list[SectionLine]:
    return [
        inputs.line(note.text, note.sources)
        for note in inputs.facts.concerns
        if not says_nothing(note.text) and concern_key(note.text) not in inputs.standing_concerns
    ]


SECTION = ReportSection(key="risks", title="Risks and concerns", build=concerns)
