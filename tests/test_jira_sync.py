"""Jira Cloud sync against a Jira-shaped server started here on 127.0.0.1 (Jira Cloud cannot
run here): paging with nextPageToken, 429 with Retry-After, 5xx, a page token the server no
longer accepts, credentials refused, and the incremental JQL. What is fetched loads as a saved
search, with the same ticket ids as exports."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant import cli
from assistant.config import Settings
from assistant.domain.errors import InvalidInputError
from assistant.domain.record import Ticket
from assistant.embeddings import Embedder
from assistant.service import Assistant
from ingest.loaders.base import LoaderOptions
from ingest.sources.jira_cloud import JiraCloudClient, JiraSyncError, incremental_jql
from ingest.sources.retries import SyncError
from tests.conftest import invoke_cli, load_path
from tests.local_http import Request, local_server

EMAIL, TOKEN = "dana.fox@example.com", "api-token-1"


def issue(number: int) -> dict[str, Any]:
    return {
        "key": f"HER-{number}",
        "fields": {
            "summary": f"Ticket number {number}",
            "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
            "issuetype": {"name": "Task"},
            "priority": {"name": "High"},
            "created": "2026-11-02T09:00:00.000+0000",
            "updated": f"2026-11-{1 + number % 28:02d}T10:00:00.000+0000",
        },
        "changelog": {"histories": []},
    }


class JiraShaped:
    """A Jira Cloud search endpoint: pages of 100, scripted failures, every request kept."""

    def __init__(self, issues: int) -> None:
        self.issues = [issue(n) for n in range(1, issues + 1)]
        self.requests: list[dict[str, Any]] = []
        self.failures: list[tuple[int, dict[str, str], str]] = []  # served first, in order
        self.expire_token: str | None = None
        self.auth = ""
        self.changed: list[int] = []  # indexes an incremental search finds
        self.ids_only = False  # answer every search with issue ids alone

    def reply(self, body: dict[str, Any]) -> tuple[int, dict[str, str], str]:
        self.requests.append(body)
        if self.failures:
            return self.failures.pop(0)
        token = body.get("nextPageToken")
        if token is not None and token == self.expire_token:
            self.expire_token = None
            message = {"errorMessages": ["The provided next page token is invalid or expired."]}
            return 400, {}, json.dumps(message)
        start = int(token.removeprefix("page-")) if token else 0
        size = int(body["maxResults"])
        found = self.issues
        if "updated >=" in body["jql"]:
            found = [self.issues[index] for index in self.changed]
        if listed := re.search(r"key in \(([^)]*)\)", body["jql"]):
            wanted = set(re.findall(r'"([^"]+)"', listed.group(1)))
            found = [issue for issue in self.issues if issue["key"] in wanted]
        if body["fields"] == ["id"] or self.ids_only:  # as documented: only what was asked for
            found = [{"id": str(1000 + int(i["key"].split("-")[1]))} for i in found]
        elif body["fields"] == ["key"]:
            found = [
                {"id": str(1000 + int(i["key"].split("-")[1])), "key": i["key"]} for i in found
            ]
        page = found[start : start + size]
        result: dict[str, Any] = {"issues": page, "names": {"customfield_10020": "Sprint"}}
        if start + size < len(found):
            result["nextPageToken"] = f"page-{start + size}"
        else:
            result["isLast"] = True
        return 200, {}, json.dumps(result)


@pytest.fixture
def jira() -> Iterator[tuple[JiraShaped, str]]:
    state = JiraShaped(300)

    def answer(request: Request, address: str) -> tuple[int, dict[str, str], str]:
        assert request.method == "POST" and request.path == "/rest/api/3/search/jql"
        state.auth = request.headers.get("Authorization", "")
        return state.reply(json.loads(request.body))

    with local_server(answer) as address:
        yield state, address


def client(site: str, waits: list[float]) -> JiraCloudClient:
    return JiraCloudClient(site, EMAIL, TOKEN, sleep=waits.append)


def test_a_first_sync_reads_every_page(jira: tuple[JiraShaped, str], tmp_path: Path) -> None:
    state, site = jira
    found = client(site, []).search("project = HER ORDER BY created DESC")

    assert len(found.issues) == 300 and found.pages == 3
    assert [r.get("nextPageToken") for r in state.requests] == [None, "page-100", "page-200"]
    first = state.requests[0]
    # The user's order is replaced: oldest change first, so a cut-short sync resumes.
    assert first["jql"] == "project = HER ORDER BY updated ASC"
    assert first["expand"] == "changelog,names" and "summary" in first["fields"]
    assert state.auth == "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
    # What was fetched is a saved search: the Jira JSON loader reads it, ids as for exports.
    saved = tmp_path / "jira-her.json"
    saved.write_text(json.dumps(found.as_search_result()), encoding="utf-8")
    loaded = load_path(saved, LoaderOptions(project="harbor"))
    keys = {
        d.document.record.key for d in loaded.documents if isinstance(d.document.record, Ticket)
    }
    assert len(keys) == 300 and "HER-1" in keys
    assert {d.document.id for d in loaded.documents} >= {"ticket:HER-1", "ticket:HER-300"}


def test_rate_limits_and_server_errors_are_waited_out(jira: tuple[JiraShaped, str]) -> None:
    state, site = jira
    state.failures = [(429, {"Retry-After": "7"}, "{}"), (503, {}, "{}"), (502, {}, "{}")]
    waits: list[float] = []
    found = client(site, waits).search("project = HER")
    assert len(found.issues) == 300
    assert waits == [7.0, 2.0, 4.0] and found.retries == 3


def test_a_refused_page_token_restarts_the_run_without_duplicates(
    jira: tuple[JiraShaped, str],
) -> None:
    state, site = jira
    state.expire_token = "page-200"
    found = client(site, []).search("project = HER")
    assert found.restarts == 1
    assert len(found.issues) == 300  # issues fetched twice are kept once
    tokens = [r.get("nextPageToken") for r in state.requests]
    assert tokens == [None, "page-100", "page-200", None, "page-100", "page-200"]


def test_failures_that_do_not_pass_say_what_to_do(jira: tuple[JiraShaped, str]) -> None:
    state, site = jira
    state.failures = [(401, {}, "{}")]
    with pytest.raises(JiraSyncError, match="PMASSIST_JIRA_API_TOKEN"):
        client(site, []).search("project = HER")
    state.failures = [(500, {}, "{}")] * 5
    with pytest.raises(SyncError, match="HTTP 500 on all 5 attempts; nothing was stored"):
        client(site, []).search("project = HER")
    state.failures = [(400, {}, json.dumps({"errorMessages": ["Field 'sprnt' does not exist."]}))]
    with pytest.raises(JiraSyncError, match="Field 'sprnt' does not exist"):
        client(site, []).search("project = HER AND sprnt = 4")


def test_a_key_listing_without_keys_removes_nothing(jira: tuple[JiraShaped, str]) -> None:
    state, site = jira
    state.ids_only = True
    with pytest.raises(JiraSyncError, match="listed an issue without its key; nothing was removed"):
        client(site, []).keys("project = HER")


def test_an_incremental_sync_asks_for_what_changed_since_the_last_one() -> None:
    since, now = dt.datetime(2026, 11, 20, 9, 30), dt.datetime(2026, 11, 20, 10, 0)
    # Relative minutes: Jira would read an absolute date in the account's own time zone.
    assert incremental_jql("project = HER order by rank", since, now) == (
        '(project = HER) AND updated >= "-35m" ORDER BY updated ASC'
    )


# `pmassist sync` through the service ----------------------------------------------------------


def heron_syncing_from(site: str, tmp_path: Path, embedder: Embedder) -> Assistant:
    """A fresh data directory whose project heron syncs from the Jira-shaped server."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, home=tmp_path / "home", jira_email=EMAIL, jira_api_token=TOKEN
    )
    pm = Assistant(settings, embedder=embedder, language_model=None)
    pm.sources.add("jira", "heron", site=site, jql="project = HER")
    return pm


