"""Ticket exports as the trackers write them: Jira Cloud CSV, Jira REST JSON, GitHub issues JSON."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from assistant.domain.record import Kind, StatusCategory, Ticket
from ingest.loaders.base import LoaderOptions, LoadResult
from tests.conftest import load_path

OPTIONS = LoaderOptions(project="payments")


def load(path: Path, options: LoaderOptions = OPTIONS) -> LoadResult:
    return load_path(path, options)


def tickets(result: LoadResult) -> dict[str, Ticket]:
    found: dict[str, Ticket] = {}
    for loaded in result.documents:
        assert isinstance(loaded.document.record, Ticket)
        found[loaded.document.record.key] = loaded.document.record
    return found


def test_jira_csv_repeated_headers_become_lists(samples: Path) -> None:
    result = load(samples / "jira-cloud-export.csv")
    assert result.failures == []
    bug = tickets(result)["PAY-104"]
    assert bug.labels == ["payments", "vendor"]
    assert bug.watchers == ["Olu Bakare", "Marek Nowak"]
    assert bug.sprints == ["Payments Sprint 3", "Payments Sprint 4"]
    assert bug.sprint == "Payments Sprint 4"
    assert len(bug.comments) == 2


def test_jira_csv_fields(samples: Path) -> None:
    bug = tickets(load(samples / "jira-cloud-export.csv"))["PAY-104"]
    assert bug.summary == 'Card payments time out under load, "retry storm" suspected'
    assert (bug.type, bug.status, bug.status_category) == (
        "Bug",
        "Blocked",
        StatusCategory.IN_PROGRESS,
    )
    assert (bug.priority, bug.severity) == ("Highest", "Sev-1 - Critical")
    assert (bug.assignee, bug.reporter) == ("Ines Duarte", "Olu Bakare")
    assert bug.created == dt.datetime(2026, 10, 5, 9, 14)
    assert bug.updated == dt.datetime(2026, 10, 12, 16, 40)
    assert bug.due == dt.date(2026, 10, 16)
    assert bug.resolved is None
    assert bug.flagged is True
    assert bug.parent == "PAY-100"  # Jira writes the parent's numeric id; it maps to the key
    assert [(link.relation, link.key) for link in bug.links] == [("is blocked by", "PAY-99")]
    assert "Waiting on the acquirer, case ACQ-5521." in bug.description
    assert bug.comments[0].created == dt.datetime(2026, 10, 6, 10, 2)
    assert bug.comments[0].body == "Acquirer confirmed the rate limit, fix ETA unknown."


def test_jira_csv_done_ticket_and_story_points(samples: Path) -> None:
    found = tickets(load(samples / "jira-cloud-export.csv"))
    done = found["PAY-102"]
    assert done.status_category is StatusCategory.DONE
    assert done.resolved == dt.datetime(2026, 10, 9, 17, 5)
    assert done.resolution == "Done"
    assert done.assignee == "Zoë Müller"
    assert found["PAY-103"].story_points == 5
    assert [(link.relation, link.key) for link in found["PAY-103"].links] == [("blocks", "PAY-104")]


def test_jira_csv_ticket_is_one_document_with_ticket_locator(samples: Path) -> None:
    result = load(samples / "jira-cloud-export.csv")
    loaded = next(d for d in result.documents if d.document.id == "ticket:PAY-104")
    document = loaded.document
    assert document.kind is Kind.TICKET
    assert document.title.startswith("PAY-104: Card payments time out")
    assert document.date == dt.date(2026, 10, 12)
    assert {"Ines Duarte", "Olu Bakare"} <= set(document.people)
    assert loaded.sections[0].locator.ticket_key == "PAY-104"
    assert loaded.sections[0].locator.row == 2
    assert len(loaded.sections) == 1


def test_unknown_status_is_reported_and_status_map_decides(samples: Path) -> None:
    result = load(samples / "jira-cloud-export.csv")
    parked = tickets(result)["PAY-101"]
    assert parked.status_category is StatusCategory.TODO
    assert any("status 'Parked' is not in the status map" in w for w in result.warnings)

    mapped = LoaderOptions(project="payments", status_map={"parked": StatusCategory.DONE})
    result = load(samples / "jira-cloud-export.csv", mapped)
    assert tickets(result)["PAY-101"].status_category is StatusCategory.DONE
    assert result.warnings == []


def test_status_map_overrides_the_exported_category(samples: Path) -> None:
    options = LoaderOptions(project="payments", status_map={"in review": StatusCategory.DONE})
    assert tickets(load(samples / "jira-cloud-export.csv", options))["PAY-103"].status_category is (
        StatusCategory.DONE
    )


def test_bad_rows_are_reported_and_the_rest_loads(samples: Path) -> None:
    result = load(samples / "jira-bad-rows.csv")
    assert sorted(tickets(result)) == ["OPS-1", "OPS-5"]
    problems = {(f.row, f.field): f.reason for f in result.failures}
    assert problems[(3, "Created")] == "cannot read date '31/Foo/26 9:00 AM'"
    assert problems[(4, "Summary")] == "empty summary"
    assert "has 2 fields but the header has 5" in problems[(5, None)]
    assert str(result.failures[0]).startswith("jira-bad-rows.csv, row 3, field 'Created'")


HEADER = "Summary,Issue key,Issue id,Issue Type,Status,Description,Assignee\n"


def test_a_stray_quote_that_swallows_later_tickets_is_reported(tmp_path: Path) -> None:
    """The quote opened in PAY-201's description closes only in PAY-205's: the three tickets
    between become text of PAY-201, with the header's number of fields, so no row fails."""
    path = tmp_path / "export.csv"
    path.write_text(
        HEADER
        + 'Login fails,PAY-201,1,Bug,Open,"Users see the error page,Ana Lima\n'
        + "Reset mail late,PAY-202,2,Bug,Open,Mail takes an hour,Bo Chen\n"
        + "Export slow,PAY-203,3,Task,Open,Export of 1k rows takes 40 s,Cy Diaz\n"
        + "Audit gaps,PAY-204,4,Bug,Open,Nothing logged for refunds,Di Ek\n"
        + 'Logo blurry,PAY-205,5,Bug,Open,"Seen on ""retina"" screens",Ed Fu\n'
        + "Typo in footer,PAY-206,6,Bug,Open,Footer says Paymnts,Fa Go\n",
        encoding="utf-8",
    )
    result = load(path)
    assert result.failures == []
    assert "PAY-202" not in tickets(result)  # read as text, as the file says
    [warning] = result.warnings
    assert warning.startswith("export.csv, row 2: a field runs on over 4 lines")
    assert "PAY-202, PAY-203, PAY-204, Logo blurry" in warning or "PAY-205" in warning
    assert "stray quote" in warning


