"""Risk families read from how work is organised: unowned work, sprint carry-over, trials and
subscriptions that end, repeated incidents at one service, high-priority lists, and past-due
milestones as one risk. Each test builds a small record of invented minutes and boards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.test_risk_signals_families import proposals, record_of


def item(number: int, title: str, status: str, sprint: str | None, **extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": f"PVTI_{number}",
        "title": title,
        "status": status,
        "assignees": extra.pop("assignees", ["dfox"]),
        "labels": [],
        "content": {
            "type": "Issue",
            "number": number,
            "title": title,
            "body": extra.pop("body", ""),
            "repository": "acme/portal",
            "url": f"https://github.com/acme/portal/issues/{number}",
        },
        **extra,
    }
    if sprint:
        found["sprint"] = {"title": sprint, "startDate": "2026-03-09", "duration": 14}
    return found


def board(items: list[dict[str, Any]]) -> str:
    return json.dumps({"items": items, "totalCount": len(items)})


def sprint_board(next_started: bool) -> str:
    """Sprint 3 with 4 of 8 items open; Sprint 4 begun (or only planned) with 6 of 9 items
    nobody is assigned to."""
    items = [
        item(n, f"Sprint 3 task {n}", "Done" if n <= 4 else "In Progress", "Sprint 3")
        for n in range(1, 9)
    ]
    items += [
        item(
            n,
            f"Sprint 4 task {n}",
            "In Progress" if next_started and n == 10 else "Todo",
            "Sprint 4",
            assignees=[] if n >= 12 else ["ohaddad"],
        )
        for n in range(9, 18)
    ]
    return board(items)


def test_a_begun_sprint_shows_carry_over_and_unowned_items(tmp_path: Path) -> None:
    found = proposals(record_of(tmp_path, {"board.json": sprint_board(next_started=True)}))
    _, carried = found["carry_over:sprint-3"]
    assert carried.title == (
        "Sprint carry-over: 4 of Sprint 3's 8 items not done as Sprint 4 starts"
    )
    assert carried.category == "schedule"
    _, unowned = found["unowned:sprint-4"]
    assert unowned.title == "6 of 9 items of Sprint 4 have no assignee"
    assert unowned.category == "resource"
    assert "6 of 9 have no owner" in unowned.inferred["likelihood"]


def test_a_sprint_only_planned_has_not_started(tmp_path: Path) -> None:
    # Every Sprint 4 item still to do: Sprint 3 is the sprint under way, nothing carried.
    found = proposals(record_of(tmp_path, {"board.json": sprint_board(next_started=False)}))
    assert not [key for key in found if key.startswith(("carry_over:", "unowned:"))]


TRIAGE = """\
# Compiler triage 2026-03-12

Attendees: Dana Fox, Omar Haddad

## Summary

