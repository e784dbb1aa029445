"""The weekly status report as a typed document: every line carries its citations."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, model_validator

from assistant.domain.evidence import Evidence, PromptRef
from assistant.domain.facts import DeliveryKpis
from assistant.domain.period import ReportPeriod
from assistant.domain.record import RecordModel

StatusColour = Literal["green", "amber", "red"]
# The report's overall status: a colour, or "not_assessed" when the record holds too few signals
# to judge by and states no status itself (never Green by default).
OverallStatus = Literal["green", "amber", "red", "not_assessed"]
STATUS_ORDER: dict[str, int] = {"not_assessed": -1, "green": 0, "amber": 1, "red": 2}
OVERALL_STATUSES: tuple[str, ...] = OverallStatus.__args__  # type: ignore[attr-defined]


def status_label(status: str) -> str:
    """`AMBER`, `NOT ASSESSED`: a status as a heading shows it."""
    return status.replace("_", " ").upper()


class ReportLine(RecordModel):
    """One statement of the report with the sources (S1, S2, …) that support it."""

    text: str
    citations: list[str] = Field(default_factory=list)
    flags: list[str] = Field(
        default_factory=list, description="Grounding problems found by the checks."
    )


class StatusReason(ReportLine):
    rule: str = Field(description="The id of the status rule that fired, e.g. 'R1'.")
    colour: OverallStatus


class StatedStatus(ReportLine):
    """The overall status the record itself states for the period (minutes, steering notes;
    never a ticket): the status the draft proposes, as the team's own judgement."""

    colour: StatusColour
    stated_on: dt.date | None = None
    meeting: str = ""


class MilestoneLine(ReportLine):
    id: str
    name: str
    baseline: dt.date | None = None
    current: dt.date | None = None
    state: Literal["achieved", "on track", "slipped", "under review"]
    slips: int = 0


class RiskLine(ReportLine):
    """An entry of the risk register as the report shows it, cited to its evidence."""

    risk_id: str
    status: str
    category: str
    likelihood: int
    impact: int
    score: int
    owner: str | None = None


class ReportDelta(RecordModel):
    """What changed since the previous report."""

    compared_with: str = Field(description="The previous report's period and where it came from.")
    previous_status: OverallStatus | None = None
    status_changed: bool = False
    status_change: ReportLine | None = None
    new_blockers: list[ReportLine] = Field(default_factory=list)
    closed_blockers: list[ReportLine] = Field(default_factory=list)
    slipped_dates: list[ReportLine] = Field(default_factory=list)


# A line of a section: a plain statement, a milestone with its dates, or a risk entry.
# (With extra fields forbidden, exactly one of the three fits any line.)
SectionLine = MilestoneLine | RiskLine | ReportLine

# Drafts saved before sections were keyed kept each section as a field of its own, in this order.
_FIELDS_BEFORE_SECTIONS = (
    "accomplishments",
    "in_progress",
    "next_period",
    "milestones",
    "blockers",
    "decisions",
    "risks",
    "risk_register",
    "suggested_risks",
    "asks",
    "budget",
)


class StatusReport(RecordModel):
    """A status report. Its body is `sections`, keyed and ordered as the report's section
    registry defines them (`assistant/reports/sections/`); the status, its reasons, the summary,
    the metrics and the delta are the parts every report has."""

    project: str
    period: ReportPeriod
    overall_status: OverallStatus
    status_reasons: list[StatusReason]
    stated_status: StatedStatus | None = Field(
        default=None, description="The status the record states for the period, if any."
    )
    rules_status: OverallStatus | None = Field(
        default=None, description="What the status rules alone find (shown beside the stated)."
    )
    status_challenge: ReportLine | None = Field(
        default=None,
        description="The rules find worse than the stated status: which rules, on what evidence. "
        "Approving needs the PM to keep or change the status, with a reason.",
    )
    executive_summary: list[ReportLine]
    sections: dict[str, list[SectionLine]] = Field(
        default_factory=dict, description="Section key -> its cited lines, in render order."
    )
    metrics: DeliveryKpis
    delta: ReportDelta | None = None
    needs_checking: list[ReportLine] = Field(
        default_factory=list,
        description="Writer sentences that failed the grounding checks: shown, never as fact.",
    )
    summary_note: str | None = Field(
        default=None,
        description="Why the summary shown is not the model's when a model was asked: shown "
        "above it.",
    )
    sources: list[Evidence] = Field(default_factory=list)
    writer: str = Field(description="'offline' or the model, e.g. 'openai:gpt-4o-mini'.")
    prompt: PromptRef | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    warnings: list[str] = Field(default_factory=list)
    created_at: dt.datetime

    @model_validator(mode="before")
    @classmethod
    def _sections_of_earlier_drafts(cls, values: Any) -> Any:
        if not isinstance(values, dict) or not any(k in values for k in _FIELDS_BEFORE_SECTIONS):
            return values
        values = dict(values)
        sections = dict(values.pop("sections", None) or {})
        for key in _FIELDS_BEFORE_SECTIONS:
            lines = values.pop(key, None)
            if key == "budget":
                lines = [lines] if lines else []
            sections.setdefault(key, lines or [])
        values["sections"] = sections
        return values

    def section(self, key: str) -> list[SectionLine]:
        """The lines of one section (none when the report does not have it)."""
        return self.sections.get(key, [])

    def risk_lines(self) -> list[RiskLine]:
        """Every register entry the report shows, in order."""
        return [
            line for lines in self.sections.values() for line in lines if isinstance(line, RiskLine)
        ]

    def lines(self) -> list[ReportLine]:
        """Every cited statement of the report, for checks."""
        found: list[ReportLine] = [*self.status_reasons, *self.executive_summary]
        for lines in self.sections.values():
            found.extend(lines)
        return found

    def source(self, citation: str) -> Evidence | None:
        return next((s for s in self.sources if s.citation == citation), None)
