"""GitHub Projects sync against a GraphQL-shaped server started here on 127.0.0.1 (GitHub cannot
be reached from the tests): cursor paging, archived items left out, the result loading as a
`gh project item-list` export with the same ids, and GitHub's GraphQL errors named plainly."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphql
import pytest

from assistant.domain.record import StatusCategory, Ticket
from ingest.loaders.base import LoaderOptions, LoadResult
from ingest.sources.github_projects import (
    QUERY,
    GitHubProjectClient,
    GitHubProjectSyncError,
    ProjectItems,
    graphql_endpoint,
)
from ingest.sources.retries import SyncError
from tests.conftest import load_path
from tests.local_http import Request, local_server

REPOSITORY = "heron-org/heron"
STATUSES = ["In Progress", "Blocked", "Done"]
SPRINT_7 = {"title": "Sprint 7", "startDate": "2026-11-02", "duration": 14}


def value(kind: str, field: str, **data: Any) -> dict[str, Any]:
    """A field value as GitHub sends it: its kind, its data and the field's name."""
    return {"__typename": f"ProjectV2ItemField{kind}Value", **data, "field": {"name": field}}


def issue_content(number: int, *, pull: bool = False) -> dict[str, Any]:
    kind = "pull" if pull else "issues"
    content: dict[str, Any] = {
        "__typename": "PullRequest" if pull else "Issue",
        "number": number,
        "title": f"Heron task {number}",
        "url": f"https://github.com/{REPOSITORY}/{kind}/{number}",
        "body": f"Details of task {number}.",
        "createdAt": "2026-11-02T09:00:00Z",
        "updatedAt": "2026-11-03T09:00:00Z",
        "closedAt": None,
        "repository": {"nameWithOwner": REPOSITORY, "url": f"https://github.com/{REPOSITORY}"},
        "assignees": {
            "nodes": [{"login": "dfox", "name": "Dana Fox"}, {"login": "sokafor", "name": None}]
        },
        "labels": {"nodes": [{"name": "bug"}, {"name": "priority: high"}]},
        "milestone": {"title": "Beta", "description": "", "dueOn": "2026-12-18T00:00:00Z"},
    }
    if pull:
        content |= {"pullRequestState": "OPEN", "merged": False, "mergedAt": None}
    else:
        content |= {"state": "OPEN", "stateReason": None}
    return content


def node(number: int) -> dict[str, Any]:
    """Item `number` of the board: #14 a pull request, #15 a draft issue, #16 archived."""
    if number == 15:
        content: dict[str, Any] = {
            "__typename": "DraftIssue",
            "title": "Decide the release checklist",
            "body": "",
            "createdAt": "2026-11-02T09:00:00Z",
            "updatedAt": "2026-11-02T09:00:00Z",
            "assignees": {"nodes": []},
        }
    else:
        content = issue_content(number, pull=number == 14)
    values = [
        value("Text", "Title", text=content["title"]),
        value("SingleSelect", "Status", name=STATUSES[number % 3]),
        value("Iteration", "Sprint", **SPRINT_7),
        value("Number", "Estimate", number=float(number % 5 + 1)),
        value("Date", "Planned start", date="2026-11-04"),
        # A field kind the query asks nothing of (assignees shown as a column) comes back empty.
        {"__typename": "ProjectV2ItemFieldUserValue"},
    ]
    return {
        "id": f"PVTI_heron{number}",
        "type": "ISSUE",
        "isArchived": number == 16,
        "content": content,
        "fieldValues": {"nodes": values},
    }


