"""Notices: the short messages that tell a PM a weekly draft is waiting for review or a
scheduled run failed, and what became of each attempt to send one (e-mail, Slack, Teams)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from assistant.domain.errors import PmassistError
from assistant.domain.record import RecordModel

NoticeKind = Literal["draft_ready", "run_failed"]

# A notice is a pointer to the draft, not the draft: a PM reads the first few lines in the
# mail or chat and opens the page for the rest.
SHOWN_LINES = 5


class Notice(RecordModel):
    """One thing a PM should know about: a draft is ready for review, or a run failed."""

    project: str
    kind: NoticeKind
    title: str  # e.g. "Weekly status draft ready: heron, week 2026-W46"
    link: str | None = None  # the draft's page
    status: str | None = None  # overall status of the draft: green, amber or red
    lines: list[str] = Field(default_factory=list)  # the draft's first lines, e.g. its summary
    error: str | None = None  # why a run failed

    def shown_lines(self) -> list[str]:
        """The lines a message shows: the first few, without blank ones."""
        return [line.strip() for line in self.lines if line.strip()][:SHOWN_LINES]

    def status_label(self) -> str | None:
        """The overall status as people write it in a report: "AMBER"."""
        return self.status.strip().upper() if self.status and self.status.strip() else None


class Delivery(RecordModel):
    """Whether a notice reached one channel, after how many tries, and if not, why."""

    channel: str
    delivered: bool
    attempts: int
    error: str | None = None


class NoticeNotDeliveredError(PmassistError):
    """A channel could not deliver a notice. The message is safe to show and to log: it names
    what the server answered, never a password or a webhook address."""
