"""Domain types of the project record: documents, tickets, decisions, meetings and their chunks."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

PROJECT_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")

MetadataValue = str | int | float | bool


class Kind(StrEnum):
    """What a document is in the project record."""

    MINUTES = "minutes"
    TICKET = "ticket"
    DECISION = "decision"


class StatusCategory(StrEnum):
    """Tracker-independent state of a ticket."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class RecordModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Locator(RecordModel):
    """Where a piece of text sits in its source, precise enough for a person to find it."""

    source: str
    heading: str | None = None
    line_start: int | None = None
    line_end: int | None = None
    line_unit: Literal["line", "paragraph"] = "line"
    row: int | None = None
    ticket_key: str | None = None
    time_start: str | None = None
    time_end: str | None = None

    def label(self) -> str:
        """A one-line human reference: `minutes/w46.md › Action items, lines 41–48`, or for a
        ticket `HBR-48 · tickets/export.csv, row 13`."""
        parts = [f"{self.ticket_key} · {self.source}" if self.ticket_key else self.source]
        if self.heading:
            parts.append(f" › {self.heading}")
        details: list[str] = []
        if self.row is not None:
            details.append(f"row {self.row}")
        if self.time_start:
            span = (
                self.time_start
                if self.time_end in (None, self.time_start)
                else (f"{self.time_start}–{self.time_end}")
            )
            details.append(span)
        if self.line_start is not None:
            unit = "paragraph" if self.line_unit == "paragraph" else "line"
            if self.line_end is not None and self.line_end != self.line_start:
                details.append(f"{unit}s {self.line_start}–{self.line_end}")
            else:
                details.append(f"{unit} {self.line_start}")
        if details:
            parts.append(", " + ", ".join(details))
        return "".join(parts)


class ActionItem(RecordModel):
    """An action recorded in minutes: who does what by when, and whether it is ticked off."""

    task: str
    owner: str | None = None
    due: dt.date | None = None
    done: bool = False
    line: int | None = None
    section: str | None = None


class MinutesNote(RecordModel):
    """One line of minutes worth keeping on its own (a decision or a concern) with its line."""

    text: str
    line: int | None = None


ProgressState = Literal["done", "in_progress", "new"]


class ProgressItem(RecordModel):
    """Work a meeting reports on under Done / In progress / New items (or the like): what, its
    state, and who carries it where the minutes say."""

    text: str
    state: ProgressState
    owner: str | None = None
    line: int | None = None
    section: str | None = None


class MilestoneNote(RecordModel):
    """What one line of minutes states about a milestone: its dates as written on that day."""

    id: str = Field(description="The milestone's short id, e.g. 'M4'.")
    name: str
    baseline: dt.date | None = None
    forecast: dt.date | None = None
    achieved: dt.date | None = None
    under_review: bool = False
    status: str | None = None
    line: int | None = None


class BudgetNote(RecordModel):
    """A budget line the minutes state, e.g. spend to date of approved, forecast at completion."""

    currency: str
    spend_to_date: float
    approved: float
    forecast_at_completion: float | None = None
    text: str
    line: int | None = None

    @property
    def forecast_variance_percent(self) -> float | None:
        """Forecast at completion against the approved budget; positive means over."""
        if self.forecast_at_completion is None or not self.approved:
            return None
        return (self.forecast_at_completion - self.approved) / self.approved * 100


class Meeting(RecordModel):
    record_type: Literal["meeting"] = "meeting"
    title: str
    date: dt.date | None = None
    attendees: list[str] = Field(default_factory=list)
    decisions: list[MinutesNote] = Field(default_factory=list)
    action_items: list[ActionItem] = Field(default_factory=list)
    concerns: list[MinutesNote] = Field(default_factory=list)
    progress: list[ProgressItem] = Field(default_factory=list)
    stated_status: str | None = Field(
        default=None, description="The overall status the minutes state, e.g. 'amber'."
    )
    stated_status_line: int | None = None
    milestones: list[MilestoneNote] = Field(default_factory=list)
    budget: list[BudgetNote] = Field(default_factory=list)
    transcript: bool = False


class TicketLink(RecordModel):
    relation: str  # e.g. "blocks", "is blocked by", "relates to"
    key: str


class TicketComment(RecordModel):
    author: str | None = None
    created: dt.datetime | None = None
    body: str


# Statuses that mean work cannot go on; a flagged ticket (Jira's "Impediment") is blocked too.
BLOCKED_STATUSES = {"blocked", "impediment"}


def blocked_state(status: str | None, flagged: bool) -> bool:
    return flagged or (status or "").strip().lower() in BLOCKED_STATUSES


