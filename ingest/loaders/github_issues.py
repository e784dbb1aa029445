"""GitHub issues as the REST API lists them (`GET /repos/{owner}/{repo}/issues`, saved as JSON),
or as the GitHub CLI does (`gh issue list --json number,title,state,…`, camelCase fields).

Pull requests, which that endpoint also returns, are skipped. Priority, severity and progress
come from conventional labels (`priority: high`, `P1`, `severity: 1`, `in progress`, `blocked`).
A list without titles (`gh issue list --json number,createdAt,closedAt`, kept for counting) holds
no ticket to read: the file is skipped, with that reason.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from assistant.domain.ingest import LoadFailure
from assistant.domain.record import Kind, StatusCategory, Ticket
from assistant.text.dates import parse_tracker_datetime
from ingest.loaders.base import LoaderOptions, LoadError, LoadResult, RowError, SourceFile
from ingest.loaders.files import Loader, RecordFile, skipped
from ingest.loaders.tickets import status_category, ticket_document

PRIORITY_LABEL = re.compile(
    r"^(?:priority[:/ -]\s*|prio[:/ -]\s*)?(p[0-4]|critical|highest|high|medium|low|lowest)$", re.I
)
SEVERITY_LABEL = re.compile(r"^(?:severity|sev)[:/ -]?\s*(\d|critical|major|minor|trivial)$", re.I)
IN_PROGRESS_LABELS = {
    "in progress",
    "in-progress",
    "status: in progress",
    "doing",
    "wip",
    "in review",
}
BLOCKED_LABELS = {"blocked", "status: blocked", "impediment"}
TYPE_LABELS = {
    "change-request": "Change Request",
    "change request": "Change Request",
    "cr": "Change Request",
    "bug": "Bug",
    "enhancement": "Story",
    "feature": "Story",
    "task": "Task",
    "documentation": "Task",
}


# Fields either the REST API or the GitHub CLI writes beside an issue's number; one of them tells
# an issues list from any other list of numbered things.
ISSUE_FIELDS = frozenset(
    {"html_url", "repository_url", "url", "title", "state", "created_at", "createdAt", "closedAt"}
)
DATE_FIELDS = frozenset(
    {"created_at", "updated_at", "closed_at", "createdAt", "updatedAt", "closedAt"}
)


def looks_like_github_issues(data: Any) -> bool:
    return (
        isinstance(data, list)
        and bool(data)
        and isinstance(data[0], dict)
        and "number" in data[0]
        and bool(ISSUE_FIELDS & data[0].keys())
    )


def load_github_issues(data: Any, source: SourceFile, options: LoaderOptions) -> LoadResult:
    if not isinstance(data, list):
        raise LoadError("expected a GitHub issues list (a JSON array of issues)")
    issues = [issue for issue in data if isinstance(issue, dict)]
    if issues and not any("title" in issue for issue in issues):
        # Exported for counting (opened and closed per day), it names no work: nothing is lost
        # by leaving it out, and it is not a broken export.
        dated = any(DATE_FIELDS & issue.keys() for issue in issues)
        return skipped(
            f"holds issue numbers{' and dates' if dated else ''} but no titles (export the "
            "title field to read them as tickets)"
        )
    result = LoadResult(format="github-json")
    for index, issue in enumerate(data):
        if isinstance(issue, dict) and _is_pull_request(issue):
            result.skipped += 1
            continue
        try:
            ticket = _ticket(issue, f"[{index}]", options)
        except RowError as error:
            result.failures.append(LoadFailure(source.display, error.reason, field=error.field))
            continue
        result.documents.append(ticket_document(ticket, source, options, file_format="github-json"))
    return result


def _ticket(issue: Any, where: str, options: LoaderOptions) -> Ticket:
    if not isinstance(issue, dict):
        raise RowError("not an issue object", field=where)
    number = issue.get("number")
    title = issue.get("title")
    if not isinstance(number, int):
        raise RowError("missing issue number", field=f"{where}.number")
    if not title:
        raise RowError("empty title", field=f"{where}.title")
    labels = [
        str(label.get("name") if isinstance(label, dict) else label)
        for label in issue.get("labels") or []
    ]
    lowered = {label.lower() for label in labels}
    # The REST API writes `open` and `not_planned`, the GitHub CLI `OPEN` and `NOT_PLANNED`.
    state = str(issue.get("state") or "open").lower()
    reason = _either(issue, "state_reason", "stateReason")
    reason = str(reason).lower() if reason else None
    if state == "closed":
        status = "Closed (not planned)" if reason == "not_planned" else "Closed"
        category = StatusCategory.DONE
    elif lowered & BLOCKED_LABELS:
        status, category = "Blocked", StatusCategory.IN_PROGRESS
    elif reason == "reopened":
        # Closed once and opened again: trend-worthy for defects, so the status says it.
        status = "Reopened"
        category = (
            StatusCategory.IN_PROGRESS if lowered & IN_PROGRESS_LABELS else StatusCategory.TODO
        )
    elif lowered & IN_PROGRESS_LABELS:
        status, category = "In Progress", StatusCategory.IN_PROGRESS
    else:
        status, category = "Open", StatusCategory.TODO
    if status.lower() in options.status_map:
        category, _ = status_category(status, None, options)

    def when(
        rest: str, cli: str, container: dict[str, Any] = issue, path: str = where
    ) -> dt.datetime | None:
        name = cli if container.get(cli) and not container.get(rest) else rest
        value = container.get(name)
        if not value:
            return None
        try:
            return parse_tracker_datetime(str(value))
        except ValueError as error:
            raise RowError(str(error), field=f"{path}.{name}") from None

    milestone = issue.get("milestone") or {}
    due_on = when("due_on", "dueOn", milestone, f"{where}.milestone")
    due = due_on.date() if due_on else None
    assignees = [a.get("login") for a in issue.get("assignees") or [] if a.get("login")]
    assignee = (issue.get("assignee") or {}).get("login") or (assignees[0] if assignees else None)
    reporter = _either(issue, "user", "author") or {}
    issue_type = (
        (issue.get("type") or {}).get("name") if isinstance(issue.get("type"), dict) else None
    )
    return Ticket(
        key=f"{_repository(issue)}#{number}",
        summary=str(title),
        type=issue_type or label_type(labels) or "Issue",
        status=status,
        status_category=category,
        priority=label_priority(labels),
        severity=label_severity(labels),
        assignee=assignee,
        reporter=reporter.get("login") if isinstance(reporter, dict) else None,
        created=when("created_at", "createdAt"),
        updated=when("updated_at", "updatedAt"),
        resolved=when("closed_at", "closedAt"),
        due=due,
        labels=labels,
        sprint=milestone.get("title"),
        sprints=[milestone["title"]] if milestone.get("title") else [],
        description=str(issue.get("body") or ""),
        flagged=bool(lowered & BLOCKED_LABELS),
        resolution=_resolution(reason) if state == "closed" else None,
        url=_either(issue, "html_url", "url"),
    )


def label_type(labels: list[str]) -> str | None:
    """The ticket type conventional labels give (`bug`, `enhancement`, `change request`)."""
    return next(
        (TYPE_LABELS[key] for label in labels if (key := label.lower()) in TYPE_LABELS), None
    )


def label_priority(labels: list[str]) -> str | None:
    return next((m.group(1) for label in labels if (m := PRIORITY_LABEL.match(label))), None)


def label_severity(labels: list[str]) -> str | None:
    return next(
        (_severity(m.group(1)) for label in labels if (m := SEVERITY_LABEL.match(label))), None
    )


def _either(issue: dict[str, Any], rest: str, cli: str) -> Any:
    """A field as the REST API names it, or as the GitHub CLI does."""
    value = issue.get(rest)
    return value if value not in (None, "") else issue.get(cli)


def _is_pull_request(issue: dict[str, Any]) -> bool:
    # The REST API marks pull requests; a CLI list shows them only by their address.
    return "pull_request" in issue or "/pull/" in str(issue.get("html_url") or issue.get("url"))


def _severity(value: str) -> str:
    """`severity: 1` is Sev-1; words (critical, major, …) stay as they are."""
    return f"Sev-{value}" if value.isdigit() else value


def _resolution(reason: object) -> str | None:
    """GitHub's close reasons in the words trackers use: `not_planned` is Won't Do."""
    return {"completed": "Done", "not_planned": "Won't Do", "duplicate": "Duplicate"}.get(
        str(reason), str(reason) if reason else None
    )


def _repository(issue: dict[str, Any]) -> str:
    url = str(issue.get("repository_url") or issue.get("html_url") or issue.get("url") or "")
    return repository_name(url) or "GH"


def repository_name(address: str) -> str | None:
    """The repository's name (not its owner) from an API or web address, or `owner/name`: the
    first half of a GitHub ticket's key (`field-app#42`), whichever export it comes from."""
    match = (
        re.search(r"repos/[^/]+/([^/]+)", address)
        or re.search(r"github\.com/[^/]+/([^/#?]+)", address)
        or re.fullmatch(r"[\w.-]+/([\w.-]+)", address.strip())
    )
    return match.group(1) if match else None


def _read(file: RecordFile, options: LoaderOptions) -> LoadResult:
    return load_github_issues(file.json, file.source, options)


LOADER = Loader(
    name="github-json",
    kind=Kind.TICKET,
    extensions=frozenset({".json"}),
    describes='a GitHub issues list ([{"number": …, "title": …}])',
    looks_like=lambda file: looks_like_github_issues(file.json),
    load=_read,
)
