"""The approval gate: a PM approves a checked draft; one whose checks failed only with a reason."""

from __future__ import annotations

from assistant.errors import InvalidInputError, PmassistError
from assistant.review.checks import DraftChecks
from assistant.store.drafts import DraftSummary


class ApprovalRefused(PmassistError):
    """The draft's checks failed and no override reason was given."""

    def __init__(self, draft_id: int, reasons: list[str]) -> None:
        listed = "\n".join(f"  - {reason}" for reason in reasons)
        super().__init__(
            f"Draft {draft_id} did not pass its checks, so it is not approved:\n{listed}\n"
            "Fix it (`pmassist drafts edit`), or approve it anyway with --override REASON."
        )
        self.reasons = reasons


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
            f"(`pmassist drafts show {draft.id}` lists them)."
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
        raise InvalidInputError("An override needs a reason (--override REASON).")
    if checks.passed:
        return None
    if override_reason is None:
        raise ApprovalRefused(draft.id, checks.reasons())
    return override_reason.strip()
