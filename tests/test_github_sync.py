"""GitHub issues sync against a GitHub-shaped server started here on 127.0.0.1 (GitHub cannot be
reached from the tests): Link paging, pull requests left out, the incremental `since`, 429 with
Retry-After, a used-up rate limit, and what is fetched loading as an issues export."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from assistant import cli
from assistant.domain.record import Ticket
from assistant.embeddings import Embedder
from ingest.loaders.base import LoaderOptions
from ingest.sources.github_issues import GitHubIssuesClient
from ingest.sources.retries import SyncError
from tests.conftest import invoke_cli, load_path
from tests.local_http import Request, local_server
from tests.test_github_project_sync import ProjectShaped


def item(number: int) -> dict[str, Any]:
    found: dict[str, Any] = {
        "number": number,
        "title": f"Issue number {number}",
        "state": "open",
        "labels": [{"name": "priority: high"}],
        "assignees": [],
        "user": {"login": "dfox"},
        "created_at": "2026-11-02T09:00:00Z",
        "updated_at": "2026-11-03T09:00:00Z",
        "closed_at": None,
        "html_url": f"https://github.com/acme/harbor/issues/{number}",
        "body": "Details.",
    }
    if number % 10 == 0:
        found["pull_request"] = {"url": "…"}
    return found


class GitHubShaped:
    def __init__(self, items: int) -> None:
        self.items = [item(n) for n in range(1, items + 1)]
        self.requests: list[tuple[str, dict[str, list[str]], str]] = []
        self.failures: list[tuple[int, dict[str, str]]] = []

    def reply(self, path: str, address: str) -> tuple[int, dict[str, str], str]:
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        self.requests.append((parts.path, query, ""))
        if self.failures:
            status, headers = self.failures.pop(0)
            return status, headers, "{}"
        page = int(query.get("page", ["1"])[0])
        size = int(query["per_page"][0])
        chosen = self.items[(page - 1) * size : page * size]
        headers = {}
        if page * size < len(self.items):
            headers["Link"] = (
                f'<{address}{parts.path}?per_page={size}&page={page + 1}>; rel="next", '
                f'<{address}{parts.path}?per_page={size}&page=3>; rel="last"'
            )
        return 200, headers, json.dumps(chosen)


@pytest.fixture
def github() -> Iterator[tuple[GitHubShaped, str, list[str]]]:
    state = GitHubShaped(250)
    authorizations: list[str] = []

    def answer(request: Request, address: str) -> tuple[int, dict[str, str], str]:
        assert request.method == "GET"
        authorizations.append(request.headers.get("Authorization", ""))
        return state.reply(request.path, address)

    with local_server(answer) as address:
        yield state, address, authorizations


def client(api: str, waits: list[float]) -> GitHubIssuesClient:
    return GitHubIssuesClient("acme/harbor", "ghp-token", api=api, sleep=waits.append)


def test_every_page_is_read_and_pull_requests_left_out(
    github: tuple[GitHubShaped, str, list[str]], tmp_path: Path
) -> None:
    state, api, authorizations = github
    since = dt.datetime(2026, 11, 20, 9, 30)

    found = client(api, []).fetch(since)

    assert found.pages == 3 and len(found.issues) == 225 and found.pull_requests_skipped == 25
    path, query, _ = state.requests[0]
    assert path == "/repos/acme/harbor/issues"
    assert query["state"] == ["all"] and query["sort"] == ["updated"]
    assert query["direction"] == ["asc"] and query["since"] == ["2026-11-20T09:25:00Z"]
    assert [q.get("page") for _, q, _ in state.requests] == [None, ["2"], ["3"]]
    assert set(authorizations) == {"Bearer ghp-token"}
    saved = tmp_path / "github-issues.json"
    saved.write_text(json.dumps(found.as_issue_list()), encoding="utf-8")
    loaded = load_path(saved, LoaderOptions(project="harbor"))
    tickets = [d.document.record for d in loaded.documents]
    assert len(tickets) == 225 and all(isinstance(t, Ticket) for t in tickets)


def test_a_secondary_rate_limit_is_waited_out_and_a_used_up_one_named(
    github: tuple[GitHubShaped, str, list[str]],
) -> None:
    state, api, _ = github
    state.failures = [(429, {"Retry-After": "3"})]
    waits: list[float] = []
    assert len(client(api, waits).fetch().issues) == 225 and waits == [3.0]
    reset = int(dt.datetime(2026, 12, 5, 14, 0, tzinfo=dt.UTC).timestamp())
    state.failures = [(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)})]
    with pytest.raises(SyncError, match=r"resets at 14:00 UTC\. Nothing was stored"):
        client(api, []).fetch()
    state.failures = [(404, {})]
    with pytest.raises(SyncError, match="PMASSIST_GITHUB_TOKEN"):
        client(api, []).fetch()


# A Projects board through `pmassist source add github-project` and `pmassist sync` -----------


def test_a_board_syncs_whole_and_items_taken_off_it_leave_the_record(
    tmp_path: Path, embedder: Embedder, cli_home: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = ProjectShaped(30)  # #14 a pull request, #15 a draft issue, #16 archived
    with local_server(board.answer) as api:
        monkeypatch.setenv("PMASSIST_GITHUB_TOKEN", "ghp-token")
        monkeypatch.setenv("PMASSIST_GITHUB_API", api)
        code, output = invoke_cli(
            "source",
            "add",
            "github-project",
            "-p",
            "heron",
            "--owner",
            "heron-org",
            "--number",
            "0",
        )
        assert code == 2 and "needs --owner" in output
        code, output = invoke_cli(
            "source",
            "add",
            "github-project",
            "-p",
            "heron",
            "--owner",
            "@heron-org",
            "--number",
            "3",
        )
        assert code == 0 and "GitHub project 3 of heron-org" in output
        code, output = invoke_cli("sync")
        assert code == 0, output
        pm = cli._state["assistant"]
        first = {d.id for d in pm.records.documents("heron")}
        assert len(first) == 29 and "ticket:heron#12" in first and "ticket:heron#16" not in first

        board.nodes = [n for n in board.nodes if n["id"] != "PVTI_heron12"]  # taken off the board
        board.nodes[0]["content"]["title"] = "Issue 1, now waiting on the vendor"
        [second] = pm.sources.sync("heron")

    assert (second.fetched, second.updated, second.removed, second.added) == (28, 1, 1, 0)
    ids = {d.id for d in pm.records.documents("heron")}
    assert ids == first - {"ticket:heron#12"}
