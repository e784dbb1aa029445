"""The signal families on records written as teams write them: people away, credentials that
expire, cloud credits that run out early, a platform the team is leaving, a tracker's late
milestone and blocked column; fragments of one risk folded into one proposal, and scores that
move with the evidence and say why.

The record is loaded and chunked as ingest does, without embeddings: detectors read text only.
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest

from assistant.domain.period import week_period
from assistant.domain.risk import ProposalDraft, RiskProposal
from assistant.facts import period_facts
from assistant.facts.record import RecordSnapshot
from assistant.facts.sources import SourceBook
from assistant.risks.offline_writer import write_offline
from assistant.risks.signals import MAX_EVIDENCE, RiskSignal, SignalEvidence, detect_signals
from assistant.risks.signals.assessment import assess
from assistant.risks.signals.timing import horizon_days, month_dates
from assistant.risks.validation import validate_proposal
from assistant.tokens import TokenCounter
from ingest.chunking import Chunker
from ingest.loaders import load_file
from ingest.loaders.base import LoaderOptions, SourceFile

WEEK = week_period("2026-W11")  # 9-15 March 2026

EARLIER = """\
# Platform team weekly 2026-03-03

Attendees: Dana Fox, Omar Haddad, Lena Park

## Upcoming calendar
- Upcoming credential expirations:
    - 2026-03-14: Deploy token used by the release pipeline expires

## Cloud costs
- Sponsored cloud account, credits left: $20k until 2026-12-31
    - At current rate we shall deplete credits on May 2026
"""

LATEST = """\
# Platform team weekly 2026-03-10

Attendees: Dana Fox, Omar Haddad, Lena Park

## Announcements
- Team capacity:
    - Dana Fox is off from 16 to 27 March
    - Omar will be on leave until 20 March
- Next release: 2026-03-18

## Upcoming calendar
- Upcoming credential expirations:
    - 2026-03-14: Deploy token used by the release pipeline expires
        - Issue to be created by Lena Park
    - 2026-03-21: Staging TLS certificate expires

## Cloud costs
- Sponsored cloud account, credits left: $18k until 2026-12-31
    - At current rate we shall deplete credits on May 2026

## Platform
- We are leaving the hosted build service within a week or two: its runners are deprecated.

