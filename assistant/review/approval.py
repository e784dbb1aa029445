"""The approval gate: a PM approves a checked draft; one whose checks failed only with a reason."""

from __future__ import annotations

from assistant.domain.drafts import DraftChecks, DraftSummary
from assistant.domain.errors import ApprovalRefused, InvalidInputError


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