class StatusChange(RecordModel):
    """One change of a ticket's status or flag, from the tracker's history (Jira's changelog)."""

    at: dt.datetime
    field: Literal["status", "flagged"]
    before: str | None = None
    after: str | None = None


class Ticket(RecordModel):
    record_type: Literal["ticket"] = "ticket"
    key: str
    summary: str
    type: str | None = None
    status: str | None = None
    status_category: StatusCategory = StatusCategory.TODO
    priority: str | None = None
    severity: str | None = None
    assignee: str | None = None
    reporter: str | None = None
    created: dt.datetime | None = None
    updated: dt.datetime | None = None
    resolved: dt.datetime | None = None
    due: dt.date | None = None
    labels: list[str] = Field(default_factory=list)
    sprint: str | None = Field(default=None, description="The latest sprint the ticket is in.")
    sprints: list[str] = Field(default_factory=list)
    description: str = ""
    links: list[TicketLink] = Field(default_factory=list)
    parent: str | None = None
    resolution: str | None = None
    flagged: bool = False
    story_points: float | None = None
    watchers: list[str] = Field(default_factory=list)
    comments: list[TicketComment] = Field(default_factory=list)
    status_category_changed: dt.datetime | None = None
    url: str | None = None
    history: list[StatusChange] | None = Field(
        default=None,
        description="Status and flag changes, oldest first, when the tracker gives them (a "
        "synced Jira issue's changelog); None when it does not (exports).",
    )
    history_complete: bool = Field(
        default=True, description="False when the tracker cut the history short (oldest lost)."
    )

    def state_on(self, day: dt.date) -> tuple[str | None, bool]:
        """Status and flag at the end of `day`: today's, with later changes undone."""
        status, flagged = self.status, self.flagged
        for change in reversed(self.history or []):
            if change.at.date() <= day:
                break
            if change.field == "status":
                status = change.before
            else:
                flagged = bool(change.before)
        return status, flagged

    def blocked_since(self, day: dt.date) -> dt.datetime | None:
        """When the blocked spell that holds at the end of `day` began, from the history.

        None when the ticket was not blocked then, or when the history does not say (no
        history, or one cut short before the spell began)."""
        if self.history is None:
            return None
        status, flagged = self.state_on(day)
        if not blocked_state(status, flagged):
            return None
        for change in reversed([c for c in self.history if c.at.date() <= day]):
            if change.field == "status":
                status = change.before
            else:
                flagged = bool(change.before)
            if not blocked_state(status, flagged):
                return change.at
        # Blocked through the whole history: since it was created, if the history is whole.
        return self.created if self.history_complete else None

    def status_since(self) -> dt.datetime | None:
        """Since when the ticket has its current status: exact from the history, otherwise
        the status category's last change (which misses moves inside one category)."""
        if self.history is not None:
            moves = [c.at for c in self.history if c.field == "status"]
            if moves:
                return moves[-1]
            if self.history_complete:
                return self.created
        return self.status_category_changed


class Decision(RecordModel):
    record_type: Literal["decision"] = "decision"
    id: str
    title: str
    date: dt.date | None = None
    date_precision: Literal["day", "month", "year"] = Field(
        default="day", description="How much of `date` the record states ('2022-09': month)."
    )
    status: str | None = None
    deciders: list[str] = Field(default_factory=list)
    context: str = ""
    outcome: str = ""
    consequences: str = ""


ProjectRecord = Annotated[Meeting | Ticket | Decision, Field(discriminator="record_type")]


class Document(RecordModel):
    """One item of the project record, with a stable id across re-ingests."""

    id: str
    project: str
    kind: Kind
    title: str
    date: dt.date | None = None
    people: list[str] = Field(default_factory=list)
    source: str = Field(description="Path of the source file as ingested, relative when possible.")
    url: str | None = None
    content_hash: str = ""
    metadata: dict[str, MetadataValue] = Field(default_factory=dict)
    record: ProjectRecord


class Chunk(RecordModel):
    """A retrievable piece of a document, small enough to embed whole."""

    id: str
    document_id: str
    seq: int
    text: str
    token_count: int
    locator: Locator
    metadata: dict[str, MetadataValue] = Field(default_factory=dict)


def chunk_metadata_date(value: dt.date | None) -> int | None:
    """Dates go into the vector store as YYYYMMDD integers so range filters work."""
    return None if value is None else value.year * 10000 + value.month * 100 + value.day


def date_from_chunk_metadata(value: object) -> dt.date | None:
    """The inverse of `chunk_metadata_date`."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return dt.date(value // 10000, value // 100 % 100, value % 100)
    return None
