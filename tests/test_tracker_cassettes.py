"""The tracker clients over the real HTTP stack (httpx, replayed by vcrpy) against cassettes
written by hand to Jira Cloud's and GitHub's documented wire formats
(tests/cassettes/test_tracker_cassettes/): neither service can be reached from here, so each
cassette says it was not recorded and which documentation it follows.

What a sync fetched is loaded by the same loader `pmassist sync` uses on its snapshot, so these
check the whole path from the wire to the tickets a report reads. Jira's changelog is in the
cassette as the API sends it, but is not asserted here: the loader's reading of it is tested
where it is written."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from assistant.domain.record import StatusCategory, Ticket
from ingest.loaders.base import LoaderOptions
from ingest.sources.github_issues import GitHubIssuesClient
from ingest.sources.jira_cloud import JiraCloudClient
from tests.conftest import load_path

SITE = "https://heron-example.atlassian.net"


def tickets(path: Path) -> dict[str, Ticket]:
    loaded = load_path(path, LoaderOptions(project="heron"))
    assert not loaded.failures and not loaded.warnings, (loaded.failures, loaded.warnings)
    found = {}
    for document in loaded.documents:
        record = document.document.record
        assert isinstance(record, Ticket)
        found[record.key] = record
    return found


# Page 2 answers only a request whose JSON body carries page 1's nextPageToken (vcrpy compares
# JSON bodies parsed, so key order and spacing do not matter).
@pytest.mark.vcr(match_on=["method", "scheme", "host", "path", "body"])
def test_jira_search_pages_load_as_tickets(tmp_path: Path) -> None:
    jira = JiraCloudClient(SITE, "dana.fox@example.com", "api-token-1", sleep=_no_wait)
    try:
        found = jira.search("project = HER ORDER BY priority DESC")
    finally:
        jira.close()

    assert found.pages == 2 and found.retries == 0 and found.restarts == 0
    assert list(found.issues) == ["HER-101", "HER-102", "HER-103"]
    saved = tmp_path / "jira.json"
    saved.write_text(json.dumps(found.as_search_result()), encoding="utf-8")
    loaded = tickets(saved)

    assert set(loaded) == {"HER-101", "HER-102", "HER-103"}
    moving, blocked, done = loaded["HER-101"], loaded["HER-102"], loaded["HER-103"]
    assert (moving.status, moving.status_category) == ("In Progress", StatusCategory.IN_PROGRESS)
    assert (moving.assignee, moving.reporter) == ("Dana Fox", "Sam Okafor")
    assert moving.sprint == "HER Sprint 7" and moving.due == dt.date(2026, 12, 4)
    assert moving.description.startswith("Point every webhook at the new gateway")
    assert moving.url == f"{SITE}/browse/HER-101"  # from the issue's `self` address
    assert (blocked.status, blocked.assignee, blocked.type) == ("Blocked", "Sam Okafor", "Bug")
    assert blocked.flagged  # Flagged found through the `names` map of page 1
    assert [(link.relation, link.key) for link in blocked.links] == [("is blocked by", "HER-101")]
    assert (done.status, done.status_category, done.assignee) == ("Done", StatusCategory.DONE, None)
    assert done.resolved == dt.datetime(2026, 11, 20, 9, 5)  # UTC, stored without a zone


@pytest.mark.vcr(match_on=["method", "scheme", "host", "path", "query"])
def test_github_issue_pages_load_as_tickets(tmp_path: Path) -> None:
    github = GitHubIssuesClient("heron-org/heron", "ghp-not-a-real-token", sleep=_no_wait)
    try:
        found = github.fetch(None)
    finally:
        github.close()

    # Page 2 is read from the Link header's address; the pull request on page 1 is left out.
    assert found.pages == 2 and found.pull_requests_skipped == 1
    assert sorted(found.issues) == [11, 13, 14, 15]
    saved = tmp_path / "github-issues.json"
    saved.write_text(json.dumps(found.as_issue_list()), encoding="utf-8")
    loaded = tickets(saved)

    assert set(loaded) == {"heron#11", "heron#13", "heron#14", "heron#15"}
    bug, done, declined, reopened = (loaded[f"heron#{n}"] for n in (11, 13, 14, 15))
    assert (bug.status, bug.type, bug.priority, bug.assignee) == ("Open", "Bug", "high", "dana-fox")
    assert bug.url == "https://github.com/heron-org/heron/issues/11"
    assert (done.status, done.status_category, done.resolution) == (
        "Closed",
        StatusCategory.DONE,
        "Done",
    )
    assert (done.assignee, done.sprint, done.due) == (
        "sam-okafor",
        "Heron 1.0",
        dt.date(2026, 12, 15),
    )
    assert (declined.status, declined.resolution, declined.assignee) == (
        "Closed (not planned)",
        "Won't Do",
        None,
    )
    assert (reopened.status, reopened.status_category) == ("Reopened", StatusCategory.IN_PROGRESS)
    assert reopened.assignee == "sam-okafor"  # the first of two assignees, as GitHub lists them


def _no_wait(seconds: float) -> None:
    raise AssertionError(f"a cassette reply asked the client to wait {seconds}s")
