"""Fetching one tracker source, and merging what came into its snapshot.

Each kind of source has a client in `ingest/sources/` and a snapshot in the export format its
loader reads: a Jira search result, a GitHub issues list, a GitHub Projects item list. Only what
changed is fetched where the tracker can say so (Jira, GitHub issues); a Projects board is read
whole, since GraphQL offers no "changed since" for its items.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.domain.errors import InvalidInputError
from assistant.domain.sources import SourceKind, TrackerSource
from ingest.sources.github_issues import GitHubIssuesClient
from ingest.sources.github_projects import GitHubProjectClient
from ingest.sources.jira_cloud import JiraCloudClient

PageFetched = Callable[[int], None]


@dataclass
class Fetched:
    """What one sync fetched; `every_key` when it also knows every key the source has now."""

    items: list[dict[str, Any]]
    pages: int
    retries: int
    every_key: set[str] | None = None
    names: dict[str, str] = field(default_factory=dict)  # Jira: custom field id -> name
    warnings: list[str] = field(default_factory=list)


def fetch(
    source: TrackerSource,
    settings: Settings,
    reconcile: bool,
    page_fetched: PageFetched,
    known: set[str],
) -> Fetched:
    """`known`: the keys the snapshot holds already."""
    if source.kind == "jira":
        return _jira(source, settings, reconcile, page_fetched, known)
    if source.kind == "github":
        # GitHub lists no deleted issues; its sync removes nothing after the first, full fetch.
        return _github_issues(source, settings, page_fetched)
    return _github_project(source, settings, page_fetched)


def _jira(
    source: TrackerSource,
    settings: Settings,
    reconcile: bool,
    page_fetched: PageFetched,
    known: set[str],
) -> Fetched:
    if not settings.jira_email or settings.jira_api_token is None:
        raise InvalidInputError(
            "Syncing Jira needs PMASSIST_JIRA_EMAIL and PMASSIST_JIRA_API_TOKEN (an API token of "
            "an account that may browse the project)."
        )
    assert source.site is not None
    assert source.jql is not None
    since = source.last_synced_at
    jira = JiraCloudClient(
        source.site,
        settings.jira_email,
        settings.jira_api_token.get_secret_value(),
        on_page=page_fetched,
    )
    try:
        found = jira.search(source.jql, since)
        every: set[str] | None = set(found.issues) if since is None else None
        warnings = []
        if since is not None and reconcile:
            every, listing = jira.keys(source.jql)
            found.pages += listing.pages
            found.retries += listing.retries
            if not every and known:
                # A query that suddenly finds nothing is more often a lost permission or a
                # renamed project than an empty tracker: keep the record as it is.
                warnings.append(
                    f"The query {source.jql!r} now finds no issue; nothing was removed. Check "
                    "it and the account's permissions."
                )
                every = None
            else:
                # Issues that entered the query without being updated (a sprint started).
                jira.issues(every - known - set(found.issues), found)
    finally:
        jira.close()
    fetched = Fetched(list(found.issues.values()), found.pages, found.retries, every)
    fetched.names, fetched.warnings = found.names, warnings
    return fetched


def _github_issues(source: TrackerSource, settings: Settings, page_fetched: PageFetched) -> Fetched:
    assert source.repository
    since = source.last_synced_at
    github = GitHubIssuesClient(
        source.repository, _github_token(settings), api=settings.github_api, on_page=page_fetched
    )
    try:
        issues = github.fetch(since)
    finally:
        github.close()
    # GitHub lists no deleted issues: a first, full fetch is the only complete list.
    items = issues.as_issue_list()
    every = {str(item["number"]) for item in items} if since is None else None
    return Fetched(items, issues.pages, issues.retries, every)


def _github_project(
    source: TrackerSource, settings: Settings, page_fetched: PageFetched
) -> Fetched:
    assert source.owner is not None
    assert source.number is not None
    board = GitHubProjectClient(
        source.owner,
        source.number,
        _github_token(settings),
        api=settings.github_api,
        on_page=page_fetched,
    )
    try:
        found = board.fetch()
    finally:
        board.close()
    # The whole board every time: an item no longer on it has left the record's reach.
    return Fetched(found.items, found.pages, found.retries, {str(i["id"]) for i in found.items})


def _github_token(settings: Settings) -> str | None:
    return settings.github_token.get_secret_value() if settings.github_token else None


@dataclass(frozen=True)
class SnapshotShape:
    """How a kind's snapshot holds its items, and what names each one."""

    key: str
    items: Callable[[Any], list[dict[str, Any]]]
    wrap: Callable[[list[dict[str, Any]], dict[str, str]], Any]


SNAPSHOTS: dict[SourceKind, SnapshotShape] = {
    "jira": SnapshotShape(
        "key",
        lambda saved: saved.get("issues", []),
        lambda items, names: {"issues": items, "names": names},
    ),
    "github": SnapshotShape("number", lambda saved: saved, lambda items, names: items),
    "github-project": SnapshotShape(
        "id",
        lambda saved: saved.get("items", []),
        lambda items, names: {"items": items, "totalCount": len(items)},
    ),
}


def saved_items(kind: SourceKind, previous: bytes | None, path: Path) -> tuple[Any, dict[str, Any]]:
    """The snapshot as parsed, and its items by key."""
    shape = SNAPSHOTS[kind]
    try:
        earlier: Any = json.loads(previous) if previous else None
    except ValueError as error:
        raise InvalidInputError(
            f"The sync snapshot {path} is not valid JSON ({error}). Delete it to fetch "
            "everything again; the record keeps what it has until then."
        ) from None
    return earlier, {
        str(item[shape.key]): item for item in (shape.items(earlier) if earlier else [])
    }


def merged(kind: SourceKind, earlier: Any, by_key: dict[str, Any], fetched: Fetched) -> bytes:
    """The snapshot with the fetched items in place of their earlier copies, less the items
    the source no longer has (when the fetch knows every key it has)."""
    shape = SNAPSHOTS[kind]
    by_key = {**by_key, **{str(item[shape.key]): item for item in fetched.items}}
    if fetched.every_key is not None:
        by_key = {k: item for k, item in by_key.items() if k in fetched.every_key}
    names = {**(earlier.get("names", {}) if isinstance(earlier, dict) else {}), **fetched.names}
    return json.dumps(shape.wrap(list(by_key.values()), names), ensure_ascii=False).encode()
