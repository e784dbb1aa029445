"""`pmassist risks …` from the command line: suggest, the interactive review, list, show, edit,
export and the heat map, and the errors a PM sees."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from assistant import cli
from assistant.embeddings import Embedder
from assistant.service import Assistant
from tests.conftest import SAMPLE_RECORD

runner = CliRunner()


@pytest.fixture(autouse=True)
def _small_project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, embedder: Embedder) -> None:
    """Week 46 of the sample project: its minutes and the ticket export, ingested."""
    monkeypatch.setenv("PMASSIST_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PMASSIST_USER", "Priya Raman")
    monkeypatch.setenv("COLUMNS", "200")
    original = Assistant.__init__

    def with_shared_model(self: Assistant, settings, embedder_arg=None):  # type: ignore[no-untyped-def]
        original(self, settings, embedder_arg or embedder)

    monkeypatch.setattr(Assistant, "__init__", with_shared_model)
    record = tmp_path / "record"
    (record / "minutes").mkdir(parents=True)
    (record / "tickets").mkdir()
    for name in (
        "2026-11-05-weekly-status.md",
        "2026-11-12-weekly-status.md",
        "2026-11-12-steering-committee.md",
    ):
        shutil.copy(SAMPLE_RECORD / "minutes" / name, record / "minutes")
    shutil.copy(SAMPLE_RECORD / "tickets" / "harbor-jira-export.csv", record / "tickets")
    code, output = invoke("ingest", str(record), "--project", "harbor")
    assert code == 0, output


def invoke(*args: str, input: str | None = None) -> tuple[int, str]:
    cli._state.clear()
    result = runner.invoke(cli.app, list(args), input=input)
    return result.exit_code, result.output


def test_suggest_review_and_the_register(tmp_path: Path) -> None:
    code, output = invoke("risks", "suggest", "--project", "harbor", "--week", "2026-W46")
    assert code == 0, output
    assert "signals in 2026-W46 · writer: offline" in output
    assert "R-001" in output and "Key-person dependency on Tom Okafor" in output
    assert "pmassist risks review --project harbor" in output

    code, output = invoke("risks", "list", "--project", "harbor")
    assert code == 0 and output.count("proposed") >= 5
    rows_expected = [line for line in output.splitlines() if line.startswith("│ R-")]

    # Review: accept the first, reject the second with a reason (an empty one is asked again),
    # edit the third (likelihood only) and then accept it, skip the rest by quitting.
    edits = "\n".join(["", "", "", "", "", "2", "", "", "", "", "", "", "fewer slips now"])
    answers = (
        "\n".join(["a", "seen at the committee", "r", "", "not ours", "e", edits, "a", "", "q"])
        + "\n"
    )
    code, output = invoke("risks", "review", "--project", "harbor", input=answers)
    assert code == 0, output
    assert "1 of " in output and "Evidence:" in output and "(inferred)" in output
    assert "2 accepted, 1 rejected, 1 edited, 0 skipped." in output

    code, output = invoke("risks", "list", "--project", "harbor", "--status", "open")
    assert code == 0
    assert "R-001" in output and "R-003" in output and "R-002" not in output

    code, output = invoke("risks", "show", "R-003", "--project", "harbor")
    assert code == 0, output
    for expected in ("edited", "likelihood 4 → 2", "fewer slips now", "accepted", "Priya Raman"):
        assert expected in output, expected
    code, output = invoke("risks", "show", "R-002", "--project", "harbor")
    assert "rejected" in output and "not ours" in output

    code, output = invoke(
        "risks",
        "edit",
        "R-001",
        "--project",
        "harbor",
        "--set",
        "status=mitigating",
        "--set",
        "owner=Marta Novak",
        "--reason",
        "cover agreed",
        "--by",
        "Greg Holm",
    )
    assert code == 0, output
    assert "status open → mitigating" in output and "owner" in output

    code, output = invoke("risks", "export", "--project", "harbor", "--format", "csv")
    rows = list(csv.reader(io.StringIO(output)))
    assert code == 0 and rows[0][0] == "ID" and len(rows) == 1 + len(rows_expected)

    out = tmp_path / "register.csv"
    code, output = invoke(
        "risks", "export", "--project", "harbor", "--format", "csv", "--out", str(out)
    )
    assert code == 0 and out.read_text(encoding="utf-8-sig").startswith("ID,Status,Title")
    xlsx = tmp_path / "register.xlsx"
    code, output = invoke("risks", "export", "-p", "harbor", "--format", "xlsx", "--out", str(xlsx))
    assert code == 0, output
    assert load_workbook(xlsx).active.cell(2, 1).value == "R-001"
    svg = tmp_path / "heat.svg"
    code, output = invoke("risks", "heatmap", "--project", "harbor", "--out", str(svg))
    assert code == 0 and svg.read_text(encoding="utf-8").startswith("<svg")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("risks", "show", "R-404", "--project", "harbor"), "no risk 'R-404'"),
        (("risks", "accept", "R-404", "--project", "harbor"), "no risk 'R-404'"),
        (("risks", "list", "--project", "nope"), "Unknown project 'nope'"),
        (("risks", "list", "--project", "harbor", "--status", "maybe"), "Unknown status"),
        (("risks", "edit", "R-001", "--project", "harbor", "--set", "likelihood"), "FIELD=VALUE"),
        (("risks", "edit", "R-001", "-p", "harbor", "--set", "impact=high"), "impact"),
        (("risks", "export", "--project", "harbor", "--format", "xlsx"), "needs --out"),
        (("risks", "suggest", "--project", "harbor", "--week", "46"), "Invalid week"),
    ],
)
def test_errors_are_clear_and_exit_2(args: tuple[str, ...], message: str) -> None:
    code, output = invoke("risks", "suggest", "--project", "harbor", "--week", "2026-W46")
    assert code == 0, output
    code, output = invoke(*args)
    assert code == 2, output
    assert message in " ".join(output.split()), output
