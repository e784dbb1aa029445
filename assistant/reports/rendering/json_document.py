"""A status report as JSON: the draft's body as stored, for tools and for edits."""

from __future__ import annotations

from assistant.domain.drafts import DraftChecks
from assistant.domain.report import StatusReport


def render_json(report: StatusReport, checks: DraftChecks | None = None) -> str:
    """The report itself; its checks are a property of the draft, served beside it."""
    return report.model_dump_json(indent=2)
