"""The weekly status report as a typed document: every line carries its citations."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from assistant.facts.model import DeliveryKpis
from assistant.facts.period import ReportPeriod
from assistant.models import Evidence, PromptRef, RecordModel

StatusColour = Literal["green", "amber", "red"]
STATUS_ORDER: dict[str, int] = {"green": 0, "amber": 1, "red": 2}


class ReportLine(RecordModel):
    """One statement of the report with the sources (S1, S2, …) that support it."""

    text: str
    citations: list[str] = Field(default_factory=list)
    flags: list[str] = Field(
        default_factory=list, description="Grounding problems found by the checks."
    )


class StatusReason(ReportLine):
    rule: str = Field(description="The id of the status rule that fired, e.g. 'R1'.")
    colour: StatusColour


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
    previous_status: StatusColour | None = None
    status_changed: bool = False
    status_change: ReportLine | None = None
    new_blockers: list[ReportLine] = Field(default_factory=list)
    closed_blockers: list[ReportLine] = Field(default_factory=list)
    slipped_dates: list[ReportLine] = Field(default_factory=list)


class StatusReport(RecordModel):
    project: str
    period: ReportPeriod
    overall_status: StatusColour
    status_reasons: list[StatusReason]
    executive_summary: list[ReportLine]
    accomplishments: list[ReportLine] = Field(default_factory=list)
    in_progress: list[ReportLine] = Field(default_factory=list)
    next_period: list[ReportLine] = Field(default_factory=list)
    milestones: list[MilestoneLine] = Field(default_factory=list)
    blockers: list[ReportLine] = Field(default_factory=list)
    decisions: list[ReportLine] = Field(default_factory=list)
    risks: list[ReportLine] = Field(default_factory=list)
    risk_register: list[RiskLine] = Field(
        default_factory=list, description="Open and mitigating entries, highest score first."
    )
    suggested_risks: list[RiskLine] = Field(
        default_factory=list, description="Proposals waiting for the PM's review."
    )
    asks: list[ReportLine] = Field(default_factory=list)
    metrics: DeliveryKpis
    budget: ReportLine | None = None
    delta: ReportDelta | None = None
    needs_checking: list[ReportLine] = Field(
        default_factory=list,
        description="Writer sentences that failed the grounding checks: shown, never as fact.",
    )
    sources: list[Evidence] = Field(default_factory=list)
    writer: str = Field(description="'offline' or the model, e.g. 'openai:gpt-4o-mini'.")
    prompt: PromptRef | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    warnings: list[str] = Field(default_factory=list)
    created_at: dt.datetime

    def lines(self) -> list[ReportLine]:
        """Every cited statement of the report, for checks."""
        found: list[ReportLine] = [*self.status_reasons, *self.executive_summary]
        for section in (
            self.accomplishments,
            self.in_progress,
            self.next_period,
            self.milestones,
            self.blockers,
            self.decisions,
            self.risks,
            self.risk_register,
            self.suggested_risks,
            self.asks,
        ):
            found.extend(section)
        if self.budget:
            found.append(self.budget)
        return found

    def source(self, citation: str) -> Evidence | None:
        return next((s for s in self.sources if s.citation == citation), None)
