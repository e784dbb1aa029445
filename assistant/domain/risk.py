"""Risk-register entries and the proposals pmassist makes for them (PMBOK / ISO 31000 fields).

A proposal is what a writer (the offline rules or a model) suggests from the record's signals;
an entry is what the register holds once a proposal is stored, with its id, status and history.
Likelihood and impact are 1-5; the score is their product and is always computed by code.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import Field, computed_field, field_validator, model_validator

from assistant.domain.evidence import PromptRef
from assistant.domain.record import Locator, RecordModel

RiskCategory = Literal[
    "schedule",
    "budget",
    "resource",
    "scope",
    "technical",
    "vendor/external",
    "compliance/security",
    "quality",
]
CATEGORIES: tuple[str, ...] = RiskCategory.__args__  # type: ignore[attr-defined]
ResponseStrategy = Literal["avoid", "mitigate", "transfer", "accept", "escalate"]
RESPONSES: tuple[str, ...] = ResponseStrategy.__args__  # type: ignore[attr-defined]
RiskStatus = Literal["proposed", "open", "mitigating", "closed", "rejected"]
STATUSES: tuple[str, ...] = RiskStatus.__args__  # type: ignore[attr-defined]
Confidence = Literal["low", "medium", "high"]
Trend = Literal["new", "persistent", "escalated", "reduced"]

# Fields a PM may change by editing an entry (status changes go through accept/reject/move).
EDITABLE_FIELDS = (
    "title",
    "cause",
    "event",
    "effect",
    "category",
    "likelihood",
    "impact",
    "proximity_date",
    "owner",
    "response",
    "mitigation",
    "trigger",
)


def _printable(text: str) -> str:
    # Control characters have no place in a register (and a spreadsheet refuses them).
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)


class RiskEvidence(RecordModel):
    """A piece of the record a risk rests on, kept with the entry so it stays readable."""

    chunk_id: str
    document_id: str
    locator: Locator
    excerpt: str = Field(description="The words of the source that show the signal.")
    date: dt.date | None = None

    @property
    def label(self) -> str:
        return self.locator.label()


class RiskFields(RecordModel):
    """The assessable content of a risk, shared by proposals and register entries."""

    title: str = Field(min_length=3, max_length=160)
    cause: str = Field(min_length=3, description="Why it could happen (the condition now).")
    event: str = Field(min_length=3, description="What could happen.")
    effect: str = Field(min_length=3, description="What it would do to the project.")
    category: RiskCategory
    likelihood: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    proximity_date: dt.date | None = Field(
        default=None, description="When the risk would hit, if the record says."
    )
    owner: str | None = None
    response: ResponseStrategy
    mitigation: list[str] = Field(default_factory=list, max_length=6)
    trigger: str = Field(min_length=3, description="The early-warning sign to watch.")

    @model_validator(mode="before")
    @classmethod
    def _score_is_derived(cls, values: Any) -> Any:
        # The score is written out with the entry but always recomputed on the way in.
        if isinstance(values, dict):
            values = {key: value for key, value in values.items() if key != "score"}
        return values

    # Before the length checks, so that what is checked is what is stored.
    @field_validator("title", "cause", "event", "effect", "trigger", mode="before")
    @classmethod
    def _one_line(cls, value: Any) -> Any:
        return " ".join(_printable(value).split()) if isinstance(value, str) else value

    @field_validator("mitigation", mode="before")
    @classmethod
    def _printable_steps(cls, steps: Any) -> Any:
        if not isinstance(steps, list):
            return steps
        return [" ".join(_printable(s).split()) if isinstance(s, str) else s for s in steps]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def description(self) -> str:
        """Cause -> event -> effect, as one reads it in a register."""
        return f"{self.cause} → {self.event} → {self.effect}"


class RiskProposal(RiskFields):
    """A suggested register entry, with its evidence and what in it is inferred."""

    signal_key: str = Field(description="The signal it comes from, e.g. 'vendor:payflow'.")
    evidence: list[RiskEvidence] = Field(min_length=1)
    inferred: dict[str, str] = Field(
        default_factory=dict,
        description="Field -> why it is an inference rather than a stated fact.",
    )
    confidence: Confidence
    proposed_by: str = Field(description="'offline' or the model, e.g. 'openai:gpt-4o-mini'.")


class RiskChange(RecordModel):
    """One row of an entry's history: who changed what, when and why."""

    at: dt.datetime
    actor: str
    action: str
    changes: dict[str, list[object]] = Field(
        default_factory=dict, description="Field -> [before, after]."
    )
    reason: str | None = None


