"""The approval gate: a PM approves a checked draft; one whose checks failed only with a reason,
one whose status is challenged only with the PM's status decision and its reason."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.domain.drafts import DraftChecks, DraftSummary
from assistant.domain.errors import ApprovalRefused, InvalidInputError
from assistant.domain.report import (
    OVERALL_STATUSES,
    OverallStatus,
    ReportLine,
    StatusReason,
    StatusReport,
    status_label,
)


def ensure_open(draft: DraftSummary) -> None:
    """Only a checked draft that nobody has decided on, in its latest version, can be decided."""
    if draft.status in ("approved", "rejected"):
        when = draft.decided_at.strftime("%Y-%m-%d %H:%M UTC") if draft.decided_at else ""
        raise InvalidInputError(
            f"Draft {draft.id} was {draft.status} by {draft.decided_by} {when}; it cannot change. "
            "Edit it to make a new version."
        )
    if draft.status == "superseded":
        raise InvalidInputError(
            f"Draft {draft.id} was edited into a newer version; decide on the latest version "
            "(the draft's versions list it)."
        )


def override_needed(
    draft: DraftSummary, checks: DraftChecks | None, override_reason: str | None
) -> str | None:
    """The override reason to record, or raise when approval must be refused."""
    if checks is None:
        raise InvalidInputError(
            f"Draft {draft.id} has no check results (it was saved before checks existed); "
            "draft it again."
        )
    if override_reason is not None and not override_reason.strip():
        raise InvalidInputError("An override needs a reason.", field="override_reason")
    if checks.passed:
        return None
    if override_reason is None:
        raise ApprovalRefused(draft.id, checks.reasons())
    return override_reason.strip()


@dataclass(frozen=True)
class StatusDecision:
    """The PM's answer to a draft's status: keep the proposed status, or set another, and why."""

    status: OverallStatus  # the status the approved report carries
    kept: bool
    reason: str
    challenge: str | None  # the challenge it answers, if the draft carried one

    def audit_details(self, proposed: str) -> dict[str, str]:
        details = {
            "status": self.status,
            "status_decision": "kept" if self.kept else f"changed from {proposed}",
            "status_reason": self.reason,
        }
        if self.challenge:
            details["status_challenge"] = self.challenge
        return details


def status_decision(
    report: StatusReport | None, status: str | None, reason: str | None
) -> StatusDecision | None:
    """The PM's status decision for approving `report`, or raise when one is needed and
    missing. A draft that carries a status challenge needs one (keep or change, with a
    reason); any other draft may take one (a status the PM sets on a "not assessed" draft)."""
    if report is None:
        if status is not None:
            raise InvalidInputError("Only a status report has a status to keep or change.")
        return None
    challenge = report.status_challenge
    if status is None:
        if challenge is not None:
            found = challenge.text.removeprefix("Status challenge: ").split(" Keep or change")[0]
            raise InvalidInputError(
                f"{found[:1].upper()}{found[1:]} Approving needs your answer: keep "
                f"{report.overall_status.upper()} or set another status, with a reason.",
                field="status",
            )
        return None
    wanted = status.strip().lower().replace(" ", "_")
    if wanted == "keep":
        wanted = report.overall_status
    if wanted not in OVERALL_STATUSES:
        raise InvalidInputError(
            f"'{status}' is not a status: keep, green, amber, red or not_assessed.", field="status"
        )
    if not (reason or "").strip():
        raise InvalidInputError(
            "Say why you keep or change the status; the reason is kept in the audit log.",
            field="status_reason",
        )
    return StatusDecision(
        status=wanted,  # type: ignore[arg-type]
        kept=wanted == report.overall_status,
        reason=(reason or "").strip(),
        challenge=challenge.text if challenge else None,
    )


def with_status(report: StatusReport, decision: StatusDecision) -> StatusReport:
    """The report as approved with a status the PM set: the status, a first reason saying so,
    and the summary's status line to match; the challenge stays. Who set it and why is in the
    audit log: the report states only what its sources or the rules support."""
    label = status_label(decision.status).capitalize()
    set_by = StatusReason(
        text="Set by the project manager on approval (the reason is in the audit log).",
        rule="PM",
        colour=decision.status,
    )
    summary = list(report.executive_summary)
    line = ReportLine(text=f"Overall status {label}, set by the project manager on approval.")
    if summary and summary[0].text.startswith(("Overall status", "Not assessed")):
        summary[0] = line
    else:
        summary.insert(0, line)
    return report.model_copy(
        update={
            "overall_status": decision.status,
            "status_reasons": [set_by, *report.status_reasons],
            "executive_summary": summary,
        },
        deep=True,
    )