class ProjectShaped:
    """Answers the board query by its `after` cursor, 100 items a page, as GitHub does."""

    def __init__(self, items: int) -> None:
        self.nodes = [node(n) for n in range(1, items + 1)]
        self.bodies: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.authorizations: list[str] = []
        self.failures: list[tuple[int, dict[str, str], str]] = []

    def answer(self, request: Request, address: str) -> tuple[int, dict[str, str], str]:
        assert request.method == "POST"
        body = json.loads(request.body)
        self.bodies.append(body)
        self.paths.append(request.path)
        self.authorizations.append(request.headers.get("Authorization", ""))
        if self.failures:
            return self.failures.pop(0)
        after = body["variables"]["cursor"]
        start = int(after.removeprefix("cursor-")) if after else 0
        chosen = self.nodes[start : start + 100]
        end = start + len(chosen)
        items = {
            "totalCount": len(self.nodes),
            "pageInfo": {"hasNextPage": end < len(self.nodes), "endCursor": f"cursor-{end}"},
            "nodes": chosen,
        }
        owner = {"__typename": "Organization", "projectV2": {"title": "Heron", "items": items}}
        return 200, {}, json.dumps({"data": {"repositoryOwner": owner}})


@pytest.fixture
def github() -> Iterator[tuple[ProjectShaped, str]]:
    state = ProjectShaped(230)
    with local_server(state.answer) as address:
        yield state, address


def client(api: str, waits: list[float] | None = None, **options: Any) -> GitHubProjectClient:
    sleep = waits.append if waits is not None else _no_sleep
    return GitHubProjectClient("heron-org", 3, "ghp-token", api=api, sleep=sleep, **options)


def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"slept {seconds} s where no retry was expected")


def loaded(found: ProjectItems, folder: Path) -> LoadResult:
    path = folder / "heron-board.json"
    path.write_text(json.dumps(found.as_export()), encoding="utf-8")
    return load_path(path, LoaderOptions(project="heron"))


def tickets(result: LoadResult) -> dict[str, Ticket]:
    found: dict[str, Ticket] = {}
    for document in result.documents:
        assert isinstance(document.document.record, Ticket)
        found[document.document.record.key] = document.document.record
    return found


def test_every_page_is_read_by_its_cursor_and_archived_items_left_out(
    github: tuple[ProjectShaped, str],
) -> None:
    state, api = github
    pages: list[int] = []

    found = client(api, on_page=pages.append).fetch()

    assert (found.pages, found.retries, pages) == (3, 0, [100, 100, 30])
    assert [body["variables"] for body in state.bodies] == [
        {"owner": "heron-org", "number": 3, "cursor": cursor}
        for cursor in (None, "cursor-100", "cursor-200")
    ]
    assert "items(first: 100, after: $cursor)" in state.bodies[0]["query"]
    assert set(state.paths) == {"/graphql"}
    assert set(state.authorizations) == {"Bearer ghp-token"}
    assert found.archived_skipped == 1 and len(found.items) == 229
    assert "PVTI_heron16" not in {item["id"] for item in found.items}
    export = found.as_export()
    assert export["totalCount"] == 229 and export["items"] == found.items


def test_items_have_the_shape_of_a_github_cli_export(github: tuple[ProjectShaped, str]) -> None:
    _, api = github
    found = {item["id"]: item for item in client(api).fetch().items}
    issue = found["PVTI_heron12"]
    assert issue["status"] == "In Progress"
    assert issue["sprint"] == SPRINT_7
    assert issue["estimate"] == 3 and isinstance(issue["estimate"], int)
    assert issue["planned start"] == "2026-11-04"
    assert (issue["assignees"], issue["labels"]) == (["dfox", "sokafor"], ["bug", "priority: high"])
    assert issue["milestone"] == {
        "title": "Beta",
        "description": "",
        "dueOn": "2026-12-18T00:00:00Z",
    }
    assert issue["repository"] == "https://github.com/heron-org/heron"
    content = issue["content"]
    assert {key: content[key] for key in ("type", "number", "repository", "url")} == {
        "type": "Issue",
        "number": 12,
        "repository": REPOSITORY,
        "url": "https://github.com/heron-org/heron/issues/12",
    }
    # A pull request's state, asked for under another name, is written as `state` all the same.
    assert (found["PVTI_heron14"]["content"]["state"], content["state"]) == ("OPEN", "OPEN")
    assert found["PVTI_heron15"]["content"] == {
        "type": "DraftIssue",
        "body": "",
        "title": "Decide the release checklist",
    }