## MCPs
- "Split the scheduler crate" (proposal #12)
    - concern: [needs-champion](https://example.org/proposals/12#comment-1)
    - no pending concerns

## Done
- Renewed the VPN certificate before 2026-03-12
"""

BOARD = {
    "items": [
        {
            "id": f"PVTI_{number}",
            "title": title,
            "status": status,
            "assignees": ["dfox"],
            "labels": [],
            "milestone": {"title": "Public beta", "dueOn": "2026-03-06T00:00:00Z"}
            if number < 6
            else None,
            "content": {
                "type": "Issue",
                "number": number,
                "title": title,
                "body": "",
                "repository": "acme/portal",
                "url": f"https://github.com/acme/portal/issues/{number}",
            },
        }
        for number, title, status in [
            (1, "Sign-up form", "Done"),
            (2, "Password reset e-mail", "In Progress"),
            (3, "Rate limits on the public API", "Todo"),
            (4, "Beta feedback survey", "Todo"),
            (5, "Usage dashboard", "Blocked"),
            (6, "Single sign-on", "Blocked"),
        ]
    ],
    "totalCount": 6,
}


def record_of(tmp_path: Path, files: dict[str, str]) -> RecordSnapshot:
    chunker = Chunker(TokenCounter(), 400)
    documents, chunks = [], {}
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text if name.endswith(".json") else textwrap.dedent(text), "utf-8")
        loaded = load_file(SourceFile(path, name), LoaderOptions(project="p"))
        assert not loaded.failures, loaded.failures
        for item in loaded.documents:
            documents.append(item.document)
            chunks[item.document.id] = chunker.chunk(item)
    return RecordSnapshot("p", documents, chunks)


@pytest.fixture
def record(tmp_path: Path) -> RecordSnapshot:
    return record_of(
        tmp_path,
        {"2026-03-03.md": EARLIER, "2026-03-10.md": LATEST, "board.json": json.dumps(BOARD)},
    )


def proposals(record: RecordSnapshot) -> dict[str, tuple[RiskSignal, ProposalDraft]]:
    """Every signal's offline proposal, each checked as a suggestion run checks it."""
    signals = detect_signals(period_facts(record, WEEK), record)
    book = SourceBook(record)
    written = {}
    for signal in signals:
        citations = book.cite([e.chunk_id for e in signal.evidence[:MAX_EVIDENCE]])
        draft = write_offline(signal, citations)
        checked = validate_proposal(
            draft,
            signals={signal.key: signal},
            sources=book.by_citation(),
            known_people=book.known_people(),
            year=2026,
            proposed_by="offline",
        )
        assert isinstance(checked, RiskProposal), checked
        written[signal.key] = (signal, draft)
    return written


def test_people_away_in_the_same_weeks_are_one_capacity_risk(record: RecordSnapshot) -> None:
    _, draft = proposals(record)["availability:team"]
    assert draft.category == "resource"
    assert draft.title == "Team capacity: 2 of 3 people away (Dana Fox, Omar)"
    assert "2 of the 3 people" in draft.inferred["likelihood"]
    # The release on 18 March falls in Dana's absence.
    assert "Next release: 2026-03-18" in draft.inferred["likelihood"]
    assert "Dana Fox away for" in draft.inferred["impact"]


def test_a_person_leaving_is_a_risk_of_their_own(tmp_path: Path) -> None:
    notes = LATEST.replace(
        "- Next release",
        "- Lena Park is leaving the company; her last day is 27 March\n- Next release",
    )
    found = proposals(record_of(tmp_path, {"2026-03-10.md": notes}))
    _, draft = found["leaving:lena-park"]
    assert draft.category == "resource" and draft.title.startswith("Lena Park leaving")
    assert draft.likelihood == 4


def test_expiring_credentials_are_one_risk_with_each_as_evidence(record: RecordSnapshot) -> None:
    found = proposals(record)
    signal, draft = found["credentials:expiry"]
    assert draft.category == "technical"
    assert draft.title == (
        "2 credentials expire by 2026-03-21: Deploy token used by the release pipeline, "
        "Staging TLS certificate"
    )
    # Both meetings list the token: one credential, cited from the newest minutes first.
    assert signal.evidence[0].date == dt.date(2026, 3, 10)
    # The renewed VPN certificate is finished work; the lines of the expiry list are not
    # proposed again as concerns of their own.
    assert "VPN" not in draft.cause
    others = [d for key, (_, d) in found.items() if key != "credentials:expiry"]
    assert not any("expire" in d.title.lower() for d in others)
    assert "within 21 days" in draft.inferred["likelihood"]


def test_credits_that_run_out_before_the_sponsorship_ends(record: RecordSnapshot) -> None:
    _, draft = proposals(record)["funding:sponsored-cloud-account"]
    assert draft.category == "budget"
    assert draft.title == (
        "Sponsored cloud account: credits run out in May 2026, before they end on 2026-12-31"
    )
    assert "repeated in 2 meetings" in draft.inferred["likelihood"]
    assert "months with no credits left" in draft.inferred["impact"]


def test_a_platform_the_team_is_leaving_soon(record: RecordSnapshot) -> None:
    ((_, draft),) = [p for key, p in proposals(record).items() if key.startswith("platform:")]
    assert draft.category == "technical"
    assert draft.title == "We are leaving the hosted build service within a week or two"
    assert draft.proximity_date is None  # the record names a span, not a date


def test_a_late_milestone_with_a_blocked_card_on_a_project_board(record: RecordSnapshot) -> None:
    found = proposals(record)
    _, late = found["tracker_milestone:public-beta"]
    assert late.category == "schedule"
    assert late.title == "Public beta: 4 of 5 items open, 9 days past 2026-03-06"
    assert late.likelihood == 5 and "4 of 5 items still open" in late.inferred["likelihood"]
    # The blocked card is one of the milestone's: folded into it, not a risk of its own.
    assert "blocked:portal#5" not in found
    assert "critical or blocked items" in late.inferred["impact"]
    # A blocked card on its own: the board does not say since when, it is blocked now.
    _, blocked = found["blocked:portal#6"]
    assert blocked.title == "portal#6 Single sign-on: blocked"
    assert "overdue or blocked work" in blocked.inferred["likelihood"]


def test_concern_tags_and_empty_concern_lines_are_not_risks(record: RecordSnapshot) -> None:
    titles = [draft.title.lower() for _, draft in proposals(record).values()]
    assert not any("champion" in t or "pending concerns" in t for t in titles)


def test_scores_move_with_the_evidence_and_say_why() -> None:
    signal = RiskSignal(key="concern:x", kind="stated_concern", category="technical")
    signal.texts = ["A critical outage of the build farm would stop every build."]
    for day in (dt.date(2026, 3, 3), dt.date(2026, 3, 10)):
        signal.add_evidence(SignalEvidence(f"c{day}", f"minutes:{day}", "the farm", day))
    signal.proximity = dt.date(2026, 3, 18)
    chance, harm = assess(signal, dt.date(2026, 3, 15), (3, "a concern"), (3, "default"))
    assert chance.value == 5 and harm.value == 5
    assert "stated in 2 meetings (2026-03-03, 2026-03-10)" in chance.reason()
    assert "due within 7 days (2026-03-18)" in chance.reason()
    assert "severity word ('critical')" in harm.reason()
    assert "affects many ('every build')" in harm.reason()
    hedged = RiskSignal(key="concern:y", kind="stated_concern", category="schedule")
    hedged.texts = ["The copy for the help page might be a day late; nice to have."]
    chance, harm = assess(hedged, dt.date(2026, 3, 15), (3, "a concern"), (3, "default"))
    assert (chance.value, harm.value) == (2, 2)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("leaving the platform within a week or two", 14),
        ("the old runners go away in 3 weeks", 21),
        ("credits run out next month", 60),
        ("the API is sunset soon", 30),
    ],
)
def test_spans_people_write_instead_of_dates(text: str, days: int) -> None:
    found = horizon_days(text)
    assert found is not None and found[0] == days


