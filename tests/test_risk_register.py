"""The risk register: matching suggestions against it, the PM's review with its append-only
history, export, heat map, the status report's view of it, and erasure.

Each test works on its own copy of the sample project's database (the vectors are shared and
only read), so register changes never leak between tests.
"""

from __future__ import annotations

import csv
import io
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from assistant.config import Settings
from assistant.domain.errors import ApprovalRefused, InvalidInputError, UnknownRiskError
from assistant.domain.period import week_period
from assistant.embeddings import Embedder
from assistant.reports.rendering import render_html, render_markdown
from assistant.risks.export import neutralise
from assistant.service import Assistant
from tests.conftest import BOTH_DATABASES, SAMPLE_RECORD, Database
from tests.test_risks import PM, W46, find, sample

__all__ = ["sample"]  # the fixture, shared with test_risks
pytestmark = BOTH_DATABASES


def test_a_second_run_links_instead_of_duplicating(sample: Assistant) -> None:
    sample.risks.suggest("harbor", W46)
    first = {e.id: e.score for e in sample.risks.entries("harbor")}
    _, run = sample.risks.suggest("harbor", W46)
    assert {e.id: e.score for e in sample.risks.entries("harbor")} == first
    # Nothing changed in the record, so nothing is written: no new entries and no history rows.
    assert {o.action for o in run.outcomes} == {"unchanged"} and len(run.outcomes) == len(first)
    assert all(len(sample.risks.entry("harbor", i).history) == 1 for i in first)


def test_a_reviewed_entry_keeps_the_pms_assessment_and_escalation_is_flagged(
    sample: Assistant,
) -> None:
    sample.risks.suggest("harbor", week_period("2026-W45"))
    person = find(sample, "key_person:tom-okafor")
    sample.risks.accept("harbor", person.id, PM)
    sample.risks.edit("harbor", person.id, PM, {"likelihood": "2"}, "leave cover agreed")

    _, run = sample.risks.suggest("harbor", W46)

    after = sample.risks.entry("harbor", person.id)
    assert (after.status, after.likelihood) == ("open", 2)
    assert after.trend == "escalated" and after.signal_score == 20
    outcome = next(o for o in run.outcomes if o.risk_id == person.id)
    assert (outcome.action, outcome.trend) == ("linked", "escalated")
    linked = after.history[-1]
    assert linked.action == "linked" and "suggests score 20 against 8" in (linked.reason or "")
    assert linked.actor == "pmassist (offline)"
    assert "evidence" in linked.changes  # the week-46 minutes joined its evidence


def test_an_edited_proposal_is_not_overwritten(sample: Assistant) -> None:
    sample.risks.suggest("harbor", week_period("2026-W45"))
    budget = find(sample, "budget:forecast")
    sample.risks.edit("harbor", budget.id, PM, {"title": "Overspend needs funding decision"})
    sample.risks.suggest("harbor", W46)
    after = sample.risks.entry("harbor", budget.id)
    assert after.title == "Overspend needs funding decision"
    assert after.status == "proposed" and after.history[-1].action == "linked"


def test_a_rejected_risk_returns_only_with_new_evidence(sample: Assistant) -> None:
    sample.risks.suggest("harbor", week_period("2026-W45"))
    scope = find(sample, "scope:change-requests")
    sample.risks.reject("harbor", scope.id, PM, "change requests go through change control")

    _, same = sample.risks.suggest("harbor", week_period("2026-W45"))
    assert scope.id in same.suppressed
    assert sample.risks.entry("harbor", scope.id).status == "rejected"

    budget = find(sample, "budget:forecast")
    sample.risks.reject("harbor", budget.id, PM, "known, in the forecast")
    _, later = sample.risks.suggest("harbor", W46)
    # Week 46 states a new forecast (USD 648k): new evidence, so the budget risk is proposed
    # again with the new evidence named; the change requests brought nothing new.
    again = sample.risks.entry("harbor", budget.id)
    assert again.status == "proposed"
    assert again.history[-1].action == "reproposed"
    assert "2026-11-12-weekly-status.md" in (again.history[-1].reason or "")
    assert scope.id in later.suppressed
    assert sample.risks.entry("harbor", scope.id).status == "rejected"