def test_the_synced_board_loads_as_tickets(
    github: tuple[ProjectShaped, str], tmp_path: Path
) -> None:
    _, api = github
    result = loaded(client(api).fetch(), tmp_path)

    assert (result.format, result.failures, result.warnings) == ("github-project", [], [])
    found = tickets(result)
    assert len(found) == 229 and "heron#16" not in found
    states = {
        key: (found[key].status, found[key].status_category, found[key].flagged)
        for key in ("heron#12", "heron#13", "heron#17")
    }
    assert states == {
        "heron#12": ("In Progress", StatusCategory.IN_PROGRESS, False),
        "heron#13": ("Blocked", StatusCategory.IN_PROGRESS, True),
        "heron#17": ("Done", StatusCategory.DONE, False),
    }
    task = found["heron#12"]
    assert (task.sprint, task.sprints, task.story_points) == ("Sprint 7", ["Sprint 7"], 3)
    assert (task.assignee, task.watchers) == ("dfox", ["sokafor"])
    assert (task.type, task.priority, task.due) == ("Bug", "high", dt.date(2026, 12, 18))
    assert task.url == "https://github.com/heron-org/heron/issues/12"
    assert task.description.split("\n") == [
        "Milestone: Beta",
        "Planned start: 2026-11-04",
        "Details of task 12.",
    ]
    pull, draft = found["heron#14"], found["PVTI_heron15"]
    assert (pull.type, pull.url) == ("PullRequest", "https://github.com/heron-org/heron/pull/14")
    assert (draft.type, draft.summary, draft.assignee) == (
        "DraftIssue",
        "Decide the release checklist",
        None,
    )


def test_a_synced_item_is_the_document_a_cli_export_gives(
    github: tuple[ProjectShaped, str], tmp_path: Path
) -> None:
    """The same issue as `gh project item-list 3 --owner heron-org --format json` writes it."""
    _, api = github
    synced = {
        d.document.id: d.document.record for d in loaded(client(api).fetch(), tmp_path).documents
    }
    exported = {
        "id": "PVTI_heron12",
        "title": "Heron task 12",
        "status": "In Progress",
        "sprint": SPRINT_7,
        "estimate": 3,
        "planned start": "2026-11-04",
        "assignees": ["dfox", "sokafor"],
        "labels": ["bug", "priority: high"],
        "milestone": {"title": "Beta", "description": "", "dueOn": "2026-12-18T00:00:00Z"},
        "repository": "https://github.com/heron-org/heron",
        "content": {
            "type": "Issue",
            "body": "Details of task 12.",
            "title": "Heron task 12",
            "number": 12,
            "repository": REPOSITORY,
            "url": "https://github.com/heron-org/heron/issues/12",
        },
    }
    path = tmp_path / "gh-export.json"
    path.write_text(json.dumps({"items": [exported], "totalCount": 1}), encoding="utf-8")
    [document] = load_path(path, LoaderOptions(project="heron")).documents

    assert document.document.id == "ticket:heron#12"
    assert synced[document.document.id] == document.document.record


def test_a_token_without_the_project_scope_is_named(github: tuple[ProjectShaped, str]) -> None:
    state, api = github
    said = (
        "Your token has not been granted the required scopes to execute this query. The 'id' "
        "field requires one of the following scopes: ['read:project'], but your token has only "
        "been granted the: ['repo'] scopes."
    )
    error = {
        "type": "INSUFFICIENT_SCOPES",
        "locations": [{"line": 5, "column": 5}],
        "message": said,
    }
    state.failures = [(200, {}, json.dumps({"errors": [error]}))]

    with pytest.raises(GitHubProjectSyncError) as raised:
        client(api).fetch()

    message = str(raised.value)
    assert "project 3 of heron-org" in message
    assert "the token needs the read:project scope (classic) or Projects read access" in message
    assert said in message
    assert isinstance(raised.value, SyncError)