def test_a_month_counts_until_its_last_day() -> None:
    (when,) = month_dates("we shall deplete credits on January 2027")
    assert when.day == dt.date(2027, 1, 31) and when.words == "January 2027"


TRIAGE = """\
# Compiler triage 2026-03-{day}

Attendees: Dana Fox, Omar Haddad

## Critical issues

- "Build hangs on the ARM runners" [tools#41](https://example.org/tools/issues/41)
    - Omar is bisecting
- "Wrong code for packed structs" [tools#52](https://example.org/tools/issues/52)
    - {settled}

## Proposals

- "Split the scheduler crate" [tools#60](https://example.org/tools/issues/60)
    - Some concerns were raised, unsure if the author can address them
    - Next step: write the migration guide

## Upcoming calendar

- Upcoming credential expirations:
    - 2026-03-20: Package signing key expires
        - We already have the new key
"""


def test_critical_items_the_minutes_list_until_a_list_drops_them(tmp_path: Path) -> None:
    found = proposals(
        record_of(
            tmp_path,
            {
                "2026-03-05.md": TRIAGE.format(day="05", settled="Fix under review"),
                "2026-03-12.md": TRIAGE.format(day="12", settled="Fixed by tools#53"),
            },
        )
    )
    critical = {key: draft for key, (_, draft) in found.items() if key.startswith("critical:")}
    # The packed-struct item is settled in the newest list; the hang is still open.
    assert list(critical) == ["critical:tools-41"]
    draft = critical["critical:tools-41"]
    assert draft.title == "Build hangs on the ARM runners (Critical issues, 2 meetings)"
    assert "stated in 2 meetings" in draft.inferred["likelihood"]
    # Review chatter, a running note's next step and a key already replaced are not risks.
    assert set(found) == {"critical:tools-41"}
