"""The overall status with the PM in charge, and a report from whatever the record holds: the
stated status proposed with the rules' view beside it, the status challenge and its answer on
approval, "not assessed" instead of Green by default, meetings and their items, and sections
that say when the record has no ticket export."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.domain.errors import InvalidInputError
from assistant.domain.period import week_period
from assistant.reports.rendering.markdown import render_markdown
from assistant.service import Assistant
from tests.conftest import invoke_cli

W45 = week_period("2026-W45")
PM = "Dana Fox"

STATUS_MINUTES = """# Weekly status — Atlas

**Date:** 4 November 2026
**Attendees:** Dana Fox (PM), Omar Haddad, Zoë Lambert

Overall status: Amber. The cut-over rehearsal moved by two days.

## Done

- Payment gateway sandbox connected
- Load test profile agreed with the acquirer

## Work in progress

- Card tokenisation service — Omar Haddad

## Actions

- Dana Fox to confirm the rehearsal window with operations by 2026-11-06
"""

TICKETS = (
    "Summary,Issue key,Issue Type,Status,Priority,Assignee,Created,Updated,Resolved,Due date,"
    "Custom field (Severity),Status Category\n"
    "Double charge on retry,ATL-7,Bug,In Progress,Highest,Omar Haddad,12/Oct/26 9:00 AM,"
    "03/Nov/26 9:00 AM,,28/Oct/26 12:00 AM,Sev-1,In Progress\n"
    "Receipt layout,ATL-9,Story,Done,Medium,Zoë Lambert,12/Oct/26 9:00 AM,03/Nov/26 9:00 AM,"
    "03/Nov/26 9:00 AM,,,Done\n"
)

# A team that keeps running notes only: no tracker, no stated status.
NOTES_ONLY = """# Platform sync 2026-11-03

Attendees: Dana Fox, Omar Haddad

## Done

- Moved the build agents to the new cluster
- Renewed the signing certificate

## In progress

- Database upgrade to version 16 (@omar)

## New items

- Evaluate the managed queue service

## Action items

- [ ] Omar Haddad to write the rollback runbook
"""

OLD_ACTIONS = """# Platform sync 2026-10-06

Attendees: Dana Fox, Omar Haddad

## Action items