def test_a_missing_project_or_owner_is_named(github: tuple[ProjectShaped, str]) -> None:
    state, api = github
    missing = {
        "data": {"repositoryOwner": {"__typename": "Organization", "projectV2": None}},
        "errors": [
            {
                "type": "NOT_FOUND",
                "path": ["repositoryOwner", "projectV2"],
                "message": "Could not resolve to a ProjectV2 with the number 3.",
            }
        ],
    }
    state.failures = [
        (200, {}, json.dumps(missing)),
        (200, {}, json.dumps({"data": {"repositoryOwner": None}})),
    ]
    with pytest.raises(GitHubProjectSyncError, match=r"no project 3 of heron-org .*number 3\."):
        client(api).fetch()
    with pytest.raises(GitHubProjectSyncError, match="no user or organization called 'heron-org'"):
        client(api).fetch()


def test_a_bad_gateway_is_retried_without_really_sleeping(
    github: tuple[ProjectShaped, str],
) -> None:
    state, api = github
    state.failures = [(502, {}, "{}")]
    waits: list[float] = []

    found = client(api, waits).fetch()

    assert (found.retries, waits, len(found.items)) == (1, [1.0], 229)
    # The retried request asks for the first page again.
    assert [body["variables"]["cursor"] for body in state.bodies[:2]] == [None, None]


def test_rate_limits_and_refused_tokens(github: tuple[ProjectShaped, str]) -> None:
    state, api = github
    reset = str(int(dt.datetime(2026, 12, 5, 14, 0, tzinfo=dt.UTC).timestamp()))
    limited = {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]}
    state.failures = [
        (429, {"Retry-After": "7"}, "{}"),
        (200, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}, json.dumps(limited)),
    ]
    waits: list[float] = []
    with pytest.raises(GitHubProjectSyncError, match=r"used up .* resets at 14:00 UTC\. Nothing"):
        client(api, waits).fetch()
    assert waits == [7.0]  # a secondary limit is waited out
    state.failures = [(401, {}, json.dumps({"message": "Bad credentials"}))]
    with pytest.raises(GitHubProjectSyncError, match=r"refused the token .*PMASSIST_GITHUB_TOKEN"):
        client(api).fetch()
    with pytest.raises(GitHubProjectSyncError, match="needs a token"):
        GitHubProjectClient("heron-org", 3, None, api=api).fetch()
    assert len(state.bodies) == 3  # no request without a token


def test_github_enterprise_answers_graphql_beside_its_rest_root(
    github: tuple[ProjectShaped, str],
) -> None:
    state, api = github
    assert graphql_endpoint("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_endpoint("https://ghe.heron.example/api/v3/") == (
        "https://ghe.heron.example/api/graphql"
    )
    assert len(client(f"{api}/api/v3").fetch().items) == 229
    assert set(state.paths) == {"/api/graphql"}


