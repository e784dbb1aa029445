"""Drafts a PM reviews (status reports, risk suggestion runs): their check results, their
summary row with version and decision, and the audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from assistant.domain.record import RecordModel

STATUS_REPORT = "status_report"
RISK_SUGGESTIONS = "risk_suggestions"
OPEN_STATUSES = ("checked", "draft")  # "draft": saved before checks existed


class DraftCheck(RecordModel):
    name: str
    passed: bool
    summary: str
    problems: list[str] = Field(default_factory=list)


class DraftChecks(RecordModel):
    passed: bool
    checks: list[DraftCheck]
    checked_at: dt.datetime

    def failures(self) -> list[DraftCheck]:
        return [check for check in self.checks if not check.passed]

    def summary_lines(self) -> list[str]:
        """The verdict, then every check with a mark and, for a failed one, its problems
        (indented): how the draft's checks read in text."""
        verdict = "passed" if self.passed else "FAILED — approval needs an override reason"
        lines = [f"Checks {verdict}:"]
        for check in self.checks:
            mark = "✓" if check.passed else "✗"
            lines.append(f"{mark} {check.name}: {check.summary}")
            lines += [f"    {problem}" for problem in check.problems if not check.passed]
        return lines

    def reasons(self) -> list[str]:
        """One line per failing check, for the PM: what failed and the first problems."""
        lines = []
        for check in self.failures():
            listed = "; ".join(check.problems[:3])
            more = f" (+{len(check.problems) - 3} more)" if len(check.problems) > 3 else ""
            lines.append(
                f"{check.name}: {check.summary}" + (f" — {listed}{more}" if listed else "")
            )
        return lines


@dataclass(frozen=True)
class DraftSummary:
    id: int
    project: str
    kind: str
    period_label: str
    status: str
    overall_status: str | None
    writer: str
    created_at: dt.datetime
    version: int = 1
    parent_id: int | None = None
    checks_passed: bool | None = None
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    decision_reason: str | None = None
    override_reason: str | None = None
    body_hash: str | None = None


@dataclass(frozen=True)
class AuditEntry:
    draft_id: int
    at: dt.datetime
    actor: str
    action: str
    version: int
    body_hash: str | None
    details: dict[str, Any]
    reason: str | None
