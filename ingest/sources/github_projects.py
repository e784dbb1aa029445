"""A GitHub Projects (v2) board read over GraphQL: `POST {api}/graphql`, 100 items a page.

Projects v2 have no REST listing that carries every field, so the board is read the way the
GitHub CLI reads it. The result has the shape of `gh project item-list N --owner O --format json`
(`{"items": [...], "totalCount": N}`), which the GitHub Projects loader reads: a synced item and
the same item exported by hand get the same document id (`repo#number`, or the item id of a draft
issue).

The owner may be an organization or a user; `repositoryOwner(login:)` with a fragment for each
answers both in one query. Archived items are left out (they are off the board), and so are items
whose content the token may not see (GitHub sends them with no content, so they have no key).

GraphQL reports most failures as `errors` in a 200 reply, not as an HTTP status: a token without
the project scope, a project that does not exist and a used-up rate limit all arrive that way.
5xx and 429 are retried as for every tracker (`send_with_retries`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from ingest.sources.retries import SyncError, rate_limit_reset, send_with_retries

API = "https://api.github.com"
PAGE_SIZE = 100
CONTENT_TYPES = frozenset({"Issue", "PullRequest", "DraftIssue"})
# Keys the item itself is made of; a project field of the same name must not replace them.
RESERVED_KEYS = frozenset({"id", "content"})

_FIELD_NAME = "field { ... on ProjectV2FieldCommon { name } }"
_PEOPLE = "assignees(first: 20) { nodes { login name } }"
_TRACKED = f"""
      number title url body createdAt updatedAt closedAt
      repository {{ nameWithOwner url }}
      {_PEOPLE}
      labels(first: 50) {{ nodes {{ name }} }}
      milestone {{ title description dueOn }}"""
# A pull request's `state` is asked for under another name: GraphQL refuses one response name for
# two enum types (IssueState, PullRequestState) in the same selection.
QUERY = f"""
query ProjectItems($owner: String!, $number: Int!, $cursor: String) {{
  repositoryOwner(login: $owner) {{
    __typename
    ... on Organization {{ projectV2(number: $number) {{ ...Board }} }}
    ... on User {{ projectV2(number: $number) {{ ...Board }} }}
  }}
}}

fragment Board on ProjectV2 {{
  title
  items(first: {PAGE_SIZE}, after: $cursor) {{
    totalCount
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      id type isArchived
      content {{
        __typename
        ... on Issue {{ {_TRACKED}
          state stateReason }}
        ... on PullRequest {{ {_TRACKED}
          pullRequestState: state merged mergedAt }}
        ... on DraftIssue {{ title body createdAt updatedAt {_PEOPLE} }}
      }}
      fieldValues(first: 50) {{
        nodes {{
          __typename
          ... on ProjectV2ItemFieldSingleSelectValue {{ name {_FIELD_NAME} }}
          ... on ProjectV2ItemFieldIterationValue {{ title startDate duration {_FIELD_NAME} }}
          ... on ProjectV2ItemFieldNumberValue {{ number {_FIELD_NAME} }}
          ... on ProjectV2ItemFieldTextValue {{ text {_FIELD_NAME} }}
          ... on ProjectV2ItemFieldDateValue {{ date {_FIELD_NAME} }}
          ... on ProjectV2ItemFieldPullRequestValue {{
            pullRequests(first: 10) {{ nodes {{ url }} }} {_FIELD_NAME} }}
          ... on ProjectV2ItemFieldReviewerValue {{
            reviewers(first: 10) {{ nodes {{ ... on User {{ login }} }} }} {_FIELD_NAME} }}
        }}
      }}
    }}
  }}
}}
"""
SCOPE_ADVICE = (
    "the token needs the read:project scope (classic) or Projects read access (fine-grained)"
)


class GitHubProjectSyncError(SyncError):
    """The project could not be read; nothing of this sync was stored."""


@dataclass
class ProjectItems:
    """What one sync fetched: the board's items as the GitHub CLI exports them."""

    items: list[dict[str, Any]] = field(default_factory=list)
    archived_skipped: int = 0
    hidden_skipped: int = 0  # items whose content the token may not read
    pages: int = 0
    retries: int = 0

    def as_export(self) -> dict[str, Any]:
        """The shape of `gh project item-list --format json`, as the loader reads it."""
        return {"items": list(self.items), "totalCount": len(self.items)}


def graphql_endpoint(api: str) -> str:
    """GitHub.com answers GraphQL at api.github.com/graphql; GitHub Enterprise Server, whose REST
    root is `https://host/api/v3`, at `https://host/api/graphql`."""
    root = api.rstrip("/")
    if root.endswith("/api/v3"):
        return root.removesuffix("/v3") + "/graphql"
    return root + "/graphql"


