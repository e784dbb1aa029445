"""GitHub JSON exports as the GitHub CLI writes them: a Projects board's items
(`gh project item-list --format json`) and an issue list (`gh issue list --json …`)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from assistant.domain.record import StatusCategory, Ticket
from ingest.loaders.base import LoaderOptions, LoadResult
from tests.conftest import load_path


def issue_item(number: int, title: str, status: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"PVTI_item{number}",
        "title": title,
        "status": status,
        "repository": "https://github.com/northwind/field-app",
        "content": {
            "type": "Issue",
            "title": title,
            "body": f"Body of {title}.",
            "number": number,
            "repository": "northwind/field-app",
            "url": f"https://github.com/northwind/field-app/issues/{number}",
        },
        **fields,
    }


SPRINT_7 = {"title": "Sprint 7", "startDate": "2026-11-02", "duration": 14}
ITEMS: list[dict[str, Any]] = [
    issue_item(
        11,
        "Offline sync for inspections",
        "Done",
        assignees=["aribeiro", "kmensah"],
        labels=["bug", "priority: high"],
        milestone={"title": "Pilot release", "description": "", "dueOn": "2026-11-30T00:00:00Z"},
        sprint=SPRINT_7,
        **{
            "story Points": 5,
            "planned Start": "2026-11-03",
            "linked pull requests": ["https://github.com/northwind/field-app/pull/15"],
        },
    ),
    issue_item(12, "Photo upload retries", "In Progress", iteration=SPRINT_7, points="3"),
    issue_item(13, "Map tiles from the vendor", "Blocked", labels=["vendor"]),
    {
        "id": "PVTI_draft14",
        "title": "Decide the crash reporting tool",
        "status": "Backlog",
        "content": {"type": "DraftIssue", "title": "Decide the crash reporting tool", "body": ""},
    },
    {
        "id": "PVTI_pr15",
        "title": "Retry uploads with backoff",
        "status": "In Review",
        "assignees": ["kmensah"],
        "reviewers": ["aribeiro"],
        "content": {
            "type": "PullRequest",
            "title": "Retry uploads with backoff",
            "body": "Fixes #12.",
            "number": 15,
            "repository": "northwind/field-app",
            "url": "https://github.com/northwind/field-app/pull/15",
        },
    },
    issue_item(16, "Export inspection reports", "Backlog", **{"story Points": "lots"}),
    {"id": "PVTI_nameless", "status": "Todo", "content": {"type": "Issue", "number": 17}},
    issue_item(18, "Tablet layout", "Parking lot"),
]


def write_export(folder: Path, items: list[dict[str, Any]], name: str = "board.json") -> Path:
    path = folder / name
    path.write_text(json.dumps({"items": items, "totalCount": len(items)}), encoding="utf-8")
    return path


def tickets(result: LoadResult) -> dict[str, Ticket]:
    found: dict[str, Ticket] = {}
    for loaded in result.documents:
        assert isinstance(loaded.document.record, Ticket)
        found[loaded.document.record.key] = loaded.document.record
    return found


@pytest.fixture
def board(tmp_path: Path) -> LoadResult:
    return load_path(write_export(tmp_path, ITEMS))


def test_items_are_tickets_with_their_board_column(board: LoadResult) -> None:
    assert board.format == "github-project"
    found = tickets(board)
    assert sorted(found) == [
        "PVTI_draft14",
        "field-app#11",
        "field-app#12",
        "field-app#13",
        "field-app#15",
        "field-app#18",
    ]
    states = {key: (t.status, t.status_category, t.flagged) for key, t in found.items()}
    assert states == {
        "field-app#11": ("Done", StatusCategory.DONE, False),
        "field-app#12": ("In Progress", StatusCategory.IN_PROGRESS, False),
        "field-app#13": ("Blocked", StatusCategory.IN_PROGRESS, True),
        "PVTI_draft14": ("Backlog", StatusCategory.TODO, False),
        "field-app#15": ("In Review", StatusCategory.IN_PROGRESS, False),
        "field-app#18": ("Parking lot", StatusCategory.TODO, False),
    }


def test_an_unknown_column_is_todo_with_one_warning(board: LoadResult) -> None:
    assert len(board.warnings) == 1
    assert "status 'Parking lot' is not in the status map" in board.warnings[0]
    assert board.warnings[0].startswith("board.json (1 item)")


def test_the_project_status_map_wins(tmp_path: Path) -> None:
    options = LoaderOptions(
        project="field",
        status_map={"parking lot": StatusCategory.IN_PROGRESS, "done": StatusCategory.IN_PROGRESS},
    )
    found = tickets(load_path(write_export(tmp_path, ITEMS), options))
    assert found["field-app#18"].status_category is StatusCategory.IN_PROGRESS
    assert found["field-app#11"].status_category is StatusCategory.IN_PROGRESS


def test_iteration_milestone_points_and_people(board: LoadResult) -> None:
    found = tickets(board)
    done = found["field-app#11"]
    assert (done.sprint, done.sprints) == ("Sprint 7", ["Sprint 7"])
    assert done.story_points == 5
    assert done.due == dt.date(2026, 11, 30)
    assert (done.type, done.priority) == ("Bug", "high")
    assert (done.assignee, done.watchers) == ("aribeiro", ["kmensah"])
    assert [(link.relation, link.key) for link in done.links] == [
        ("linked pull request", "field-app#15")
    ]
    assert done.url == "https://github.com/northwind/field-app/issues/11"
    # The fields a ticket has no place for are kept as its text, before the body.
    assert done.description.split("\n") == [
        "Milestone: Pilot release",
        "Planned Start: 2026-11-03",
        "Body of Offline sync for inspections.",
    ]
    # Whatever the project calls its iteration and points fields.
    in_progress = found["field-app#12"]
    assert (in_progress.sprint, in_progress.story_points) == ("Sprint 7", 3)


def test_a_draft_issue_and_a_pull_request(board: LoadResult) -> None:
    found = tickets(board)
    draft = found["PVTI_draft14"]
    assert (draft.type, draft.summary, draft.url) == (
        "DraftIssue",
        "Decide the crash reporting tool",
        None,
    )
    pull = found["field-app#15"]
    assert (pull.type, pull.assignee, pull.watchers) == ("PullRequest", "kmensah", ["aribeiro"])
    assert pull.url == "https://github.com/northwind/field-app/pull/15"
    assert pull.description == "Fixes #12."


def test_bad_items_fail_alone_naming_the_item(board: LoadResult) -> None:
    failures = [(f.file, f.row, f.field, f.reason) for f in board.failures]
    assert failures == [
        (
            "board.json",
            6,
            "story Points",
            "expected a number, found 'lots' (item PVTI_item16 'Export inspection reports')",
        ),
        ("board.json", 7, "title", "empty title (item PVTI_nameless)"),
    ]
    assert len(board.documents) == 6  # the other items still load


def test_the_same_issue_has_the_same_id_as_in_an_issues_export(
    board: LoadResult, tmp_path: Path
) -> None:
    issues = tmp_path / "issues.json"
    issues.write_text(
        json.dumps(
            [
                {
                    "number": 11,
                    "title": "Offline sync for inspections",
                    "state": "open",
                    "html_url": "https://github.com/northwind/field-app/issues/11",
                    "repository_url": "https://api.github.com/repos/northwind/field-app",
                }
            ]
        ),
        encoding="utf-8",
    )
    from_issues = load_path(issues).documents[0].document.id
    assert from_issues == "ticket:field-app#11"
    assert from_issues in {loaded.document.id for loaded in board.documents}


def test_an_empty_board_reads_as_no_tickets(tmp_path: Path) -> None:
    result = load_path(write_export(tmp_path, []))
    assert (result.format, result.documents, result.failures) == ("github-project", [], [])


# `gh issue list --json …` -----------------------------------------------------------------------


def test_a_github_cli_issue_list_is_read(tmp_path: Path) -> None:
    path = tmp_path / "issues.json"
    issues = [
        {
            "number": 5,
            "title": "Booking times shown in UTC",
            "state": "CLOSED",
            "stateReason": "COMPLETED",
            "createdAt": "2027-01-10T09:00:00Z",
            "updatedAt": "2027-01-20T09:00:00Z",
            "closedAt": "2027-01-20T09:00:00Z",
            "url": "https://github.com/acme/booking/issues/5",
            "labels": [{"id": "LA_1", "name": "bug", "color": "d73a4a"}],
            "assignees": [{"id": "U_1", "login": "ana", "name": "Ana"}],
            "author": {"login": "kofi"},
            "milestone": {"number": 2, "title": "Release 2", "dueOn": "2027-03-01T00:00:00Z"},
        },
        {
            "number": 6,
            "title": "Waiting list",
            "state": "OPEN",
            "url": "https://github.com/acme/booking/issues/6",
        },
    ]
    path.write_text(json.dumps(issues), encoding="utf-8")
    result = load_path(path)
    assert (result.format, result.failures) == ("github-json", [])
    found = tickets(result)
    closed = found["booking#5"]
    assert (closed.status, closed.status_category, closed.resolution) == (
        "Closed",
        StatusCategory.DONE,
        "Done",
    )
    assert (closed.type, closed.assignee, closed.reporter) == ("Bug", "ana", "kofi")
    assert closed.created == dt.datetime(2027, 1, 10, 9, 0)
    assert closed.resolved == dt.datetime(2027, 1, 20, 9, 0)
    assert closed.due == dt.date(2027, 3, 1)
    assert closed.url == "https://github.com/acme/booking/issues/5"
    assert found["booking#6"].status_category is StatusCategory.TODO


def test_a_github_cli_issue_list_without_titles_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "issue-data.json"
    rows = [
        {"closedAt": None, "createdAt": "2023-09-06T16:17:47Z", "number": 482},
        {"closedAt": "2023-09-08T10:00:00Z", "createdAt": "2023-09-01T15:50:20Z", "number": 481},
    ]
    path.write_text(json.dumps(rows), encoding="utf-8")
    result = load_path(path)
    assert (result.format, result.documents, result.failures) == ("skipped", [], [])
    assert "holds issue numbers and dates but no titles" in getattr(result, "reason", "")