- [ ] Dana Fox to archive the old wiki
- [ ] Omar Haddad to price the backup storage
"""


def _record(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def challenged(assistant: Assistant, tmp_path: Path) -> Assistant:
    record = _record(
        tmp_path / "atlas",
        {"minutes/2026-11-04-weekly-status.md": STATUS_MINUTES, "tickets/atlas.csv": TICKETS},
    )
    assistant.records.ingest([record], "atlas")
    return assistant


def test_the_stated_status_is_proposed_and_the_rules_challenge_it(challenged: Assistant) -> None:
    draft_id, report = challenged.reports.draft("atlas", W45)
    assert report.overall_status == "amber"
    assert report.rules_status == "red"
    assert report.stated_status is not None and report.stated_status.colour == "amber"
    assert report.status_reasons[0].rule == "S"
    assert "R1" in [reason.rule for reason in report.status_reasons]
    challenge = report.status_challenge
    assert challenge is not None
    assert "rules rate RED" in challenge.text and "ATL-7" in challenge.text
    assert "state AMBER" in challenge.text
    # The challenge cites both the rule's evidence and the stated status.
    assert set(report.stated_status.citations) <= set(challenge.citations)
    assert len(challenge.citations) >= 2
    markdown = render_markdown(report)
    assert "## Overall status: AMBER" in markdown
    assert "Rules' view: RED." in markdown and "Status challenge" in markdown
    checks = challenged.drafts.checks(draft_id)
    assert checks is not None and checks.passed, checks.reasons() if checks else None


def test_approving_a_challenged_draft_needs_the_pms_status_and_reason(
    challenged: Assistant,
) -> None:
    draft_id, _ = challenged.reports.draft("atlas", W45)
    with pytest.raises(InvalidInputError, match="keep AMBER or set another status") as refused:
        challenged.drafts.approve(draft_id, PM)
    assert refused.value.field == "status"
    with pytest.raises(InvalidInputError, match="Say why") as no_reason:
        challenged.drafts.approve(draft_id, PM, status="keep")
    assert no_reason.value.field == "status_reason"
    assert challenged.drafts.get(draft_id).status == "checked"

    reason = "The fix for ATL-7 is deployed on Monday; the committee accepted Amber."
    approved = challenged.drafts.approve(draft_id, PM, status="keep", status_reason=reason)
    assert (approved.id, approved.status, approved.overall_status) == (
        draft_id,
        "approved",
        "amber",
    )
    last = challenged.drafts.audit(draft_id)[-1]
    assert last.action == "approved"
    assert last.details["status_decision"] == "kept"
    assert last.details["status_reason"] == reason
    assert "rules rate RED" in last.details["status_challenge"]


def test_changing_the_status_on_approval_makes_the_version_that_is_approved(
    challenged: Assistant,
) -> None:
    draft_id, _ = challenged.reports.draft("atlas", W45)
    approved = challenged.drafts.approve(
        draft_id, PM, status="red", status_reason="A double charge reaches customers."
    )
    assert approved.id != draft_id and approved.status == "approved"
    assert challenged.drafts.get(draft_id).status == "superseded"
    report = challenged.drafts.report(approved.id)
    assert report is not None and report.overall_status == "red"
    assert report.status_reasons[0].rule == "PM"
    assert report.status_reasons[0].text.startswith("Set by the project manager on approval")
    assert report.executive_summary[0].text == (
        "Overall status Red, set by the project manager on approval."
    )
    actions = [
        (a.action, a.details.get("status_decision")) for a in challenged.drafts.audit(approved.id)
    ]
    assert ("status set", None) in actions
    assert ("approved", "changed from amber") in actions
    other, _ = challenged.reports.draft("atlas", W45)
    with pytest.raises(InvalidInputError, match="not a status"):
        challenged.drafts.approve(other, PM, status="purple", status_reason="x")


def test_a_record_with_nothing_to_judge_by_is_not_assessed_never_green(
    assistant: Assistant, tmp_path: Path
) -> None:
    record = _record(
        tmp_path / "notes",
        {"2026-11-03.md": NOTES_ONLY, "2026-10-06.md": OLD_ACTIONS},
    )
    assistant.records.ingest([record], "platform")
    draft_id, report = assistant.reports.draft("platform", W45)
    assert report.overall_status == "not_assessed" and report.rules_status == "not_assessed"
    assert report.status_reasons[0].rule == "N"
    assert report.status_challenge is None
    markdown = render_markdown(report)
    assert "## Overall status: NOT ASSESSED" in markdown and "GREEN" not in markdown

    # The meeting and what it reports, in the team's words.
    assert [line.text for line in report.section("meetings")] == [
        "Platform sync 2026-11-03: 2 done, 1 in progress, 1 new, 1 action."
    ]
    done = [line.text for line in report.section("accomplishments")]
    assert done == [
        "Moved the build agents to the new cluster.",
        "Renewed the signing certificate.",
    ]
    assert any("Database upgrade to version 16" in t.text for t in report.section("in_progress"))
    assert any("managed queue service" in t.text for t in report.section("next_period"))
    # No tracker: said once, never "0 tickets completed".
    summary = " ".join(line.text for line in report.executive_summary)
    assert "No ticket export in this record" in summary and "0 tickets" not in summary
    assert "No ticket export in this record" in markdown
    # Actions nobody followed up are a count in Actions, never a blocker.
    actions = [line.text for line in report.section("actions")]
    assert any("rollback runbook" in text for text in actions)
    assert any(text.startswith("2 older open actions") for text in actions)
    assert not any("older open actions" in line.text for line in report.section("blockers"))
    assert not any("Top blocker" in line.text for line in report.executive_summary)
    assert len(report.executive_summary) <= 6
    checks = assistant.drafts.checks(draft_id)
    assert checks is not None and checks.passed, checks.reasons() if checks else None

    # The PM may set the status of a draft the rules could not assess.
    approved = assistant.drafts.approve(
        draft_id, PM, status="green", status_reason="All planned work landed."
    )
    assert assistant.drafts.report(approved.id).overall_status == "green"  # type: ignore[union-attr]


def test_the_status_decision_from_the_command_line(cli_home: None, tmp_path: Path) -> None:
    record = _record(
        tmp_path / "atlas",
        {"minutes/2026-11-04-weekly-status.md": STATUS_MINUTES, "tickets/atlas.csv": TICKETS},
    )
    code, output = invoke_cli("ingest", str(record), "--project", "atlas")
    assert code == 0, output
    code, output = invoke_cli("report", "--project", "atlas", "--week", "2026-W45")
    assert code == 0 and "Status challenge" in output
    code, output = invoke_cli("drafts", "approve", "1", "--by", PM)
    assert code != 0 and "--status" in output and "keep AMBER" in output
    code, output = invoke_cli(
        "drafts", "approve", "1", "--by", PM, "--status", "keep", "--status-reason", "agreed"
    )
    assert code == 0 and "approved" in output, output


def test_an_announcement_every_meeting_repeats_is_not_news(
    assistant: Assistant, tmp_path: Path
) -> None:
    notes = {}
    for day, news in (("06", "alpha"), ("13", "beta"), ("20", "gamma"), ("27", "delta")):
        notes[f"2026-10-{day}.md"] = (
            f"# Team sync 2026-10-{day}\n\nAttendees: Dana Fox, Omar Haddad\n\n"
            "## Announcements\n\n- Reminder: report licence questions to the legal desk\n"
            f"- Release {news} planned\n"
        )
    assistant.records.ingest([_record(tmp_path / "series", notes)], "series")
    _, report = assistant.reports.draft("series", week_period("2026-W44"))
    planned = [line.text for line in report.section("next_period")]
    assert planned == ["Release delta planned."]


def test_a_tag_under_concerns_is_not_a_concern(assistant: Assistant, tmp_path: Path) -> None:
    note = (
        "# Design review 2026-11-03\n\nAttendees: Dana Fox, Omar Haddad\n\n## Concerns\n\n"
        "- needs-champion\n- The vendor may miss the March delivery window\n"
    )
    assistant.records.ingest([_record(tmp_path / "review", {"2026-11-03.md": note})], "review")
    _, report = assistant.reports.draft("review", W45)
    assert [line.text for line in report.section("risks")] == [
        "The vendor may miss the March delivery window"
    ]