class GitHubProjectClient:
    def __init__(
        self,
        owner: str,
        number: int,
        token: str | None,
        *,
        api: str = API,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        on_page: Callable[[int], None] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        owner = owner.strip().lstrip("@")
        if not owner or "/" in owner:
            raise GitHubProjectSyncError(
                f"A GitHub project's owner is a user or organization login, not {owner!r}."
            )
        if number < 1:
            raise GitHubProjectSyncError(f"A GitHub project number is 1 or more, not {number}.")
        self.owner = owner
        self.number = number
        self.endpoint = graphql_endpoint(api)
        self._token = token
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(timeout=timeout, headers=headers, transport=transport)
        self._sleep = sleep
        # Told how many items each page brought, for a progress bar.
        self._on_page = on_page or (lambda items: None)

    @property
    def project(self) -> str:
        """How messages name the project (owner and number, as `gh project` takes them)."""
        return f"project {self.number} of {self.owner}"

    def close(self) -> None:
        self._http.close()

    def fetch(self) -> ProjectItems:
        if not self._token:
            # GitHub's GraphQL API answers no anonymous request, even for a public project.
            raise GitHubProjectSyncError(
                f"Reading GitHub {self.project} needs a token (PMASSIST_GITHUB_TOKEN): "
                f"{SCOPE_ADVICE}."
            )
        found = ProjectItems()
        cursor: str | None = None
        while True:
            page = self._page(cursor, found)
            found.pages += 1
            nodes = page.get("nodes") or []
            self._on_page(len(nodes))
            for node in nodes:
                if node.get("isArchived"):
                    found.archived_skipped += 1
                    continue
                item = export_item(node)
                if item is None:
                    found.hidden_skipped += 1
                    continue
                found.items.append(item)
            info = page.get("pageInfo") or {}
            cursor = info.get("endCursor")
            if not info.get("hasNextPage") or not cursor:
                return found

    def _page(self, cursor: str | None, found: ProjectItems) -> dict[str, Any]:
        """One page of the board's `items` connection."""

        def count_retry() -> None:
            found.retries += 1

        body = {
            "query": QUERY,
            "variables": {"owner": self.owner, "number": self.number, "cursor": cursor},
        }
        reply = send_with_retries(
            lambda: self._http.post(self.endpoint, json=body),
            f"GitHub ({self.project})",
            self._sleep,
            count_retry,
        )
        self._check_status(reply)
        try:
            answer = reply.json()
        except ValueError:
            raise GitHubProjectSyncError(
                f"GitHub answered the query for {self.project} with something other than JSON; "
                "nothing was stored."
            ) from None
        if not isinstance(answer, dict):
            raise GitHubProjectSyncError(f"GitHub's answer for {self.project} is not an object.")
        self._check_errors(answer.get("errors"), reply)
        owner = (answer.get("data") or {}).get("repositoryOwner")
        if owner is None:
            raise GitHubProjectSyncError(
                f"GitHub has no user or organization called {self.owner!r}; check the owner of "
                f"{self.project}."
            )
        project = owner.get("projectV2")
        if project is None:
            raise self._not_found()
        items = project.get("items")
        if not isinstance(items, dict):
            raise GitHubProjectSyncError(f"GitHub's answer for {self.project} has no items.")
        return items

    def _check_status(self, reply: httpx.Response) -> None:
        """HTTP statuses other than 200 that the retries leave to the caller."""
        if reply.status_code == 200:
            return
        if reply.status_code in (401, 403) and reply.headers.get("x-ratelimit-remaining") == "0":
            raise self._rate_limited(reply)
        if reply.status_code == 403 and reply.headers.get("retry-after", "").strip().isdigit():
            seconds = reply.headers["retry-after"].strip()
            raise GitHubProjectSyncError(
                f"GitHub's secondary rate limit stopped the sync of {self.project}; it asks to "
                f"wait {seconds} seconds. Nothing was stored; sync again then."
            )
        if reply.status_code == 401:
            raise GitHubProjectSyncError(
                f"GitHub refused the token while reading {self.project} (HTTP 401): check "
                "PMASSIST_GITHUB_TOKEN; it may have expired or been revoked."
            )
        raise GitHubProjectSyncError(
            f"GitHub refused to read {self.project} (HTTP {reply.status_code}): check "
            f"PMASSIST_GITHUB_TOKEN; {SCOPE_ADVICE}."
        )

    def _check_errors(self, errors: Any, reply: httpx.Response) -> None:
        """GraphQL `errors`: any of them means the page is not whole, so nothing is kept."""
        if not errors:
            return
        listed = errors if isinstance(errors, list) else [errors]
        kinds = {str(error.get("type", "")) for error in listed if isinstance(error, dict)}
        said = "; ".join(
            str(error.get("message", error)) if isinstance(error, dict) else str(error)
            for error in listed
        )
        if "INSUFFICIENT_SCOPES" in kinds:
            raise GitHubProjectSyncError(
                f"GitHub refused to read {self.project}: {SCOPE_ADVICE}. GitHub said: {said}"
            )
        if "RATE_LIMITED" in kinds:
            raise self._rate_limited(reply)
        if "NOT_FOUND" in kinds:
            raise self._not_found(said)
        raise GitHubProjectSyncError(
            f"GitHub could not read {self.project}: {said}. Nothing was stored."
        )

    def _not_found(self, said: str = "") -> GitHubProjectSyncError:
        # GitHub says "not found" too for a private project the token may not see.
        told = f" GitHub said: {said}" if said else ""
        return GitHubProjectSyncError(
            f"GitHub has no {self.project} that this token can see: check the owner and the "
            f"number in the board's address (…/{self.owner}/projects/{self.number}), and that "
            f"{SCOPE_ADVICE}.{told}"
        )

    def _rate_limited(self, reply: httpx.Response) -> GitHubProjectSyncError:
        """A used-up limit is named with its reset time rather than waited out: it may be an
        hour away."""
        when = rate_limit_reset(reply)
        return GitHubProjectSyncError(
            f"GitHub's rate limit for this token is used up (reading {self.project}); it resets "
            f"at {when}. Nothing was stored; sync again then."
        )


def export_item(node: dict[str, Any]) -> dict[str, Any] | None:
    """One board item as the GitHub CLI writes it, or None for an item with no readable content.

    The CLI names each project field's value by the field's name with its first letter lowered
    (`Status` → `status`, `Story Points` → `story Points`), and writes the built-in fields the
    same way: `assignees` and `labels` as names, `milestone` as an object, `repository` as the
    repository's address. Those built-ins are taken here from the issue itself, which carries
    them whether or not the board shows their columns."""
    content = node.get("content")
    kind = content.get("__typename") if isinstance(content, dict) else None
    if not isinstance(content, dict) or kind not in CONTENT_TYPES:
        return None
    title = str(content.get("title") or "")
    exported: dict[str, Any] = {"type": kind, "body": content.get("body") or "", "title": title}
    item: dict[str, Any] = {"id": node.get("id"), "title": title}
    if kind != "DraftIssue":
        repository = content.get("repository") or {}
        exported |= {
            "number": content.get("number"),
            "repository": repository.get("nameWithOwner") or "",
            "url": content.get("url") or "",
        }
        # Beyond the CLI's export: the loader ignores them, a later reader may want them.
        if state := content.get("state") or content.get("pullRequestState"):
            exported["state"] = state
        for extra in ("stateReason", "createdAt", "updatedAt", "closedAt", "merged"):
            if extra in content:
                exported[extra] = content[extra]
        if content.get("mergedAt"):
            exported["mergedAt"] = content["mergedAt"]
        if repository.get("url"):
            item["repository"] = repository["url"]
    item["content"] = exported
    if assignees := _nodes(content, "assignees", "login"):
        item["assignees"] = assignees
    if labels := _nodes(content, "labels", "name"):
        item["labels"] = labels
    milestone = content.get("milestone")
    if isinstance(milestone, dict) and milestone.get("title"):
        item["milestone"] = {
            "title": milestone["title"],
            "description": milestone.get("description") or "",
            "dueOn": milestone.get("dueOn") or "",
        }
    for value in (node.get("fieldValues") or {}).get("nodes") or []:
        if not isinstance(value, dict):
            continue
        name = str((value.get("field") or {}).get("name") or "")
        key = name[:1].lower() + name[1:]
        shown = field_value(value)
        if key and key not in RESERVED_KEYS and shown is not None:
            item[key] = shown
    return item


def field_value(value: dict[str, Any]) -> Any:
    """A project field's value as the CLI writes it; None for a kind it does not export (GitHub
    sends those as empty objects, since the query asks nothing of them)."""
    kind = value.get("__typename")
    if kind == "ProjectV2ItemFieldSingleSelectValue":
        return value.get("name")
    if kind == "ProjectV2ItemFieldIterationValue":
        return {
            "title": value.get("title"),
            "startDate": value.get("startDate"),
            "duration": value.get("duration"),
        }
    if kind == "ProjectV2ItemFieldNumberValue":
        number = value.get("number")
        # GitHub sends every number as a float; the CLI writes 5.0 as 5.
        return int(number) if isinstance(number, float) and number.is_integer() else number
    if kind == "ProjectV2ItemFieldTextValue":
        return value.get("text")
    if kind == "ProjectV2ItemFieldDateValue":
        return value.get("date")
    if kind == "ProjectV2ItemFieldPullRequestValue":
        return _nodes(value, "pullRequests", "url")
    if kind == "ProjectV2ItemFieldReviewerValue":
        return _nodes(value, "reviewers", "login")
    return None


def _nodes(parent: dict[str, Any], connection: str, key: str) -> list[str]:
    """The `key` of each node of a connection, leaving out nodes without one."""
    nodes = (parent.get(connection) or {}).get("nodes") or []
    return [str(node[key]) for node in nodes if isinstance(node, dict) and node.get(key)]
