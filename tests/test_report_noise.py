"""Lines a PM would strike from a draft: the meeting's own logistics, links alone, the same
action noted twice, a line shown in two sections, a template's empty slot, and a concern tag
every meeting of a series repeats."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant.domain.facts import ActionItemFact
from assistant.domain.period import week_period
from assistant.reports.noise import about_the_meeting, distinct_actions, says_nothing
from assistant.service import Assistant


@pytest.mark.parametrize(
    "text",
    [
        "Next team meeting: 2026-11-10",
        "Next platform sync: next week",
        "No meeting next week (holiday)",
        "Meeting moved to Thursday",
        "Publish this meeting note on the wiki",
        "Upload the recording to the team channel: https://video.example.org/abc",
        "Zoom Meeting Room",
        "Recording: https://video.example.org/abc",
        "https://tracker.example.org/issues/42",
    ],
)
def test_the_meetings_own_logistics_are_noise(text: str) -> None:
    assert about_the_meeting(text)


@pytest.mark.parametrize(
    "text",
    [
        "Next release: 4.2 on Friday",
        "Publish the release notes for 4.2",
        "Meeting room booked for the customer workshop",
        "Attend the vendor's next steering meeting",
        "Move the build agents to the new cluster",
    ],
)
def test_work_that_mentions_a_meeting_or_a_release_is_kept(text: str) -> None:
    assert not about_the_meeting(text)


def _action(task: str, owner: str = "Dana Fox", day: int = 3) -> ActionItemFact:
    return ActionItemFact(task=task, owner=owner, state="open", raised_on=dt.date(2026, 11, day))


def test_an_action_noted_again_with_more_words_is_one_action() -> None:
    first = _action("Renew the signing certificates (ticket to open)", day=3)
    again = _action("Renew the signing certificates - https://tracker.example.org/7", day=10)
    other = _action("Renew the signing certificates", owner="Omar Haddad")
    different = _action("Renew the backup contract")
    kept = distinct_actions([first, other, again, different])
    assert kept == [again, other, different]


def test_actions_that_only_start_alike_stay_apart() -> None:
    billing = _action("Archive the billing reports")
    search = _action("Archive the search reports")
    assert distinct_actions([billing, search]) == [billing, search]


NOTE = """# Platform sync 2026-11-03

Attendees: Dana Fox, Omar Haddad

## Done

- Moved the build agents to the new cluster

## Upcoming

- Next platform sync: 2026-11-10
- Load test of the payments API

## Actions

- [ ] Dana Fox to confirm the load test window by 2026-11-12
- [ ] Omar Haddad to price the backup storage
- [ ] Publish this meeting note on the wiki
"""


def test_a_draft_shows_no_meeting_logistics_and_each_action_once(
    assistant: Assistant, tmp_path: Path
) -> None:
    folder = tmp_path / "platform"
    folder.mkdir()
    (folder / "2026-11-03.md").write_text(NOTE, encoding="utf-8")
    assistant.records.ingest([folder], "platform")
    _, report = assistant.reports.draft("platform", week_period("2026-W45"))
    texts = [line.text for lines in report.sections.values() for line in lines]
    assert not [t for t in texts if "platform sync" in t or "Publish" in t]
    assert any("Load test of the payments API" in t for t in texts)
    confirm = [t for t in texts if "confirm the load test window" in t]
    assert len(confirm) == 1, texts
    assert confirm[0] in [line.text for line in report.section("next_period")]
    assert any("price the backup storage" in line.text for line in report.section("actions"))


@pytest.mark.parametrize(
    "text",
    [
        "None at this time",
        "None.",
        "N/A",
        "Nothing new this week",
        "Nothing to report",
        "No new finished widgets (review merge) this time.",
        "No further updates so far",
        "No updates",
        "No changes this week",
    ],
)
def test_a_templates_empty_slot_is_noise(text: str) -> None:
    assert says_nothing(text)


@pytest.mark.parametrize(
    "text",
    [
        "No longer blocked: payments API deployed",
        "No-code builder released",
        "No incidents this week after the failover drill",
        "None of the smoke tests fail after the fix",
        "Nothing blocks the release now",
        "No new hires until the budget is approved",
    ],
)
def test_items_that_start_with_no_and_say_something_are_kept(text: str) -> None:
    assert not says_nothing(text)


def _weekly_note(day: int, concerns: list[str], done: list[str]) -> str:
    risks = "\n".join(f"- {c}" for c in concerns)
    finished = "\n".join(f"- {d}" for d in done)
    return f"""# Ledger weekly 2026-11-{day:02d}

Attendees: Dana Fox, Omar Haddad

## Done

{finished}

## Risks

{risks}
"""


def test_a_weekly_draft_drops_empty_slots_and_repeated_concern_tags(
    assistant: Assistant, tmp_path: Path
) -> None:
    folder = tmp_path / "ledger"
    folder.mkdir()
    tag = "Not worth the complexity"
    for n, day in enumerate([2, 9, 16, 23]):  # one meeting a week, the tag in every one
        concerns = [tag, "Single owner for the cutover"] if n < 3 else [tag]
        done = [f"Moved ledger job batch {n} to the new queue", "None at this time"]
        if n == 3:
            concerns.append("Vendor support for the old driver ends before the cutover date")
            concerns.append("Thin test data")
            done += [
                "No new finished widgets (review merge) this time.",
                "No longer blocked: payments API deployed",
            ]
        (folder / f"2026-11-{day:02d}.md").write_text(
            _weekly_note(day, concerns, done), encoding="utf-8"
        )
    assistant.records.ingest([folder], "ledger")
    _, report = assistant.reports.draft("ledger", week_period("2026-W48"))
    risks = [line.text for line in report.section("risks")]
    assert not [t for t in risks if "worth the complexity" in t], risks
    assert any("Vendor support for the old driver" in t for t in risks), risks
    assert any("Thin test data" in t for t in risks), risks  # said once: news, kept
    texts = [line.text for lines in report.sections.values() for line in lines]
    assert not [t for t in texts if "None at this time" in t or "No new finished" in t], texts
    assert any("No longer blocked: payments API deployed" in t for t in texts), texts
    assert any("Moved ledger job batch 3" in t for t in texts), texts