# The part of GitHub's GraphQL schema the board query touches, written out from GitHub's reference
# (docs.github.com/graphql) so the query's validity, not only its paging, is checked offline.
SCHEMA_EXCERPT = """
scalar DateTime
scalar Date
scalar URI
type Query { repositoryOwner(login: String!): RepositoryOwner }
interface RepositoryOwner { login: String! }
type Organization implements RepositoryOwner { login: String! projectV2(number: Int!): ProjectV2 }
type User implements RepositoryOwner {
  login: String! name: String projectV2(number: Int!): ProjectV2
}
type Team { name: String! }
union RequestedReviewer = User | Team
type ProjectV2 {
  title: String!
  items(first: Int, after: String): ProjectV2ItemConnection!
}
type PageInfo { hasNextPage: Boolean! endCursor: String }
type ProjectV2ItemConnection {
  totalCount: Int! pageInfo: PageInfo! nodes: [ProjectV2Item]
}
enum ProjectV2ItemType { ISSUE PULL_REQUEST DRAFT_ISSUE REDACTED }
type ProjectV2Item {
  id: ID! type: ProjectV2ItemType! isArchived: Boolean! content: ProjectV2ItemContent
  fieldValues(first: Int): ProjectV2ItemFieldValueConnection!
}
union ProjectV2ItemContent = DraftIssue | Issue | PullRequest
type Repository { nameWithOwner: String! url: URI! }
type UserConnection { nodes: [User] }
type Label { name: String! }
type LabelConnection { nodes: [Label] }
type Milestone { title: String! description: String dueOn: DateTime }
enum IssueState { OPEN CLOSED }
enum IssueStateReason { COMPLETED NOT_PLANNED REOPENED DUPLICATE }
enum PullRequestState { OPEN CLOSED MERGED }
type Issue {
  number: Int! title: String! url: URI! body: String! state: IssueState!
  stateReason: IssueStateReason createdAt: DateTime! updatedAt: DateTime! closedAt: DateTime
  repository: Repository! assignees(first: Int): UserConnection!
  labels(first: Int): LabelConnection milestone: Milestone
}
type PullRequest {
  number: Int! title: String! url: URI! body: String! state: PullRequestState!
  merged: Boolean! mergedAt: DateTime createdAt: DateTime! updatedAt: DateTime!
  closedAt: DateTime repository: Repository! assignees(first: Int): UserConnection!
  labels(first: Int): LabelConnection milestone: Milestone
}
type PullRequestConnection { nodes: [PullRequest] }
type RequestedReviewerConnection { nodes: [RequestedReviewer] }
type DraftIssue {
  title: String! body: String! createdAt: DateTime! updatedAt: DateTime!
  assignees(first: Int): UserConnection!
}
interface ProjectV2FieldCommon { name: String! }
type ProjectV2Field implements ProjectV2FieldCommon { name: String! }
type ProjectV2IterationField implements ProjectV2FieldCommon { name: String! }
type ProjectV2SingleSelectField implements ProjectV2FieldCommon { name: String! }
union ProjectV2FieldConfiguration =
  ProjectV2Field | ProjectV2IterationField | ProjectV2SingleSelectField
type ProjectV2ItemFieldSingleSelectValue { name: String field: ProjectV2FieldConfiguration! }
type ProjectV2ItemFieldIterationValue {
  title: String! startDate: Date! duration: Int! field: ProjectV2FieldConfiguration!
}
type ProjectV2ItemFieldNumberValue { number: Float field: ProjectV2FieldConfiguration! }
type ProjectV2ItemFieldTextValue { text: String field: ProjectV2FieldConfiguration! }
type ProjectV2ItemFieldDateValue { date: Date field: ProjectV2FieldConfiguration! }
type ProjectV2ItemFieldUserValue { users(first: Int): UserConnection }
type ProjectV2ItemFieldPullRequestValue {
  pullRequests(first: Int): PullRequestConnection field: ProjectV2FieldConfiguration!
}
type ProjectV2ItemFieldReviewerValue {
  reviewers(first: Int): RequestedReviewerConnection field: ProjectV2FieldConfiguration!
}
union ProjectV2ItemFieldValue =
  ProjectV2ItemFieldSingleSelectValue | ProjectV2ItemFieldIterationValue
  | ProjectV2ItemFieldNumberValue | ProjectV2ItemFieldTextValue | ProjectV2ItemFieldDateValue
  | ProjectV2ItemFieldUserValue | ProjectV2ItemFieldPullRequestValue
  | ProjectV2ItemFieldReviewerValue
type ProjectV2ItemFieldValueConnection { nodes: [ProjectV2ItemFieldValue] }
"""


def test_the_query_is_valid_against_githubs_types() -> None:
    schema = graphql.build_schema(SCHEMA_EXCERPT)
    errors = graphql.validate(schema, graphql.parse(QUERY))
    assert errors == []
