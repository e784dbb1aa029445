"""The facts of a reporting period, computed by code from the parsed record.

Every fact names the chunks it comes from (`sources`, chunk ids), so a report can cite it with
a locator a person can open. Numbers here are counted, never written by a model.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from assistant.domain.period import ReportPeriod
from assistant.domain.record import RecordModel


class Sourced(RecordModel):
    sources: list[str] = Field(default_factory=list, description="Chunk ids that state the fact.")


class TicketFact(Sourced):
    key: str
    summary: str
    type: str | None = None
    status: str | None = None
    priority: str | None = None
    severity: str | None = None
    severity_level: int | None = Field(default=None, description="1 = critical / Sev-1.")
    assignee: str | None = None
    created: dt.date | None = None
    resolved: dt.date | None = None
    due: dt.date | None = None
    days_overdue: int | None = None
    blocked: bool = False
    blocked_since: dt.date | None = Field(
        default=None, description="When the block began, if the export says (Jira does)."
    )
    blocked_days: int | None = None
    waiting_on: str | None = Field(default=None, description="Who the ticket waits for, if said.")

    @property
    def blocked_text(self) -> str:
        """'blocked since 2026-11-04 (11 days)', or that the tracker does not say since when."""
        if self.blocked_since is None:
            return "blocked (the tracker does not say since when)"
        days = self.blocked_days or 0
        return f"blocked since {self.blocked_since} ({days} day{'s' if days != 1 else ''})"


class ActionItemFact(Sourced):
    task: str
    owner: str | None = None
    due: dt.date | None = None
    state: Literal["open", "overdue", "done"]
    raised_on: dt.date | None = Field(default=None, description="The meeting that first noted it.")
    done_on: dt.date | None = Field(default=None, description="The meeting that ticked it off.")


class DecisionFact(Sourced):
    id: str | None = None
    text: str
    date: dt.date | None = None
    decided_by: list[str] = Field(default_factory=list)
    origin: Literal["decision log", "minutes"]


class MilestoneFact(Sourced):
    id: str
    name: str
    baseline: dt.date | None = None
    current: dt.date | None = Field(default=None, description="The latest forecast or actual.")
    achieved: dt.date | None = None
    under_review: bool = False
    forecasts: list[dt.date] = Field(
        default_factory=list, description="Each forecast date as stated, oldest first."
    )
    slips: int = Field(default=0, description="How many times the forecast moved later.")
    slipped_in_period: bool = False
    slip_days_in_period: int = Field(default=0, description="How far it moved in the period.")
    stated_on: dt.date | None = None

    @property
    def days_late(self) -> int | None:
        if self.baseline and self.current:
            return (self.current - self.baseline).days
        return None


class BudgetFact(Sourced):
    stated_on: dt.date | None
    currency: str
    spend_to_date: float
    approved: float
    forecast_at_completion: float | None = None
    variance_percent: float | None = None
    text: str


class StatedStatusFact(Sourced):
    colour: Literal["green", "amber", "red"]
    stated_on: dt.date | None
    meeting: str


class NoteFact(Sourced):
    """A line of minutes kept as is: a concern, a risk, a decision still needed."""

    text: str
    date: dt.date | None = None


class ProgressFact(Sourced):
    """An item a meeting of the period reports under Done / In progress / New (or the like), in
    the team's own words."""

    text: str
    state: Literal["done", "in_progress", "new"]
    owner: str | None = None
    date: dt.date | None = None
    meeting: str = Field(default="", description="The title of the meeting that reports it.")


class MeetingFact(Sourced):
    """A meeting held in the period and how much it reports."""

    title: str
    date: dt.date | None = None
    done: int = 0
    in_progress: int = 0
    new: int = 0
    decisions: int = 0
    actions: int = 0
    team_update: bool = Field(
        default=False, description="A status or update note of the team (surfaces first)."
    )

    @property
    def label(self) -> str:
        """`Platform sync (2026-11-03)`; a title that already holds its date is shown as is."""
        return self.title if str(self.date) in self.title else f"{self.title} ({self.date})"


class WeekFlow(RecordModel):
    week: str
    completed: int
    opened: int


class DeliveryKpis(RecordModel):
    throughput: list[WeekFlow] = Field(default_factory=list, description="Oldest week first.")
    due_in_period: int = 0
    done_on_time_in_period: int = 0
    on_time_share: float | None = Field(
        default=None, description="Of tickets done in the period that had a due date."
    )
    on_time_share_to_date: float | None = None
    baseline_date: dt.date | None = None
    scope_items_at_baseline: int = 0
    scope_items_added: int = 0
    scope_added_keys: list[str] = Field(default_factory=list)
    change_requests: list[str] = Field(default_factory=list)
    open_defects_by_severity: dict[str, int] = Field(default_factory=dict)
    open_items_by_age: dict[str, int] = Field(default_factory=dict)
    tickets_considered: int = 0

    @property
    def scope_change_percent(self) -> float | None:
        if not self.scope_items_at_baseline:
            return None
        return self.scope_items_added / self.scope_items_at_baseline * 100


class PeriodFacts(RecordModel):
    project: str
    period: ReportPeriod
    completed: list[TicketFact] = Field(default_factory=list)
    opened: list[TicketFact] = Field(default_factory=list)
    in_progress: list[TicketFact] = Field(default_factory=list)
    overdue: list[TicketFact] = Field(default_factory=list)
    blocked: list[TicketFact] = Field(default_factory=list)
    open_critical: list[TicketFact] = Field(default_factory=list)
    due_next_period: list[TicketFact] = Field(default_factory=list)
    milestones: list[MilestoneFact] = Field(default_factory=list)
    decisions: list[DecisionFact] = Field(default_factory=list)
    decisions_needed: list[NoteFact] = Field(default_factory=list)
    action_items: list[ActionItemFact] = Field(default_factory=list)
    actions_not_followed_up: int = Field(
        default=0, description="Open actions no meeting has mentioned for three weeks."
    )
    budget: BudgetFact | None = None
    stated_status: StatedStatusFact | None = None
    concerns: list[NoteFact] = Field(default_factory=list)
    meetings: list[str] = Field(default_factory=list, description="Meetings held in the period.")
    meetings_held: list[MeetingFact] = Field(
        default_factory=list, description="The meetings of the period, team updates first."
    )
    progress: list[ProgressFact] = Field(
        default_factory=list, description="What the period's meetings report, team updates first."
    )
    kpis: DeliveryKpis = Field(default_factory=DeliveryKpis)
    record_ends: dt.date | None = Field(default=None, description="The newest dated item.")

    @property
    def has_tickets(self) -> bool:
        """Whether the record holds a ticket export at all (else ticket sections say so)."""
        return self.kpis.tickets_considered > 0

    @property
    def has_activity(self) -> bool:
        return bool(self.completed or self.opened or self.meetings or self.decisions)