def test_sync_stores_every_ticket_then_only_what_changed(
    jira: tuple[JiraShaped, str], tmp_path: Path, embedder: Embedder
) -> None:
    state, site = jira
    pm = heron_syncing_from(site, tmp_path, embedder)

    [first] = pm.sources.sync()

    assert (first.fetched, first.added, first.updated, first.pages) == (300, 300, 0, 3)
    synced = pm.sources.sources("heron")[0].last_synced_at
    assert synced is not None
    assert len(pm.records.documents("heron")) == 300
    # The field names Jira sent are kept, so custom fields are found by name on every load.
    snapshot = json.loads(pm.sources.snapshot_path(pm.sources.sources()[0]).read_text())
    assert snapshot["names"] == {"customfield_10020": "Sprint"}

    state.issues[41]["fields"]["summary"] = "Ticket number 42, now waiting on the vendor"
    state.changed = [41]
    [second] = pm.sources.sync()

    assert 'updated >= "' in state.requests[-1]["jql"]
    assert (second.fetched, second.added, second.updated, second.unchanged) == (1, 0, 1, 299)
    assert len(pm.records.documents("heron")) == 300

    # A sync that fails stores nothing and does not move the last sync time.
    before = pm.sources.snapshot_path(pm.sources.sources("heron")[0]).read_bytes()
    state.failures = [(503, {}, "{}")] * 5
    with pytest.raises(SyncError):
        pm.sources.sync("heron")
    after = pm.sources.sources("heron")[0]
    assert after.last_synced_at is not None and after.last_synced_at >= synced
    assert pm.sources.snapshot_path(after).read_bytes() == before


