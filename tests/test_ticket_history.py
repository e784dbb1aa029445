"""A synced Jira issue's changelog: exact "blocked since" and the status a ticket had at the end
of a past week, where an export leaves the report to guess from the status category's change
(which misses a move from In Progress to Blocked, both "in progress")."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.config import Settings
from assistant.domain.period import week_period
from assistant.domain.record import Ticket
from assistant.embeddings import Embedder
from assistant.facts.tickets import TicketFacts
from assistant.service import Assistant
from ingest.loaders.base import LoaderOptions
from tests.conftest import load_path
from tests.local_http import Request, local_server

UTC = "T09:30:00.000+0000"


def change(day: str, field: str, before: str | None, after: str | None) -> dict[str, Any]:
    return {
        "id": f"{day}-{field}",
        "created": f"{day}{UTC}",
        "author": {"displayName": "Dana Fox"},
        "items": [{"field": field, "fieldtype": "jira", "fromString": before, "toString": after}],
    }


def jira_issue(
    key: str, status: str, histories: list[dict[str, Any]], total: int | None = None
) -> dict[str, Any]:
    changelog: dict[str, Any] = {"histories": histories}
    if total is not None:
        changelog["total"] = total
    return {
        "key": key,
        "fields": {
            "summary": f"{key} vendor certificate for the payment gateway",
            "status": {"name": status, "statusCategory": {"key": "indeterminate"}},
            "issuetype": {"name": "Task"},
            "created": f"2026-11-02{UTC}",
            "updated": f"2026-11-17{UTC}",
            # In Progress and Blocked share a category: this date is the move to In Progress.
            "statuscategorychangedate": f"2026-11-03{UTC}",
        },
        # Jira lists the newest change first; the loader must not rely on the order.
        "changelog": changelog,
    }


BLOCKED_ON_17TH = jira_issue(
    "HER-7",
    "Blocked",
    [
        change("2026-11-17", "status", "In Progress", "Blocked"),
        change("2026-11-03", "status", "To Do", "In Progress"),
    ],
)


def load(issues: list[dict[str, Any]], tmp_path: Path) -> list[Ticket]:
    path = tmp_path / "search.json"
    path.write_text(json.dumps({"issues": issues}), encoding="utf-8")
    result = load_path(path, LoaderOptions(project="heron"))
    return [doc.document.record for doc in result.documents]  # type: ignore[misc]


def test_the_loader_reads_status_and_flag_changes_oldest_first(tmp_path: Path) -> None:
    [ticket] = load([BLOCKED_ON_17TH], tmp_path)
    assert ticket.history is not None and ticket.history_complete
    assert [(c.at.date().isoformat(), c.before, c.after) for c in ticket.history] == [
        ("2026-11-03", "To Do", "In Progress"),
        ("2026-11-17", "In Progress", "Blocked"),
    ]
    assert ticket.status_since() == dt.datetime(2026, 11, 17, 9, 30)
    [loaded] = load_path(tmp_path / "search.json", LoaderOptions(project="heron")).documents
    text = "\n".join(line.text for section in loaded.sections for line in section.lines)
    assert "Status: Blocked since 2026-11-17" in text


def test_blocked_since_and_past_states_come_from_the_changelog(tmp_path: Path) -> None:
    flagged_then_cleared = jira_issue(
        "HER-8",
        "In Progress",
        [
            change("2026-11-03", "status", "To Do", "In Progress"),
            change("2026-11-12", "Flagged", None, "Impediment"),
            change("2026-11-20", "Flagged", "Impediment", None),
        ],
    )
    cut_short = jira_issue(
        "HER-9", "Blocked", [change("2026-11-10", "Assignee", None, "Sam Okafor")], total=140
    )
    tickets = load([BLOCKED_ON_17TH, flagged_then_cleared, cut_short], tmp_path)
    by_key = {t.key: t for t in tickets}

    def facts(week: str) -> dict[str, Any]:
        record = _record(tickets)
        found = TicketFacts(record, week_period(week))
        return {f.key: f for f in found.blocked()}

    week_47 = facts("2026-W47")  # 16–22 November
    assert week_47["HER-7"].blocked_text == "blocked since 2026-11-17 (5 days)"
    # The flag was cleared on the 20th: not blocked at the end of week 47 …
    assert "HER-8" not in week_47
    # … but it was at the end of week 46, since the flag went up on the 12th.
    week_46 = facts("2026-W46")  # 9–15 November
    assert week_46["HER-8"].blocked_text == "blocked since 2026-11-12 (3 days)"
    # HER-7 was still In Progress at the end of week 46: not blocked, and its status then.
    assert "HER-7" not in week_46
    assert by_key["HER-7"].state_on(dt.date(2026, 11, 15)) == ("In Progress", False)
    # A history Jira cut short does not say when the spell began: no day count, not a guess.
    assert week_47["HER-9"].blocked_since is None
    assert "does not say since when" in week_47["HER-9"].blocked_text


def _record(tickets: list[Ticket]) -> Any:
    """The smallest record TicketFacts reads: (document, ticket) pairs and citations."""

    class Record:
        def tickets(self) -> list[tuple[Any, Ticket]]:
            return [(type("Doc", (), {"id": f"ticket:{t.key}"})(), t) for t in tickets]

        def cite_document(self, document_id: str) -> list[str]:
            return [document_id]

    return Record()


# Through `pmassist sync` and the report ---------------------------------------------------------


@pytest.fixture
def jira_site() -> Iterator[str]:
    def answer(request: Request, address: str) -> tuple[int, dict[str, str], str]:
        return 200, {}, json.dumps({"issues": [BLOCKED_ON_17TH], "isLast": True})

    with local_server(answer) as address:
        yield address


def test_the_report_says_blocked_since_from_a_synced_changelog(
    jira_site: str, tmp_path: Path, embedder: Embedder
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        home=tmp_path / "home",
        jira_email="dana.fox@example.com",
        jira_api_token="token",
    )
    pm = Assistant(settings, embedder=embedder, language_model=None)
    pm.sources.add("jira", "heron", site=jira_site, jql="project = HER")
    pm.sources.sync()

    _, report = pm.reports.draft("heron", week_period("2026-W47"))

    text = report.model_dump_json()
    # The category changed on the 3rd; the changelog says the ticket was blocked on the 17th.
    assert "blocked since 2026-11-17 (5 days)" in text
    assert "2026-11-03" not in text