def test_multi_line_descriptions_are_not_mistaken_for_swallowed_tickets(samples: Path) -> None:
    result = load(samples / "jira-cloud-export.csv")
    assert result.failures == []
    assert not any("stray quote" in warning for warning in result.warnings)


def test_an_oversized_cell_fails_its_row_only(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        HEADER
        + "Login fails,PAY-201,1,Bug,Open,Users see the error page,Ana Lima\n"
        + f'Huge,PAY-202,2,Bug,Open,"{"x" * 200_000}",Bo Chen\n'
        + "Export slow,PAY-203,3,Task,Open,Slow,Cy Diaz\n",
        encoding="utf-8",
    )
    result = load(path)
    assert sorted(tickets(result)) == ["PAY-201", "PAY-203"]
    [failure] = result.failures
    assert (failure.row, failure.field) == (3, "Description")
    assert "200,000 characters" in failure.reason


def test_missing_required_column(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Summary,Issue key,Status\nx,,Done\n", encoding="utf-8")
    broken = tmp_path / "no-key.csv"
    broken.write_text("Summary,Status\nx,Done\n", encoding="utf-8")
    result = load(broken, LoaderOptions(project="p", kind=Kind.TICKET))
    assert result.documents == []
    assert result.failures[0].field == "Issue Key"
    assert "missing required column 'Issue Key'" in result.failures[0].reason


def test_duplicate_issue_key(tmp_path: Path) -> None:
    path = tmp_path / "dupes.csv"
    path.write_text("Summary,Issue key\nFirst,OPS-1\nSecond,OPS-1\n", encoding="utf-8")
    result = load(path)
    assert list(tickets(result)) == ["OPS-1"]
    assert result.failures[0].row == 3
    assert "duplicate issue key OPS-1 (also on row 2)" in result.failures[0].reason


def test_csv_with_bom_and_windows_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("\ufeffSummary,Issue key,Status\r\nCafé menu,OPS-9,Done\r\n".encode())
    found = tickets(load(path))
    assert found["OPS-9"].summary == "Café menu"
    assert found["OPS-9"].status_category is StatusCategory.DONE


def test_jira_rest_json_with_adf_and_named_custom_fields(samples: Path) -> None:
    result = load(samples / "jira-search.json")
    assert result.failures == []
    found = tickets(result)
    bug = found["MIG-11"]
    assert bug.status == "Waiting for vendor"
    assert bug.status_category is StatusCategory.IN_PROGRESS  # from statusCategory.key
    assert bug.severity == "Sev-2 - Major"
    assert bug.sprints == ["MIG Sprint 2", "MIG Sprint 3"]
    assert bug.story_points == 3
    assert bug.flagged is True
    assert bug.created == dt.datetime(2026, 10, 5, 9, 14)
    assert bug.due == dt.date(2026, 10, 20)
    assert bug.parent == "MIG-1"
    assert [(link.relation, link.key) for link in bug.links] == [("is blocked by", "MIG-9")]
    assert bug.description == (
        "Street names like Zoë Street arrive as Zo? Street.\n"
        "- Seen in dry run 1\n"
        "- Kofi Mensah to confirm the encoding"
    )
    assert bug.comments[0].author == "Ana Ribeiro"
    assert bug.comments[0].body == "Vendor says the export uses cp1252."
    assert bug.url == "https://northwind.atlassian.net/browse/MIG-11"
    assert found["MIG-12"].status_category is StatusCategory.DONE
    assert found["MIG-12"].description == ""


def test_github_issues_json_skips_pull_requests(samples: Path) -> None:
    result = load(samples / "github-issues.json")
    assert result.skipped == 1
    found = tickets(result)
    assert sorted(found) == ["field-app#40", "field-app#42"]
    issue = found["field-app#42"]
    assert (issue.type, issue.status, issue.status_category) == (
        "Bug",
        "In Progress",
        StatusCategory.IN_PROGRESS,
    )
    assert (issue.priority, issue.severity) == ("high", "Sev-2")
    assert (issue.assignee, issue.reporter) == ("aribeiro", "kmensah")
    assert issue.due == dt.date(2026, 11, 20)
    assert issue.sprint == "Release 1.4"
    assert issue.url == "https://github.com/northwind/field-app/issues/42"
    closed = found["field-app#40"]
    assert (closed.status, closed.status_category) == ("Closed (not planned)", StatusCategory.DONE)


def test_unrecognised_json_and_csv(tmp_path: Path) -> None:
    json_file = tmp_path / "data.json"
    json_file.write_text('{"rows": []}', encoding="utf-8")
    assert "unrecognised JSON" in load(json_file).failures[0].reason
    broken = tmp_path / "broken.json"
    broken.write_text('{"issues": [', encoding="utf-8")
    assert "invalid JSON at line 1" in load(broken).failures[0].reason
    csv_file = tmp_path / "budget.csv"
    csv_file.write_text("Month,Spend\nOct,10\n", encoding="utf-8")
    assert "unrecognised CSV" in load(csv_file).failures[0].reason


def test_github_issues_close_reasons_reopened_and_change_requests(tmp_path: Path) -> None:
    import json

    def issue(number: int, **fields: object) -> dict[str, object]:
        base: dict[str, object] = {
            "number": number,
            "title": f"Issue {number}",
            "state": "open",
            "html_url": f"https://github.com/acme/booking/issues/{number}",
            "repository_url": "https://api.github.com/repos/acme/booking",
            "labels": [],
            "created_at": "2027-01-10T09:00:00Z",
            "updated_at": "2027-02-01T09:00:00Z",
        }
        base.update(fields)
        return base

    path = tmp_path / "issues.json"
    path.write_text(
        json.dumps(
            [
                issue(
                    1,
                    state="closed",
                    state_reason="not_planned",
                    closed_at="2027-02-02T10:00:00Z",
                    labels=[{"name": "enhancement"}],
                ),
                issue(
                    2,
                    state="open",
                    state_reason="reopened",
                    labels=[{"name": "bug"}, {"name": "severity: 2"}, {"name": "P1"}],
                ),
                issue(3, labels=[{"name": "change-request"}]),
            ]
        ),
        encoding="utf-8",
    )
    found = tickets(load(path))
    assert (found["booking#1"].resolution, found["booking#1"].status_category) == (
        "Won't Do",
        StatusCategory.DONE,
    )
    assert (found["booking#2"].status, found["booking#2"].severity) == ("Reopened", "Sev-2")
    assert found["booking#2"].priority == "P1"
    assert found["booking#3"].type == "Change Request"