- [40 high-priority issues](https://example.org/q?p=high)
  - [31 of those are unassigned](https://example.org/q?p=high&no=assignee)
- [2 critical issues](https://example.org/q?p=critical)
  - [1 of those are unassigned](https://example.org/q?p=critical&no=assignee)

## P-high regressions

- "Crash when linking large archives" [tools#71](https://example.org/tools/issues/71)
  - fix under review
- "Slow incremental builds on Windows" [tools#72](https://example.org/tools/issues/72)

## Proposals

- "Split the scheduler crate" [tools#60](https://example.org/tools/issues/60)
  - concerns: [keep-the-old-api (by Dana Fox)](https://example.org/c/1) [needs-benchmarks (by Omar)](https://example.org/c/2)
"""


def test_unowned_counts_and_a_high_priority_list_from_triage_minutes(tmp_path: Path) -> None:
    found = proposals(record_of(tmp_path, {"2026-03-12.md": TRIAGE}))
    _, unowned = found["unowned:high-priority-issues"]
    assert unowned.title == "31 of 40 high-priority issues have no owner"
    assert "high-priority work among it" in unowned.inferred["impact"]
    # One risk for the list, both items named; "1 of 2 critical" is ordinary triage.
    high = [draft for key, (_, draft) in found.items() if key.startswith("critical:")]
    assert len(high) == 1
    assert high[0].title.startswith("2 open under P-high regressions: Crash when linking")
    assert "Slow incremental builds" in high[0].title
    # Review-tool concern names are tags, not worries in words.
    assert not [key for key in found if key.startswith("concern:")]


def test_a_trial_that_ends_soon_is_a_vendor_risk(tmp_path: Path) -> None:
    body = "Move to the paid plan before our free trial expires on 3/20/26.\n\n- [ ] upgrade"
    items = [item(5, "Upgrade the wiki to the team plan", "In Progress", None, body=body)]
    found = proposals(record_of(tmp_path, {"board.json": board(items)}))
    [(signal, draft)] = [v for k, v in found.items() if k.startswith("term:")]
    assert draft.category == "vendor/external"
    assert draft.title == (
        "Free trial expires on 3/20/26: portal#5 Upgrade the wiki to the team plan (In Progress)"
    )
    assert signal.details["ends"] == "2026-03-20"  # month first: the only reading in range


OPS = """\
# Platform team weekly 2026-03-{day}

Attendees: Dana Fox, Omar Haddad

## Notes
{lines}
"""


def test_repeated_incidents_at_one_service_but_not_one_incident_carried(tmp_path: Path) -> None:
    first = (
        "- [packages.example.org returning 503 errors](https://example.org/i/1)\n"
        "- Search is down on docs.example.net\n"
    )
    second = (
        "- [Release upload fails with 403 deploying to packages.example.org](https://x.org/2)\n"
        "    - Consequence of the Azure outage in the region\n"
        "- Search is down on docs.example.net\n"
    )
    found = proposals(
        record_of(
            tmp_path,
            {
                "2026-03-03.md": OPS.format(day="03", lines=first),
                "2026-03-10.md": OPS.format(day="10", lines=second),
            },
        )
    )
    incidents = {key: draft for key, (_, draft) in found.items() if key.startswith("incidents:")}
    # Two incidents at the package host (with the provider the note blames); the search
    # outage is the same line in two meetings: one incident, not a pattern.
    assert list(incidents) == ["incidents:packages-example-org"]
    draft = incidents["incidents:packages-example-org"]
    assert draft.title.startswith("Repeated incidents at packages.example.org")
    assert draft.title.endswith("in 2 meetings")
    assert draft.category == "vendor/external"


def test_milestones_past_due_are_one_risk(tmp_path: Path) -> None:
    def milestone(name: str, due: str) -> dict[str, str]:
        return {"title": name, "dueOn": f"{due}T00:00:00Z"}

    items = [
        item(n, f"Docs task {n}", "Todo", None, milestone=milestone("Docs site", "2026-02-20"))
        for n in range(1, 5)
    ]
    items += [
        item(n, f"Tools task {n}", "Todo", None, milestone=milestone("Dev tools", "2026-03-02"))
        for n in range(5, 9)
    ]
    found = proposals(record_of(tmp_path, {"board.json": board(items)}))
    late = [draft for key, (_, draft) in found.items() if key.startswith("tracker_milestone:")]
    assert [draft.title for draft in late] == [
        "2 milestones past due with work open: Docs site (4 of 4 open); Dev tools (4 of 4 open)"
    ]


def test_security_work_planned_for_the_sprint_under_way_with_nobody_on_it(tmp_path: Path) -> None:
    items = [
        item(1, "Wire the payment form", "In Progress", "Sprint 4"),
        item(2, "Create the security impact assessment", "Todo", "Sprint 4", assignees=[]),
        item(3, "Write the incident response plan", "Todo", "Sprint 4", assignees=["dfox"]),
    ]
    found = proposals(record_of(tmp_path, {"board.json": board(items)}))
    signal, draft = found["compliance:security"]
    # Only the unowned one: an assigned task without a date is in hand.
    assert [t.summary for t in signal.tickets] == ["Create the security impact assessment"]
    assert "1 planned for the sprint under way with no assignee" in draft.cause
