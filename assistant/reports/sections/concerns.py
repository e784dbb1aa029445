"""Risks and concerns the minutes of the period state, in their own words."""

from __future__ import annotations

from assistant.domain.report import SectionLine
from assistant.reports.sections.base import ReportSection, SectionInputs


def concerns(inputs: SectionInputs) -> list[SectionLine]:
    return [inputs.line(note.text, note.sources) for note in inputs.facts.concerns]


SECTION = ReportSection(key="risks", title="Risks and concerns", build=concerns)
