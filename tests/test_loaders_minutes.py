"""Minutes in Markdown/TXT, Word and transcripts (WebVTT, SRT), read from real-format samples."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import docx
import pytest

from assistant.domain.record import ActionItem, Kind, Meeting
from ingest.loaders.base import LoaderOptions, LoadResult
from tests.conftest import load_path

OPTIONS = LoaderOptions(project="payments")


def load(path: Path, options: LoaderOptions = OPTIONS) -> LoadResult:
    return load_path(path, options)


def only_meeting(result: LoadResult) -> Meeting:
    assert result.failures == []
    assert len(result.documents) == 1
    record = result.documents[0].document.record
    assert isinstance(record, Meeting)
    return record


def action(meeting: Meeting, task_start: str) -> ActionItem:
    matches = [item for item in meeting.action_items if item.task.startswith(task_start)]
    assert len(matches) == 1, [item.task for item in meeting.action_items]
    return matches[0]


def test_markdown_minutes_with_front_matter(samples: Path) -> None:
    result = load(samples / "2026-10-15-payments-weekly.md")
    meeting = only_meeting(result)
    document = result.documents[0].document

    assert document.id == "minutes:2026-10-15-payments-weekly"
    assert document.kind is Kind.MINUTES
    assert meeting.title == "Payments weekly — week 42"
    assert meeting.date == dt.date(2026, 10, 15)
    assert meeting.attendees == ["Olu Bakare", "Ines Duarte", "Marek Nowak", "Zoë Müller"]
    assert meeting.stated_status == "amber"
    assert document.metadata["stated_status"] == "amber"


def test_action_item_variants(samples: Path) -> None:
    meeting = only_meeting(load(samples / "2026-10-15-payments-weekly.md"))

    certificates = action(meeting, "renew the test certificates")
    assert (certificates.owner, certificates.due, certificates.done) == (
        "Zoë Müller",
        dt.date(2026, 10, 23),
        False,
    )
    assert certificates.section == "Action items"
    assert certificates.line == 29
    runbook = action(meeting, "update the checkout runbook")
    assert (runbook.owner, runbook.due) == ("Marek Nowak", dt.date(2026, 10, 21))
    chase = action(meeting, "chase the acquirer")
    assert (chase.owner, chase.due) == ("Ines Duarte", dt.date(2026, 10, 20))
    room = action(meeting, "book the go/no-go room")
    assert (room.owner, room.due) == ("Olu Bakare", dt.date(2026, 10, 28))
    profile = action(meeting, "share the load profile")
    assert (profile.owner, profile.due) == ("Marek Nowak", dt.date(2026, 10, 19))
    pci = action(meeting, "Confirm who signs off the PCI scan")
    assert (pci.owner, pci.due) == (None, dt.date(2026, 10, 30))
    minutes = action(meeting, "send the minutes")
    assert (minutes.owner, minutes.done) == ("Olu Bakare", True)  # first name resolved


def test_previous_actions_keep_their_ticks(samples: Path) -> None:
    meeting = only_meeting(load(samples / "2026-10-15-payments-weekly.md"))
    done = action(meeting, "ask the acquirer for a higher sandbox limit")
    assert (done.owner, done.done, done.section) == (
        "Ines Duarte",
        True,
        "Review of previous actions",
    )
    still_open = action(meeting, "write the Apple Pay test plan")
    assert (still_open.owner, still_open.due, still_open.done) == (
        "Marek Nowak",
        dt.date(2026, 10, 14),
        False,
    )


def test_action_table_rows(samples: Path) -> None:
    meeting = only_meeting(load(samples / "2026-10-15-payments-weekly.md"))
    note = action(meeting, "Publish the rate-limit incident note")
    assert (note.owner, note.due, note.done) == ("Ines Duarte", dt.date(2026, 10, 16), True)
    keys = action(meeting, "Rotate the API keys")
    assert (keys.owner, keys.done) == ("Zoë Müller", False)


def test_decisions_and_concerns(samples: Path) -> None:
    meeting = only_meeting(load(samples / "2026-10-15-payments-weekly.md"))
    assert [d.text for d in meeting.decisions] == [
        "Keep the retry back-off at 2 s until the acquirer confirms its limit.",
        "Apple Pay goes into release 2, not release 1.",
    ]
    assert [c.text for c in meeting.concerns] == [
        "The acquirer might slip the limit increase again; release 1 is at risk.",
        "Only Ines knows the settlement reconciliation scripts.",
    ]
    assert meeting.concerns[0].line == 44


def test_bold_date_and_attendee_lines(samples: Path) -> None:
    meeting = only_meeting(load(samples / "steering-notes.md"))
    assert meeting.title == "Steering committee — Payments"
    assert meeting.date == dt.date(2026, 11, 3)
    assert meeting.attendees == ["Olu Bakare", "Gemma Ortiz", "Ines Duarte"]
    assert meeting.stated_status == "red"
    # "Decisions needed" are asks, not decisions made.
    assert meeting.decisions == []


def test_windows_1252_text_is_decoded(samples: Path) -> None:
    meeting = only_meeting(load(samples / "cp1252-notes.txt"))
    assert meeting.attendees == ["Olu Bakare", "René François"]
    assert meeting.date == dt.date(2026, 10, 22)


def test_chunks_point_at_the_lines_they_quote(samples: Path) -> None:
    path = samples / "2026-10-15-payments-weekly.md"
    file_lines = path.read_text(encoding="utf-8").split("\n")
    loaded = load(path).documents[0]
    for section in loaded.sections:
        for line in section.lines:
            assert file_lines[line.number - 1] == line.text


def make_docx(path: Path) -> None:
    word = docx.Document()
    word.add_paragraph("Steering committee — 8 October", style="Title")
    word.add_paragraph("Date: 8 October 2026")
    word.add_paragraph("Attendees: Gemma Ortiz, Olu Bakare (PM), Ines Duarte")
    word.add_paragraph("Overall status: Amber", style="Normal")
    word.add_heading("Decisions", level=2)
    word.add_paragraph("CR-4 approved: Apple Pay, +EUR 30k", style="List Bullet")
    word.add_heading("Action items", level=2)
    table = word.add_table(rows=3, cols=4)
    for cell, text in zip(table.rows[0].cells, ["Owner", "Action", "Due", "Status"], strict=True):
        cell.text = text
    for cell, text in zip(
        table.rows[1].cells, ["Olu Bakare", "Re-plan M2", "2026-10-15", "Open"], strict=True
    ):
        cell.text = text
    for cell, text in zip(
        table.rows[2].cells,
        ["Ines Duarte", "Send the CR to finance", "9 Oct 2026", "Done"],
        strict=True,
    ):
        cell.text = text
    word.add_heading("Risks", level=2)
    word.add_paragraph("Acquirer capacity remains a concern.", style="List Bullet")
    word.save(str(path))


def test_docx_minutes(tmp_path: Path) -> None:
    path = tmp_path / "2026-10-08-steering.docx"
    make_docx(path)
    result = load(path)
    meeting = only_meeting(result)
    assert result.format == "minutes-docx"
    assert meeting.title == "Steering committee — 8 October"
    assert meeting.date == dt.date(2026, 10, 8)
    assert meeting.attendees == ["Gemma Ortiz", "Olu Bakare", "Ines Duarte"]
    assert meeting.stated_status == "amber"
    assert [d.text for d in meeting.decisions] == ["CR-4 approved: Apple Pay, +EUR 30k"]
    assert [(a.owner, a.task, a.due, a.done) for a in meeting.action_items] == [
        ("Olu Bakare", "Re-plan M2", dt.date(2026, 10, 15), False),
        ("Ines Duarte", "Send the CR to finance", dt.date(2026, 10, 9), True),
    ]
    assert [c.text for c in meeting.concerns] == ["Acquirer capacity remains a concern."]
    locator = result.documents[0].sections[-1].locator
    assert locator.line_unit == "paragraph"


def test_broken_docx_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "minutes.docx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    result = load(path)
    assert result.documents == []
    assert "not a valid Word" in result.failures[0].reason


def test_teams_webvtt_transcript(samples: Path) -> None:
    result = load(samples / "2026-10-20-acquirer-call.vtt")
    meeting = only_meeting(result)
    assert meeting.transcript is True
    assert meeting.date == dt.date(2026, 10, 20)
    assert meeting.title == "Acquirer call"
    assert meeting.attendees == ["Olu Bakare", "Ines Duarte", "Marek Nowak"]
    assert [d.text for d in meeting.decisions] == [
        "we test against the acquirer simulator from Monday."
    ]
    [item] = meeting.action_items
    assert (item.owner, item.due) == ("Ines Duarte", dt.date(2026, 10, 23))
    lines = result.documents[0].sections[0].lines
    # Consecutive cues of one speaker merge into a turn with the first cue's line and time.
    assert lines[0].text == (
        "Olu Bakare: Thanks for joining. The 200 tps test is blocked again. "
        "Ines, where are we with the acquirer?"
    )
    assert (lines[0].number, lines[0].time, lines[0].time_end) == (7, "00:00:04", "00:00:14")
    assert lines[0].last_number == 11  # the turn's second cue, so a citation covers all of it


def test_zoom_srt_transcript(samples: Path) -> None:
    result = load(samples / "2026-10-08-vendor-sync.srt")
    meeting = only_meeting(result)
    assert meeting.attendees == ["Olu Bakare", "Keira Shaw"]
    texts = [line.text for line in result.documents[0].sections[0].lines]
    assert texts[1] == (
        "Keira Shaw: Happy to. The new sandbox is planned for mid-October. "
        "we are still waiting on our infrastructure team."
    )


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("call.vtt", "00:00:01.000 --> 00:00:02.000\nHello\n", "first line must be 'WEBVTT'"),
        ("call.vtt", "WEBVTT\n\nthis line is no timing\nHello\n", "line 3: expected a cue timing"),
        ("call.srt", "1\n00:00:01 --> nonsense\nHi\n", "line 1: expected a subtitle number"),
    ],
)
def test_malformed_transcripts_name_the_line(
    tmp_path: Path, name: str, content: str, reason: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = load(path)
    assert result.documents == []
    assert reason in result.failures[0].reason


def test_kind_override_forces_a_decision_record(samples: Path, tmp_path: Path) -> None:
    copy = tmp_path / "notes.md"
    shutil.copy(samples / "steering-notes.md", copy)
    result = load(copy, LoaderOptions(project="payments", kind=Kind.DECISION))
    assert result.documents[0].document.kind is Kind.DECISION


@pytest.mark.parametrize(
    ("line", "owner", "task", "due"),
    [
        (
            "- [x] Ravi Patel — Fix the proration defect (HBR-123) — due 2026-11-10",
            "Ravi Patel",
            "Fix the proration defect (HBR-123)",
            dt.date(2026, 11, 10),
        ),
        (
            "- [ ] Greg Holm — decide on the go-live date (PM proposal 2027-01-18) — due 2026-11-19",
            "Greg Holm",
            "decide on the go-live date (PM proposal 2027-01-18)",
            dt.date(2026, 11, 19),
        ),
        # Relative dates count from the meeting (Thursday 2026-11-05).
        (
            "- ACTION: Tom escalates the case by tomorrow",
            "Tom Okafor",
            "Tom escalates the case",
            dt.date(2026, 11, 6),
        ),
        (
            "- [ ] Dana to renew the certificates by Friday",
            "Dana Fox",
            "renew the certificates",
            dt.date(2026, 11, 6),
        ),
        (
            "- [ ] Dana to renew the certificates by Thursday",
            "Dana Fox",
            "renew the certificates",
            dt.date(2026, 11, 12),
        ),
        (
            "- [ ] Tom Okafor: book the war room (no date yet)",
            "Tom Okafor",
            "book the war room (no date yet)",
            None,
        ),
    ],
)
def test_action_item_details(line: str, owner: str, task: str, due: dt.date | None) -> None:
    from ingest.loaders.action_items import parse_action_line

    item = parse_action_line(
        line,
        in_action_section=True,
        attendees=["Tom Okafor", "Dana Fox", "Ravi Patel", "Greg Holm"],
        meeting_date=dt.date(2026, 11, 5),
    )
    assert item is not None
    assert (item.owner, item.task, item.due) == (owner, task, due)


def test_plain_lines_outside_action_sections_are_not_actions() -> None:
    from ingest.loaders.action_items import parse_action_line

    assert parse_action_line("- Sprint review is on Friday", in_action_section=False) is None
    assert parse_action_line("Notes: the plan is updated", in_action_section=True) is None


def test_plain_text_minutes_with_underlined_headings(tmp_path: Path) -> None:
    path = tmp_path / "2027-01-27-weekly.txt"
    path.write_text(
        "WEEKLY STATUS\n=============\n\nDate: 27 January 2027\n"
        "Attendees: Declan Moore (Sponsor, Director of Outpatients, chair), Niamh Gallagher\n\n"
        "Milestones\n----------\n\n"
        "M3 Integration test complete ........ 26 Feb 2027, on track\n\n"
        "Actions\n-------\n\n- [ ] Niamh Gallagher — book the steering committee — due 2027-02-01\n",
        encoding="utf-8",
    )
    meeting = load_path(path).documents[0].document.record
    assert isinstance(meeting, Meeting)
    assert meeting.attendees == ["Declan Moore", "Niamh Gallagher"]
    assert [(m.id, m.name, m.forecast) for m in meeting.milestones] == [
        ("M3", "Integration test complete", dt.date(2027, 2, 26))
    ]
    assert [(a.owner, a.due) for a in meeting.action_items] == [
        ("Niamh Gallagher", dt.date(2027, 2, 1))
    ]