class RiskEntry(RiskFields):
    """An entry of the project's risk register."""

    id: str = Field(pattern=r"^R-\d{3,}$")
    project: str
    status: RiskStatus
    signal_key: str
    evidence: list[RiskEvidence] = Field(default_factory=list)
    inferred: dict[str, str] = Field(default_factory=dict)
    confidence: Confidence = "medium"
    proposed_by: str
    trend: Trend = "new"
    signal_score: int | None = Field(
        default=None, description="The score the latest signal suggested (PM scores stay)."
    )
    first_seen: dt.date | None = Field(
        default=None, description="End of the period in which it was first proposed."
    )
    last_seen: dt.date | None = Field(default=None, description="End of the latest period seen.")
    edited: bool = Field(
        default=False, description="A person changed its fields: suggestion runs no longer do."
    )
    created_at: dt.datetime
    updated_at: dt.datetime
    history: list[RiskChange] = Field(default_factory=list)


class DroppedProposal(RecordModel):
    """A proposal that failed validation: never stored, always explained."""

    signal_key: str
    title: str
    reasons: list[str]


class SuggestionOutcome(RecordModel):
    """What happened to one proposal of a suggestion run."""

    risk_id: str
    action: Literal["proposed", "updated", "linked", "reproposed", "unchanged"]
    trend: Trend
    title: str
    score: int
    category: RiskCategory


class RiskSuggestionRun(RecordModel):
    """One `risks suggest`: the signals found, what was proposed, linked, dropped, held back."""

    project: str
    period_label: str
    period_start: dt.date
    period_end: dt.date
    writer: str
    prompt: PromptRef | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    signals: list[str] = Field(default_factory=list, description="Signal keys found.")
    outcomes: list[SuggestionOutcome] = Field(default_factory=list)
    dropped: list[DroppedProposal] = Field(default_factory=list)
    suppressed: list[str] = Field(
        default_factory=list, description="Rejected entries seen again without new evidence."
    )
    warnings: list[str] = Field(default_factory=list)
    created_at: dt.datetime


class ProposalDraft(RecordModel):
    """What a writer returns for one signal, before validation: loosely typed on purpose, so a
    bad value (a likelihood of 7, an unknown category) is caught and explained per proposal."""

    signal: str = Field(description="The key of the signal it answers.")
    title: str
    cause: str
    event: str
    effect: str
    category: str
    likelihood: int
    impact: int
    proximity_date: str | None = None
    owner: str | None = None
    response: str
    mitigation: list[str]
    trigger: str
    citations: list[str]
    confidence: str
    inferred: dict[str, str] = Field(default_factory=dict)


# Which status a PM may move an entry to from each status. `rejected -> proposed` also happens
# when a suggestion run brings new evidence for a rejected entry.
TRANSITIONS: dict[str, set[str]] = {
    "proposed": {"open", "mitigating", "rejected"},
    "open": {"mitigating", "closed"},
    "mitigating": {"open", "closed"},
    "closed": {"open"},
    "rejected": {"proposed"},
}
NEEDS_REASON = {"rejected", "closed"}


# Fields whose words may come from the record. What a PM types is kept in the history as typed;
# what a suggestion run writes is not (`quote_text=False`): the history only says it changed.
TEXT_FIELDS = {"title", "cause", "event", "effect", "mitigation", "trigger", "inferred"}


def apply_fields(
    entry: RiskEntry, updates: dict[str, Any], *, quote_text: bool = True
) -> dict[str, list[object]]:
    """Set fields on an entry after validating them together; returns field -> [before, after].

    Evidence is recorded in the history by locator only (see the module docstring)."""
    merged = entry.model_dump(exclude={"score"})
    merged.update(updates)
    checked = RiskEntry.model_validate(merged)
    old_score = entry.score
    changed: dict[str, list[object]] = {}
    for name in updates:
        before, after = getattr(entry, name), getattr(checked, name)
        if before == after:
            continue
        if name == "evidence":
            changed[name] = [[e.label for e in before], [e.label for e in after]]
        elif name in TEXT_FIELDS and not quote_text:
            changed[name] = ["(earlier text)", "(new text)"]
        else:
            changed[name] = [_plain(before), _plain(after)]
        setattr(entry, name, after)
    if entry.score != old_score:
        changed["score"] = [old_score, entry.score]
    return changed


def _plain(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
