"""The `pmassist` command line: exit codes, summaries, failures named by file, row and field."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant import cli
from tests.conftest import invoke_cli

runner = CliRunner()


@pytest.fixture(autouse=True)
def _cli_uses_test_settings(cli_home: None) -> None:
    """Every command here runs with the test settings (see `cli_home`)."""


invoke = invoke_cli


def test_ingest_then_search_shows_locators(record: Path, samples: Path) -> None:
    for name in (
        "2026-10-15-payments-weekly.md",
        "jira-cloud-export.csv",
        "0007-use-managed-postgresql.md",
    ):
        shutil.copy(samples / name, record)
    code, output = invoke("ingest", str(record), "--project", "payments")
    assert code == 0, output
    assert "Ingest of 'payments'" in output
    assert "│ 7     │ 0       │ 0         │ 0       │ 0      │" in output

    code, output = invoke(
        "search", "renew the test certificates", "--project", "payments", "-k", "4"
    )
    assert code == 0, output
    assert "record/2026-10-15-payments-weekly.md › Action items, lines 29–39" in output

    code, output = invoke(
        "search", "acquirer timeout", "-p", "payments", "--kind", "ticket", "-k", "1"
    )
    assert code == 0, output
    assert "PAY-104" in output and "minutes" not in output

    code, output = invoke("projects")
    assert code == 0 and "payments" in output and "all-MiniLM-L6-v2" in output

    code, output = invoke("docs", "--project", "payments", "--kind", "decision")
    assert code == 0 and "decision:ADR-0007" in output and "ticket:" not in output


def test_search_k_shows_k_documents_with_their_best_passages(record: Path) -> None:
    # One document matching in every one of its 45 sections, and four matching once.
    sections = "".join(
        f"## Escrow topic {n}\n\n- Escrow reconciliation for escrow batch {n} is pending.\n\n"
        for n in range(45)
    )
    (record / "2026-09-01-escrow-workshop.md").write_text(
        f"# Escrow workshop\n\n{sections}", "utf-8"
    )
    for day in ("02", "09", "16", "23"):
        (record / f"2026-09-{day}-weekly.md").write_text(
            f"# Weekly {day}\n\n## Notes\n\n- Escrow reconciliation was mentioned.\n", "utf-8"
        )
    assert invoke("ingest", str(record), "--project", "escrow")[0] == 0

    code, output = invoke("search", "escrow reconciliation", "-p", "escrow", "-k", "3")
    assert code == 0, output
    lines = output.splitlines()
    results = [line for line in lines if re.match(r"\s*\d+\. ", line)]
    assert [line.split(".")[0].strip() for line in results] == ["1", "2", "3"]
    assert sum("Escrow workshop" in line for line in results) == 1
    passages = [line for line in lines if "↳" in line]
    workshop = [line for line in passages if "escrow-workshop.md" in line]
    assert 1 <= len(workshop) <= 3  # its best passages, not all 45
    assert len(passages) <= 3 * 3
    assert all(re.search(r"\[-?\d\.\d\d\]$", line.rstrip()) for line in passages)


def test_failures_are_listed_and_exit_non_zero(record: Path, samples: Path) -> None:
    shutil.copy(samples / "jira-bad-rows.csv", record)
    code, output = invoke("ingest", str(record), "--project", "ops")
    assert code == 1
    assert "Not ingested" in output
    assert "record/jira-bad-rows.csv" in output
    assert "field 'Created'" in output and "cannot read date '31/Foo/26 9:00 AM'" in output


def test_clear_messages_for_bad_input(tmp_path: Path) -> None:
    code, output = invoke("ingest", str(tmp_path / "nowhere"), "--project", "p")
    assert code == 2 and "No such file or folder" in output
    code, output = invoke("search", "x", "--project", "unknown")
    assert code == 2 and "Unknown project 'unknown'" in output
    code, output = invoke("forget", "ticket:X-1", "--project", "unknown", "--yes")
    assert code == 2 and "Unknown project" in output


def test_invalid_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PMASSIST_CHUNK_TOKENS", "lots")
    code, output = invoke("projects")
    assert code == 2
    assert "CHUNK_TOKENS" in output and ".env.example" in output


def test_forget_and_reindex(record: Path, samples: Path) -> None:
    shutil.copy(samples / "jira-cloud-export.csv", record)
    assert invoke("ingest", str(record), "--project", "payments")[0] == 0
    code, output = invoke("forget", "ticket:PAY-104", "--project", "payments", "--yes")
    # Two: with its header (title, date in digits and month words) the ticket's last comment
    # no longer fits the default 220 tokens.
    assert code == 0 and "Erased 'ticket:PAY-104' (2 chunks)" in output
    code, output = invoke("reindex", "--project", "payments")
    assert code == 0 and "Reindexed 4 chunks" in output


def test_ask_prints_a_cited_answer_and_its_sources(record: Path, samples: Path) -> None:
    shutil.copy(samples / "jira-cloud-export.csv", record)
    assert invoke("ingest", str(record), "--project", "payments")[0] == 0
    code, output = invoke("ask", "Why are card payments timing out?", "--project", "payments")
    assert code == 0, output
    assert "Extracts from the project record" in output or "may not answer this directly" in output
    assert "Sources:" in output
    assert "PAY-104 · record/jira-cloud-export.csv, row 2" in output
    assert "conversation " in output and " · extractive" in output


def test_ask_about_something_the_record_does_not_cover(record: Path, samples: Path) -> None:
    shutil.copy(samples / "jira-cloud-export.csv", record)
    invoke("ingest", str(record), "--project", "payments")
    code, output = invoke(
        "ask", "Best recipe for banana bread with walnuts?", "--project", "payments"
    )
    assert code == 0
    assert "The project record does not cover this question" in output
    assert "Closest documents (not close enough to answer):" in output


def test_ask_with_bad_input_exits_2(record: Path, samples: Path) -> None:
    shutil.copy(samples / "jira-cloud-export.csv", record)
    invoke("ingest", str(record), "--project", "payments")
    code, output = invoke("ask", "  ", "--project", "payments")
    assert code == 2 and "The question is empty" in output
    code, output = invoke("ask", "Why?", "--project", "nowhere")
    assert code == 2 and "Unknown project 'nowhere'" in output


def test_chat_session(record: Path, samples: Path) -> None:
    shutil.copy(samples / "jira-cloud-export.csv", record)
    invoke("ingest", str(record), "--project", "payments")
    cli._state.clear()
    result = runner.invoke(
        cli.app,
        ["chat", "--project", "payments"],
        input="Why is PAY-104 blocked?\nand who is assigned to it?\n/sources\n/new\n/quit\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("conversation ") == 2
    conversations = {
        line.split("conversation ")[1].split(" ")[0]
        for line in result.output.splitlines()
        if "conversation " in line
    }
    assert len(conversations) == 1  # the follow-up continued the same conversation
    assert "New conversation." in result.output


def test_report_command_writes_and_refuses_bad_periods(
    record: Path, samples: Path, tmp_path: Path
) -> None:
    for name in ("2026-10-15-payments-weekly.md", "jira-cloud-export.csv"):
        shutil.copy(samples / name, record)
    assert invoke("ingest", str(record), "--project", "payments")[0] == 0

    out = tmp_path / "w42.html"
    code, output = invoke(
        "report",
        "--project",
        "payments",
        "--week",
        "2026-W42",
        "--format",
        "html",
        "--out",
        str(out),
    )
    assert code == 0, output
    assert "Draft 1 (2026-W42," in output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert "status report 2026-W42" in page

    code, output = invoke(
        "report", "--project", "payments", "--from", "2026-10-12", "--to", "2026-10-18"
    )
    assert code == 0, output
    assert "# payments: status report 2026-W42" in output

    code, output = invoke("report", "--project", "payments", "--week", "2026-42")
    assert code == 2
    assert "Invalid week '2026-42'" in output
    code, output = invoke("report", "--project", "payments", "--from", "2026-10-12")
    assert code == 2
    assert "--to: A first day needs a last day too" in output
    code, output = invoke("report", "--project", "nope", "--week", "2026-W42")
    assert code == 2
    assert "Unknown project 'nope'" in output