def test_accept_edit_reject_and_close_are_in_the_history(sample: Assistant) -> None:
    sample.risks.suggest("harbor", W46)
    vendor = find(sample, "vendor:payflow")
    scope = find(sample, "scope:change-requests")

    sample.risks.accept("harbor", vendor.id, PM, "raised at the steering committee")
    sample.risks.edit(
        "harbor",
        vendor.id,
        "Greg Holm",
        {"impact": "5", "owner": "Tom Okafor", "mitigation": "Escalate; Use the simulator"},
        "sponsor view",
    )
    sample.risks.edit("harbor", vendor.id, PM, {"status": "mitigating"}, "simulator in use")
    sample.risks.reject("harbor", scope.id, PM, "tracked by change control")

    entry = sample.risks.entry("harbor", vendor.id)
    assert (entry.status, entry.impact, entry.score, entry.owner) == (
        "mitigating",
        5,
        20,
        "Tom Okafor",
    )
    assert entry.mitigation == ["Escalate", "Use the simulator"]
    assert [h.action for h in entry.history] == ["proposed", "accepted", "edited", "status changed"]
    accepted, edited, moved = entry.history[1:]
    assert (accepted.actor, accepted.changes, accepted.reason) == (
        PM,
        {"status": ["proposed", "open"]},
        "raised at the steering committee",
    )
    assert edited.actor == "Greg Holm" and edited.reason == "sponsor view"
    assert edited.changes["impact"] == [4, 5] and edited.changes["score"] == [16, 20]
    assert edited.changes["owner"] == ["Sam Lee", "Tom Okafor"]
    assert moved.changes == {"status": ["open", "mitigating"]}
    assert all(h.at is not None for h in entry.history)
    rejected = sample.risks.entry("harbor", scope.id).history[-1]
    assert (rejected.action, rejected.reason) == ("rejected", "tracked by change control")


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda s, i: s.risks.reject("harbor", i, PM, "  "), "Give a reason"),
        (lambda s, i: s.risks.edit("harbor", i, PM, {"likelihood": "9"}), "likelihood"),
        (lambda s, i: s.risks.edit("harbor", i, PM, {"colour": "red"}), "Cannot edit colour"),
        (lambda s, i: s.risks.edit("harbor", i, PM, {"category": "weather"}), "category"),
        (lambda s, i: s.risks.edit("harbor", i, PM, {"status": "closed"}, "x"), "can move to"),
        (lambda s, i: s.risks.edit("harbor", i, PM, {"proximity_date": "soon"}), "proximity"),
        (lambda s, i: s.risks.accept("harbor", i, " "), "who makes the change"),
    ],
)
def test_bad_changes_are_refused_and_change_nothing(
    sample: Assistant, action: Any, message: str
) -> None:
    sample.risks.suggest("harbor", W46)
    entry = find(sample, "budget:forecast")
    with pytest.raises(InvalidInputError, match=message):
        action(sample, entry.id)
    after = sample.risks.entry("harbor", entry.id)
    assert after == entry.model_copy(update={"history": after.history})
    assert len(after.history) == 1


def test_unknown_risk_and_status_are_clear_errors(sample: Assistant) -> None:
    with pytest.raises(UnknownRiskError, match=r"no risk 'R-404'"):
        sample.risks.entry("harbor", "R-404")
    with pytest.raises(InvalidInputError, match="Unknown status maybe"):
        sample.risks.entries("harbor", ["maybe"])


def test_the_history_is_append_only_in_the_database(sample: Assistant) -> None:
    sample.risks.suggest("harbor", W46)
    with sample.wiring.documents.engine.begin() as connection:
        count = connection.scalar(text("SELECT count(*) FROM risk_history"))
    for statement in ("UPDATE risk_history SET actor = 'x'", "DELETE FROM risk_history"):
        with (
            pytest.raises(DBAPIError, match="append-only"),
            sample.wiring.documents.engine.begin() as c,
        ):
            c.execute(text(statement))
    with sample.wiring.documents.engine.begin() as connection:
        assert connection.scalar(text("SELECT count(*) FROM risk_history")) == count


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_starts_are_neutralised(start: str) -> None:
    assert neutralise(f"{start}1+2") == f"'{start}1+2"
    assert neutralise("M4 slipped") == "M4 slipped"