def test_deleted_or_moved_issues_leave_the_record_on_reconciliation(
    jira: tuple[JiraShaped, str], tmp_path: Path, embedder: Embedder
) -> None:
    state, site = jira
    pm = heron_syncing_from(site, tmp_path, embedder)
    pm.sources.sync()
    deleted = state.issues.pop(4)  # HER-5 deleted, or moved to another project
    assert deleted["key"] == "HER-5"

    # Within PMASSIST_RECONCILE_EVERY_HOURS an incremental sync cannot see a deletion.
    [quick] = pm.sources.sync()
    assert quick.removed == 0 and not any(r["fields"] == ["id"] for r in state.requests)
    assert len(pm.records.documents("heron")) == 300

    # HER-301 entered the query without being updated (its sprint started): no search by
    # `updated` finds it, the listing does.
    state.issues.append(issue(301))
    [reconciled] = pm.sources.sync(reconcile=True)

    listing, fetched = state.requests[-2:]
    assert listing["fields"] == ["key"] and listing["maxResults"] == 5000
    assert listing["jql"] == "project = HER ORDER BY key ASC"
    assert fetched["jql"] == 'key in ("HER-301") ORDER BY updated ASC'
    assert (reconciled.removed, reconciled.updated, reconciled.added) == (1, 0, 1)
    ids = {document.id for document in pm.records.documents("heron")}
    assert len(ids) == 300 and "ticket:HER-5" not in ids and "ticket:HER-301" in ids
    snapshot = json.loads(pm.sources.snapshot_path(pm.sources.sources()[0]).read_text())
    assert "HER-5" not in {issue["key"] for issue in snapshot["issues"]}
    assert pm.sources.sources()[0].last_reconciled_at is not None

    # A query that suddenly finds nothing (a lost permission) removes nothing.
    kept = state.issues
    state.issues = []
    [empty] = pm.sources.sync(reconcile=True)
    assert empty.removed == 0 and "now finds no issue; nothing was removed" in empty.warnings[0]
    assert len(pm.records.documents("heron")) == 300
    state.issues = kept


def test_a_broken_snapshot_is_named_and_nothing_changes(
    jira: tuple[JiraShaped, str], tmp_path: Path, embedder: Embedder
) -> None:
    _, site = jira
    pm = heron_syncing_from(site, tmp_path, embedder)
    pm.sources.sync()
    snapshot = pm.sources.snapshot_path(pm.sources.sources()[0])
    snapshot.write_text('{"issues": [', encoding="utf-8")

    with pytest.raises(InvalidInputError, match=r"heron/jira\.json is not valid JSON"):
        pm.sources.sync()
    assert snapshot.read_text(encoding="utf-8") == '{"issues": ['
    assert len(pm.records.documents("heron")) == 300


def test_sources_from_the_command_line(
    jira: tuple[JiraShaped, str], cli_home: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, site = jira
    code, output = invoke_cli("source", "add", "jira", "-p", "heron", "--site", site, "--jql", "")
    assert code == 2 and "needs --site https://… and --jql" in output
    code, output = invoke_cli(
        "source", "add", "jira", "-p", "heron", "--site", site, "--jql", "project = HER"
    )
    assert code == 0 and "Added jira to heron" in output
    code, output = invoke_cli("sync")
    assert code == 2 and "PMASSIST_JIRA_EMAIL and PMASSIST_JIRA_API_TOKEN" in output
    monkeypatch.setenv("PMASSIST_JIRA_EMAIL", EMAIL)
    monkeypatch.setenv("PMASSIST_JIRA_API_TOKEN", TOKEN)
    cli._state.clear()
    code, output = invoke_cli("sync", "--project", "heron")
    assert code == 0, output
    row = r"jira\s*│\s*300\s*│\s*300\s*│\s*0\s*│\s*0\s*│\s*0\s*│\s*3\s*│\s*0"
    assert re.search(row, output), output
    code, output = invoke_cli("source", "list")
    assert "Jira " + site in output and "never" not in output
    code, output = invoke_cli("source", "remove", "jira", "-p", "heron")
    assert code == 0 and invoke_cli("source", "list")[1].count("heron") == 0
