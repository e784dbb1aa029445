"""The bundled sample project (Harbor) ingests cleanly and its hits cite real lines."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from assistant.domain.ingest import IngestSummary
from assistant.domain.record import Kind, Meeting, Ticket
from assistant.domain.search import RetrievalFilter
from assistant.service import Assistant
from tests.conftest import SAMPLE_RECORD


def meeting(assistant: Assistant, document_id: str) -> Meeting:
    document = assistant.wiring.documents.document("harbor", document_id)
    assert document is not None
    assert isinstance(document.record, Meeting)
    return document.record


def test_the_sample_ingests_without_failures_or_warnings(
    harbor: tuple[Assistant, IngestSummary],
) -> None:
    assistant, summary = harbor
    assert summary.failures == []
    assert summary.warnings == []
    counts = {kind: len(assistant.records.documents("harbor", kind)) for kind in Kind}
    assert counts[Kind.TICKET] >= 100
    assert counts[Kind.MINUTES] >= 10
    assert counts[Kind.DECISION] >= 10
    formats = {d.metadata["format"] for d in assistant.records.documents("harbor")}
    assert formats == {"markdown", "docx", "vtt", "srt", "jira-csv", "adr", "decision-log-csv"}


def test_weekly_minutes_cover_at_least_eight_weeks(harbor: tuple[Assistant, IngestSummary]) -> None:
    assistant, _ = harbor
    weeks = {
        d.date.isocalendar()[1]
        for d in assistant.records.documents("harbor", Kind.MINUTES)
        if d.date and "weekly" in d.id
    }
    assert len(weeks) >= 8


def test_stated_status_and_action_items(harbor: tuple[Assistant, IngestSummary]) -> None:
    assistant, _ = harbor
    assert meeting(assistant, "minutes:2026-10-29-weekly-status").stated_status == "red"
    latest = meeting(assistant, "minutes:2026-11-12-weekly-status")
    assert latest.stated_status == "amber"
    certificates = next(a for a in latest.action_items if a.task == "renew the test certificates")
    assert (certificates.owner, certificates.due, certificates.done) == (
        "Dana Fox",
        dt.date(2026, 11, 13),
        False,
    )
    unowned = [a for a in latest.action_items if a.owner is None]
    assert [a.task for a in unowned] == ["Confirm the DPIA sign-off route with the DPO"]
    steering = meeting(assistant, "minutes:2026-10-08-steering-committee")
    assert steering.stated_status == "amber" and steering.action_items
    war_room = meeting(assistant, "minutes:2026-11-05-load-test-war-room")
    assert war_room.transcript and war_room.decisions and war_room.action_items


def test_vendor_blocked_ticket(harbor: tuple[Assistant, IngestSummary]) -> None:
    assistant, _ = harbor
    blocked = [
        d.record
        for d in assistant.records.documents("harbor", Kind.TICKET)
        if isinstance(d.record, Ticket) and d.record.status == "Blocked"
    ]
    assert blocked and all(t.flagged for t in blocked)
    assert any("payflow" in t.labels for t in blocked)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which database did we choose instead of renewing Oracle?", "decision:ADR-0001"),
        ("Mask personal data in the UAT environment", "ticket:HBR-100"),
        ("Proration double-charges customers who switch tariff", "ticket:HBR-123"),
        ("Payflow sandbox rate limit blocks the peak load test", "ticket:HBR-48"),
    ],
)
def test_search_finds_the_obvious_source(
    harbor: tuple[Assistant, IngestSummary], question: str, expected: str
) -> None:
    assistant, _ = harbor
    hits = assistant.records.search(question, "harbor", k=5)
    assert expected in [hit.document_id for hit in hits]


def test_every_hit_cites_lines_that_hold_its_text(harbor: tuple[Assistant, IngestSummary]) -> None:
    assistant, _ = harbor
    hits = assistant.records.search(
        "load test slipped",
        "harbor",
        k=20,
        filters=RetrievalFilter(kinds=(Kind.MINUTES, Kind.DECISION)),
    )
    checked = 0
    for hit in hits:
        locator = hit.locator
        if locator.line_unit != "line" or locator.line_start is None:
            continue
        path = SAMPLE_RECORD.parent / locator.source
        lines = path.read_text(encoding="utf-8").split("\n")
        window = lines[locator.line_start - 1 : locator.line_end]
        for quoted in hit.text.split("\n")[1:]:
            if locator.time_start:
                # A transcript turn joins the cues of one speaker: its words are in the range.
                said = quoted.split(": ", 1)[1]
                srt = locator.source.endswith(".srt")
                cue_text = [
                    # Cue text without voice tags (VTT) or "Speaker:" prefixes (SRT).
                    re.sub(
                        r"^[A-Z][\w'. -]{1,40}:\s+" if srt else "^$",
                        "",
                        re.sub(r"<[^>]+>", "", line).strip(),
                    )
                    for i, line in enumerate(window)
                    if line.strip()
                    and "-->" not in line
                    and not (i + 1 < len(window) and "-->" in window[i + 1])  # a cue id
                ]
                assert said in " ".join(cue_text), (locator.label(), quoted)
            else:
                assert any(quoted in line for line in window), (locator.label(), quoted)
        checked += 1
    assert checked >= 5


def test_files_are_shown_relative_to_the_ingested_folder(
    harbor: tuple[Assistant, IngestSummary],
) -> None:
    assistant, _ = harbor
    sources = {d.source for d in assistant.records.documents("harbor")}
    assert "record/tickets/harbor-jira-export.csv" in sources
    assert all(source.startswith("record/") for source in sources)
    assert not any(Path(source).is_absolute() for source in sources)