def test_register_exports_as_csv_and_xlsx_without_formulas(
    sample: Assistant, tmp_path: Path
) -> None:
    sample.risks.suggest("harbor", W46)
    entry = find(sample, "budget:forecast")
    sample.risks.edit(
        "harbor",
        entry.id,
        PM,
        {"title": '=HYPERLINK("http://example.org","x")', "mitigation": "-2+3; @SUM(A1)"},
    )
    rows = list(
        csv.reader(io.StringIO(sample.risks.export("harbor", "csv").data.decode("utf-8-sig")))
    )
    header, body = rows[0], rows[1:]
    assert header[:3] == ["ID", "Status", "Title"] and len(body) == len(
        sample.risks.entries("harbor")
    )
    row = next(r for r in body if r[0] == entry.id)
    assert row[2] == '\'=HYPERLINK("http://example.org","x")'
    assert row[header.index("Mitigation")] == "'-2+3; @SUM(A1)"
    assert row[header.index("Score")] == str(entry.score)

    path = tmp_path / "register.xlsx"
    path.write_bytes(sample.risks.export("harbor", "xlsx").data)
    sheet = load_workbook(path).active
    cells = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    title = cells[entry.id][2]
    assert title.data_type == "s" and str(title.value).startswith("'=")
    assert all(
        not (isinstance(c.value, str) and c.value[:1] in "=+-@") or c.data_type == "s"
        for row in sheet.iter_rows()
        for c in row
    )
    with pytest.raises(InvalidInputError, match="csv or xlsx"):
        sample.risks.export("harbor", "pdf")


def test_heat_map_places_each_entry_in_its_cell(sample: Assistant) -> None:
    sample.risks.suggest("harbor", W46)
    person = find(sample, "key_person:tom-okafor")  # likelihood 5, impact 4
    sample.risks.accept("harbor", person.id, PM)
    svg = sample.risks.heat_map("harbor")
    root = ET.fromstring(svg)
    texts = {t.text: t for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert person.id in texts  # accepted: plain
    others = [e for e in sample.risks.entries("harbor") if e.id != person.id]
    assert all(f"{e.id}*" in texts for e in others)  # suggested: starred
    # Row of likelihood 5 is the top one, column of impact 4 the fourth.
    x, y = float(texts[person.id].get("x")), float(texts[person.id].get("y"))
    assert 56 + 3 * 64 < x < 56 + 4 * 64 and 8 < y < 8 + 64


def test_the_status_report_shows_the_register_and_the_suggestions(sample: Assistant) -> None:
    sample.risks.suggest("harbor", W46)
    vendor = find(sample, "vendor:payflow")
    sample.risks.accept("harbor", vendor.id, PM)

    _, report = sample.reports.draft("harbor", W46)

    assert [line.risk_id for line in report.section("risk_register")] == [vendor.id]
    assert len(report.section("suggested_risks")) == len(sample.risks.entries("harbor")) - 1
    for line in [*report.section("risk_register"), *report.section("suggested_risks")]:
        assert line.citations and not line.flags, (line.text, line.flags)
    markdown = render_markdown(report)
    assert "## Risk register" in markdown and f"- {vendor.id} Payflow dependency" in markdown
    assert "## Suggested risks (not yet reviewed)" in markdown
    html = render_html(report)
    assert "Likelihood" in html and f">{vendor.id}<" in html


def test_forget_removes_a_documents_words_from_the_register(
    tmp_path: Path, embedder: Embedder, database: Database
) -> None:
    record = tmp_path / "record"
    (record / "minutes").mkdir(parents=True)
    (record / "tickets").mkdir()
    for name in ("2026-11-05-weekly-status.md", "2026-11-12-weekly-status.md"):
        shutil.copy(SAMPLE_RECORD / "minutes" / name, record / "minutes")
    shutil.copy(SAMPLE_RECORD / "tickets" / "harbor-jira-export.csv", record / "tickets")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, home=tmp_path / "home", database_url=database.url()
    )
    assistant = Assistant(settings, embedder=embedder, language_model=None)
    assistant.records.ingest([record], "harbor")
    assistant.risks.suggest("harbor", W46)
    minutes = "minutes:2026-11-12-weekly-status"
    touched = [
        e
        for e in assistant.risks.entries("harbor")
        if any(i.document_id == minutes for i in e.evidence)
    ]
    assert touched

    draft_id, _ = assistant.reports.draft("harbor", W46)
    assert assistant.drafts.checks(draft_id).passed  # type: ignore[union-attr]

    assistant.records.forget("harbor", minutes)

    # The draft quotes the erased minutes: approving it now runs its checks again, against the
    # record as it is after the erasure, and refuses.
    with pytest.raises(ApprovalRefused, match="sources match the record"):
        assistant.drafts.approve(draft_id, PM)

    for entry in assistant.risks.entries("harbor"):
        assert all(item.document_id != minutes for item in entry.evidence)
    change = assistant.risks.entry("harbor", touched[0].id).history[-1]
    assert change.action == "evidence removed" and minutes in (change.reason or "")
    with assistant.wiring.documents.engine.connect() as connection:
        history = " ".join(connection.scalars(text("SELECT changes_json FROM risk_history")))
    assert "runbook not started" not in history  # the history never held the words


