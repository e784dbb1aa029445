"""A `pmassist sync` killed with SIGKILL part-way (a crash, an OOM kill, a power cut) loses
nothing and duplicates nothing: the next sync fetches every issue again and ends with each ticket
stored once, the vector index in step with the manifest, and the last sync time set.

Each sync is a real `pmassist` process (`tests/crash_points.py` kills it where asked) reading a
Jira-shaped server started here on 127.0.0.1."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.embeddings import Embedder
from assistant.service import Assistant
from tests.crash_points import run_pmassist
from tests.local_http import Request, local_server
from tests.test_jira_sync import EMAIL, TOKEN, JiraShaped

PROJECT = "heron"
TICKETS = 300


@pytest.fixture
def jira() -> Iterator[tuple[JiraShaped, str]]:
    state = JiraShaped(TICKETS)

    def answer(request: Request, address: str) -> tuple[int, dict[str, str], str]:
        assert request.method == "POST" and request.path == "/rest/api/3/search/jql"
        return state.reply(json.loads(request.body))

    with local_server(answer) as address:
        yield state, address


def service(home: Path, embedder: Embedder) -> Assistant:
    settings = Settings(_env_file=None, home=home)
    return Assistant(settings, embedder=embedder, language_model=None)


def sync(home: Path, crash: tuple[str, int] | None = None) -> int:
    completed = run_pmassist(home, "sync", "--project", PROJECT, crash=crash)
    if completed.returncode not in (0, -signal.SIGKILL):
        print(completed.stdout, completed.stderr)
    return completed.returncode


@pytest.mark.parametrize("point", ["after_upsert", "after_commit"])
def test_a_sync_killed_part_way_is_finished_by_the_next_without_duplicates(
    point: str,
    jira: tuple[JiraShaped, str],
    tmp_path: Path,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state, site = jira
    home = tmp_path / "home"
    service(home, embedder).sources.add("jira", PROJECT, site=site, jql="project = HER")
    # The subprocesses inherit these (the test set-up clears every PMASSIST_ variable first).
    monkeypatch.setenv("PMASSIST_JIRA_EMAIL", EMAIL)
    monkeypatch.setenv("PMASSIST_JIRA_API_TOKEN", TOKEN)

    assert sync(home, crash=(point, 1)) == -signal.SIGKILL
    # Killed before the sync could finish: the last sync time has not moved, so the next
    # sync asks for everything again rather than only what changed since a sync that never was.
    [left] = service(home, embedder).sources.sources(PROJECT)
    assert left.last_synced_at is None
    asked_by_killed_run = len(state.requests)
    assert asked_by_killed_run == 3  # all three pages were fetched before the ingest began

    assert sync(home) == 0

    again = state.requests[asked_by_killed_run:]
    assert [r.get("nextPageToken") for r in again] == [None, "page-100", "page-200"]
    assert all("updated >=" not in r["jql"] for r in again), [r["jql"] for r in again]
    pm = service(home, embedder)
    [source] = pm.sources.sources(PROJECT)
    assert source.last_synced_at is not None
    documents = pm.records.documents(PROJECT)
    ids = [document.id for document in documents]
    assert len(ids) == len(set(ids)) == TICKETS
    assert set(ids) == {f"ticket:HER-{n}" for n in range(1, TICKETS + 1)}
    [report] = pm.records.check(PROJECT)
    assert report.consistent, report
    assert report.vectors == report.chunks >= TICKETS
    snapshot = json.loads(pm.sources.snapshot_path(source).read_text(encoding="utf-8"))
    keys = [issue["key"] for issue in snapshot["issues"]]
    assert len(keys) == len(set(keys)) == TICKETS


def test_a_sync_after_an_interrupted_one_is_only_incremental_once_it_succeeded(
    jira: tuple[JiraShaped, str],
    tmp_path: Path,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Killed, finished, then synced again: the third run asks only for what changed and
    stores the changed summary in place of the old one, still once per ticket."""
    state, site = jira
    home = tmp_path / "home"
    service(home, embedder).sources.add("jira", PROJECT, site=site, jql="project = HER")
    monkeypatch.setenv("PMASSIST_JIRA_EMAIL", EMAIL)
    monkeypatch.setenv("PMASSIST_JIRA_API_TOKEN", TOKEN)
    assert sync(home, crash=("after_upsert", 1)) == -signal.SIGKILL
    assert sync(home) == 0

    state.issues[41]["fields"]["summary"] = "Ticket number 42, now waiting on the vendor"
    state.changed = [41]
    assert sync(home) == 0

    assert 'updated >= "' in state.requests[-1]["jql"]
    pm = service(home, embedder)
    documents = {document.id: document for document in pm.records.documents(PROJECT)}
    assert len(documents) == TICKETS
    assert "waiting on the vendor" in documents["ticket:HER-42"].title
    [report] = pm.records.check(PROJECT)
    assert report.consistent and report.vectors == report.chunks
