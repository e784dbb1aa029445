"""`pmassist eval capture DRAFT_ID`: an approved report becomes a labelled case.

The case says what the PM signed off: the overall status, and the ticket keys, milestones and
amounts the approved version states (must appear). What the PM removed from pmassist's first
version (keys, milestones, amounts no longer there) must not appear. Cases are appended to the
project's `captured.yaml`, which the reports suite reads beside `reports.yaml`.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from assistant.domain.drafts import STATUS_REPORT, DraftSummary
from assistant.domain.errors import InvalidInputError
from assistant.domain.report import StatusReport
from assistant.grounding import AMOUNT, TICKET_KEY
from evals.dataset import ISO_WEEK, ReportCase, ReportSet, load_label_file

MILESTONE = re.compile(r"\bM\d{1,2}\b")
HEADER = (
    "# Report cases captured from approved drafts (`pmassist eval capture`): the status the PM\n"
    "# approved, what the approved version states, and what the PM removed from the draft.\n"
)


def tokens(report: StatusReport) -> list[str]:
    """Ticket keys, milestone ids and amounts as the report's lines write them, in order."""
    found: list[str] = []
    for line in report.lines():
        for pattern in (TICKET_KEY, MILESTONE, AMOUNT):
            for match in pattern.finditer(line.text):
                token = match.group(0).strip()
                if token not in found:
                    found.append(token)
    return found


def capture_case(
    draft: DraftSummary, approved: StatusReport, first: StatusReport, fixtures: Path
) -> tuple[Path, ReportCase]:
    """`draft`: the approved draft; `approved` its report; `first` pmassist's first version."""
    if draft.kind != STATUS_REPORT:
        raise InvalidInputError(f"Draft {draft.id} is not a status report.", field="draft_id")
    if draft.status != "approved":
        raise InvalidInputError(
            f"Draft {draft.id} is {draft.status}; only approved reports become cases.",
            field="draft_id",
        )
    if not ISO_WEEK.match(draft.period_label):
        raise InvalidInputError(
            f"Draft {draft.id} covers {draft.period_label}; cases are ISO weeks.", field="draft_id"
        )
    folder = fixtures / draft.project
    if not (folder / "record").is_dir():
        raise InvalidInputError(
            f"There is no fixture project '{draft.project}' in {fixtures}: a captured case needs "
            f"the project's record in {folder / 'record'}.",
            field="fixtures",
        )
    kept = tokens(approved)
    removed = [token for token in tokens(first) if token not in kept]
    when = draft.decided_at.date().isoformat() if draft.decided_at else "?"
    override = f", checks overridden: {draft.override_reason}" if draft.override_reason else ""
    case = ReportCase(
        week=draft.period_label,
        expected_status=approved.overall_status,
        must_appear=kept,
        must_not_appear=removed,
        source=f"draft {draft.id} v{draft.version}, approved by {draft.decided_by} on {when}"
        + override,
    )
    path = folder / "captured.yaml"
    existing = load_label_file(path, ReportSet, draft.project) if path.is_file() else None
    weeks = [
        w
        for w in (existing.weeks if isinstance(existing, ReportSet) else [])
        if w.source != case.source
    ]
    captured = ReportSet(project=draft.project, weeks=[*weeks, case])
    body = yaml.safe_dump(
        captured.model_dump(exclude_none=True), sort_keys=False, allow_unicode=True, width=100
    )
    # Written whole or not at all: a half-written label file would break every later eval.
    partial = path.with_suffix(".yaml.tmp")
    partial.write_text(HEADER + body, encoding="utf-8")
    partial.replace(path)
    return path, case