def test_a_category_changed_by_the_pm_does_not_duplicate_the_entry(sample: Assistant) -> None:
    sample.risks.suggest("harbor", week_period("2026-W45"))
    vendor = find(sample, "vendor:payflow")
    sample.risks.edit("harbor", vendor.id, PM, {"category": "schedule"})
    count = len(sample.risks.entries("harbor"))
    sample.risks.suggest("harbor", W46)
    assert [e.id for e in sample.risks.entries("harbor") if e.signal_key == "vendor:payflow"] == [
        vendor.id
    ]
    assert len(sample.risks.entries("harbor")) == count + 1  # only M6, under review from week 46
    assert sample.risks.entry("harbor", vendor.id).category == "schedule"


def test_a_rejected_entry_the_pm_edited_comes_back_with_the_pms_words(sample: Assistant) -> None:
    sample.risks.suggest("harbor", week_period("2026-W45"))
    budget = find(sample, "budget:forecast")
    sample.risks.edit("harbor", budget.id, PM, {"title": "Overspend: funding decision"})
    sample.risks.reject("harbor", budget.id, PM, "in the forecast")
    sample.risks.suggest("harbor", W46)
    again = sample.risks.entry("harbor", budget.id)
    assert (again.status, again.title) == ("proposed", "Overspend: funding decision")


def test_runs_write_no_record_text_into_the_history(sample: Assistant) -> None:
    sample.risks.suggest("harbor", week_period("2026-W45"))
    sample.risks.suggest("harbor", W46)  # refreshes proposals with week-46 wording
    with sample.wiring.documents.engine.connect() as connection:
        rows = connection.execute(text("SELECT changes_json, reason FROM risk_history")).all()
    history = " ".join(f"{changes} {reason}" for changes, reason in rows)
    assert "(new text)" in history
    for words in ("only Tom knows", "Test environment certificates", "Payflow dependency:"):
        assert words not in history


def test_control_characters_never_reach_the_register_or_the_spreadsheet(
    sample: Assistant, tmp_path: Path
) -> None:
    sample.risks.suggest("harbor", W46)
    entry = find(sample, "budget:forecast")
    sample.risks.edit("harbor", entry.id, PM, {"title": "Bad\x07title\x00", "trigger": "ab\x1bc"})
    assert sample.risks.entry("harbor", entry.id).title == "Badtitle"
    with pytest.raises(InvalidInputError, match="trigger"):  # checked after cleaning
        sample.risks.edit("harbor", entry.id, PM, {"trigger": "a\x1bb"})
    path = tmp_path / "register.xlsx"
    path.write_bytes(sample.risks.export("harbor", "xlsx").data)
    assert load_workbook(path).active.cell(2, 1).value == "R-001"


def test_a_report_of_an_earlier_week_shows_only_what_was_known_then(sample: Assistant) -> None:
    sample.risks.suggest("harbor", week_period("2026-W45"))
    sample.risks.suggest("harbor", W46)
    _, early = sample.reports.draft("harbor", week_period("2026-W38"))
    _, w45 = sample.reports.draft("harbor", week_period("2026-W45"))
    _, w46 = sample.reports.draft("harbor", W46)
    assert early.section("suggested_risks") == [] and early.section("risk_register") == []
    m6 = find(sample, "milestone:m6")  # first seen in week 46
    assert m6.id not in {line.risk_id for line in w45.section("suggested_risks")}
    assert len(w46.section("suggested_risks")) == len(sample.risks.entries("harbor"))
