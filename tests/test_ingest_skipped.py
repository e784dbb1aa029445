"""Files left out on purpose: a type pmassist does not read, found in a folder, or a file with
nothing to read. Listed as skipped with the reason, never as failures; the run exits 0."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from assistant.domain.record import Kind
from assistant.service import Assistant
from tests.conftest import invoke_cli

NUMBERS_ONLY = [
    {"closedAt": None, "createdAt": "2026-09-06T16:17:47Z", "number": 482},
    {"closedAt": "2026-09-08T10:00:00Z", "createdAt": "2026-09-01T15:50:20Z", "number": 481},
]
ISSUES = [
    {
        "number": 7,
        "title": "Card reader pairing fails",
        "state": "OPEN",
        "url": "https://github.com/northwind/field-app/issues/7",
    }
]


invoke = invoke_cli


def folder_with_unread_files(record: Path, samples: Path) -> None:
    shutil.copy(samples / "2026-10-15-payments-weekly.md", record)
    (record / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (record / "config.yaml").write_text("retries: 3\n", encoding="utf-8")


@pytest.mark.usefixtures("cli_home")
def test_a_folder_with_files_pmassist_does_not_read_ingests_and_exits_0(
    record: Path, samples: Path
) -> None:
    folder_with_unread_files(record, samples)
    code, output = invoke("ingest", str(record), "--project", "payments")
    assert code == 0, output
    assert "Skipped 2 files pmassist does not read: record/config.yaml, record/logo.png" in output
    assert "Not ingested" not in output
    assert "│ 1     │ 0       │ 0         │ 0       │ 0      │" in output  # the minutes


@pytest.mark.usefixtures("cli_home")
def test_only_the_first_skipped_files_are_named_unless_verbose(record: Path) -> None:
    (record / "notes.md").write_text("# Notes\n\nNothing yet.\n", encoding="utf-8")
    for number in range(7):
        (record / f"photo-{number}.jpg").write_bytes(b"\xff\xd8\xff")
    code, output = invoke("ingest", str(record), "--project", "payments")
    assert code == 0, output
    assert "Skipped 7 files pmassist does not read: record/photo-0.jpg" in output
    assert "record/photo-4.jpg … and 2 more" in output
    assert "record/photo-6.jpg" not in output

    code, output = invoke("--verbose", "ingest", str(record), "--project", "payments")
    assert code == 0, output
    assert "record/photo-5.jpg, record/photo-6.jpg" in output


@pytest.mark.usefixtures("cli_home")
def test_a_file_named_on_its_own_that_no_loader_reads_is_an_error(tmp_path: Path) -> None:
    image = tmp_path / "logo.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    code, output = invoke("ingest", str(image), "--project", "payments")
    assert code == 1
    assert "unsupported file type '.png'" in output


def test_an_issue_list_without_titles_is_skipped_with_its_reason(
    assistant: Assistant, record: Path, samples: Path
) -> None:
    shutil.copy(samples / "2026-10-15-payments-weekly.md", record)
    (record / "issue-data.json").write_text(json.dumps(NUMBERS_ONLY), encoding="utf-8")
    (record / "LICENSE").write_text("MIT License\n", encoding="utf-8")
    summary = assistant.records.ingest([record], "payments")
    assert summary.ok and summary.failures == []
    assert [(s.file, s.reason, s.unread_type) for s in summary.skipped_files] == [
        ("record/LICENSE", "pmassist does not read files without an extension", True),
        (
            "record/issue-data.json",
            "holds issue numbers and dates but no titles (export the title field to read them "
            "as tickets)",
            False,
        ),
    ]
    assert summary.added == ["minutes:2026-10-15-payments-weekly"]


@pytest.mark.usefixtures("cli_home")
def test_the_command_line_names_a_skipped_file_with_its_reason(record: Path) -> None:
    (record / "issue-data.json").write_text(json.dumps(NUMBERS_ONLY), encoding="utf-8")
    code, output = invoke("ingest", str(record), "--project", "payments")
    assert code == 0, output
    assert "Skipped record/issue-data.json: holds issue numbers and dates but no titles" in output


def test_a_skipped_file_does_not_hold_back_pruning(
    assistant: Assistant, record: Path, samples: Path
) -> None:
    shutil.copy(samples / "2026-10-15-payments-weekly.md", record)
    issues = record / "issues.json"
    issues.write_text(json.dumps(ISSUES), encoding="utf-8")
    first = assistant.records.ingest([record], "payments")
    assert "ticket:field-app#7" in first.added

    # The export is replaced by one with nothing to read: its ticket is gone from the record,
    # which a failed file would keep (its rows might only have failed), but a skipped one does not.
    issues.write_text(json.dumps(NUMBERS_ONLY), encoding="utf-8")
    (record / "diagram.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    kept = assistant.records.ingest([record], "payments")
    assert kept.stale == ["ticket:field-app#7"]
    pruned = assistant.records.ingest([record], "payments", prune=True)
    assert pruned.removed == ["ticket:field-app#7"] and pruned.failures == []
    assert [s.file for s in pruned.skipped_files] == ["record/diagram.png", "record/issues.json"]
    assert assistant.records.documents("payments", Kind.TICKET) == []


def test_an_upload_jobs_summary_lists_the_skipped_files(assistant: Assistant) -> None:
    job = assistant.uploads.start(
        "payments", [("issue-data.json", json.dumps(NUMBERS_ONLY).encode())]
    )
    for _ in range(300):
        if job.state in ("done", "failed"):
            break
        time.sleep(0.05)
    shown = job.as_dict()
    assert shown["state"] == "done", shown
    assert shown["summary"]["failures"] == []
    assert [skip["file"] for skip in shown["summary"]["skipped"]] == ["payments/issue-data.json"]
    assert "no titles" in shown["summary"]["skipped"][0]["reason"]
