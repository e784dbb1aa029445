"""GitHub Projects items as the GitHub CLI exports them (`gh project item-list N --owner O
--format json`): `{"items": [...], "totalCount": N}`.

Every item is a ticket the team tracks on its board, pull requests included. An issue or pull
request keeps the key a GitHub issues export gives it (`repo#number`), so the same issue read from
either file is one document; a draft issue has no number and is keyed by its item id.

A project names its own fields, so they are found by shape or by the words in their names: the
iteration field (an object with a title and a start date, called `sprint`, `iteration`, …) is the
sprint; a number field named like story points, points or an estimate is the story points; the
status is the board column. The project's other fields (a milestone, a planned start, …) are kept
as lines of the ticket's text, so a question about them finds the ticket.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

from assistant.domain.ingest import LoadFailure
from assistant.domain.record import Kind, StatusCategory, Ticket, TicketLink
from assistant.text.dates import parse_tracker_datetime
from ingest.loaders.base import LoaderOptions, LoadError, LoadResult, RowError, SourceFile
from ingest.loaders.files import Loader, RecordFile
from ingest.loaders.github_issues import (
    BLOCKED_LABELS,
    label_priority,
    label_severity,
    label_type,
    repository_name,
)
from ingest.loaders.tickets import DEFAULT_STATUS_MAP, status_category, ticket_document

FORMAT = "github-project"
# Board columns common on GitHub Projects that the trackers' workflow names do not cover.
BOARD_STATUSES: dict[str, StatusCategory] = {
    "shipped": StatusCategory.DONE,
    "merged": StatusCategory.DONE,
    "refinement": StatusCategory.TODO,
    "needs refinement": StatusCategory.TODO,
    "sprint backlog": StatusCategory.TODO,
    "product backlog": StatusCategory.TODO,
    "icebox": StatusCategory.TODO,
    "up next": StatusCategory.TODO,
}
POINTS_FIELD = re.compile(r"\b(?:story\s*points?|points?|estimate|estimation)\b", re.IGNORECASE)
# Fields every item carries, read below by name; the rest are the project's own.
ITEM_FIELDS = frozenset({"id", "title", "status", "content", "assignees", "labels", "milestone"})


def looks_like_project_items(data: Any) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return False
    items = data["items"]
    if not items:
        return "totalCount" in data
    first = items[0]
    return isinstance(first, dict) and (
        isinstance(first.get("content"), dict) or str(first.get("id", "")).startswith("PVTI_")
    )


def load_project_items(data: Any, source: SourceFile, options: LoaderOptions) -> LoadResult:
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise LoadError("expected a GitHub Projects export: an object with an 'items' list")
    result = LoadResult(format=FORMAT)
    unknown: Counter[str] = Counter()
    for index, item in enumerate(data["items"]):
        try:
            ticket = _ticket(item, options)
        except RowError as error:
            result.failures.append(
                LoadFailure(
                    source.display,
                    f"{error.reason} ({_item_label(item)})",
                    row=index + 1,
                    field=error.field,
                )
            )
            continue
        if ticket.status and _board_category(ticket.status, options) is None:
            unknown[ticket.status] += 1
        result.documents.append(ticket_document(ticket, source, options, file_format=FORMAT))
    for status, count in unknown.items():
        # One warning per column, not per item: a board has few columns and many items.
        _, warning = status_category(status, None, options)
        if warning:
            items = f"{count} item" + ("" if count == 1 else "s")
            result.warnings.append(f"{source.display} ({items}): {warning}")
    return result


def _ticket(item: Any, options: LoaderOptions) -> Ticket:
    if not isinstance(item, dict):
        raise RowError("not a project item object")
    content = item.get("content") or {}
    if not isinstance(content, dict):
        raise RowError("not an object", field="content")
    title = content.get("title") or item.get("title")
    if not isinstance(title, str) or not title.strip():
        raise RowError("empty title", field="title")
    status = item.get("status")
    if status is not None and not isinstance(status, str):
        raise RowError(f"expected a status name, found {_shown(status)}", field="status")
    status = status.strip() if status else None
    labels = _names(item, "labels", "name")
    assignees = _names(item, "assignees", "login")
    item_type = str(content.get("type") or "DraftIssue")
    custom = {name: value for name, value in item.items() if name not in ITEM_FIELDS}
    iteration_field = _iteration_field(custom)
    iteration = custom.pop(iteration_field) if iteration_field else None
    sprint = str(iteration["title"]) if iteration and iteration.get("title") else None
    milestone = item.get("milestone")
    if milestone is not None and not isinstance(milestone, dict):
        raise RowError(f"expected an object, found {_shown(milestone)}", field="milestone")
    category = _board_category(status, options) if status else StatusCategory.TODO
    # Each field read is taken out of `custom`: what is left goes into the ticket's text.
    priority = _text(_pop_named(custom, "priority"))
    severity = _text(_pop_named(custom, "severity"))
    reviewers = _people(_pop_named(custom, "reviewers"))
    links = _linked_pull_requests(custom)
    points = _points(custom)
    return Ticket(
        key=_key(item, content, item_type),
        summary=title.strip(),
        type=(label_type(labels) or "Issue") if item_type == "Issue" else item_type,
        status=status,
        status_category=category or StatusCategory.TODO,
        priority=priority or label_priority(labels),
        severity=severity or label_severity(labels),
        assignee=assignees[0] if assignees else None,
        # Reviewers and further assignees have a stake in the item: they are its people too.
        watchers=[*assignees[1:], *reviewers],
        due=_due(milestone),
        labels=labels,
        sprint=sprint,
        sprints=[sprint] if sprint else [],
        description=_description(content, milestone, custom),
        links=links,
        flagged="blocked" in (status or "").lower() or bool(BLOCKED_LABELS & _lowered(labels)),
        story_points=points,
        url=content.get("url") if isinstance(content.get("url"), str) else None,
    )


def _board_category(status: str, options: LoaderOptions) -> StatusCategory | None:
    """The category of a board column, or None for a name nobody has mapped (counted as todo).
    The project's own map wins, as for every tracker."""
    key = status.strip().lower()
    if key in options.status_map:
        return options.status_map[key]
    return BOARD_STATUSES.get(key) or DEFAULT_STATUS_MAP.get(key)


def _key(item: dict[str, Any], content: dict[str, Any], item_type: str) -> str:
    number = content.get("number")
    if number is None and item_type == "DraftIssue":
        item_id = item.get("id")
        if not isinstance(item_id, str) or not item_id.strip():
            raise RowError("a draft issue without an item id", field="id")
        return item_id.strip()
    if not isinstance(number, int) or isinstance(number, bool):
        raise RowError(f"expected an issue number, found {_shown(number)}", field="content.number")
    repository = next(
        (
            name
            for address in (content.get("repository"), content.get("url"), item.get("repository"))
            if isinstance(address, str) and (name := repository_name(address))
        ),
        "GH",  # as a GitHub issues export names an issue whose repository it does not give
    )
    return f"{repository}#{number}"


def _iteration_field(fields: dict[str, Any]) -> str | None:
    """The field holding the item's iteration: an object with a title and a start date or a
    duration. Where a project has several, the one named sprint or iteration."""
    found = [
        name
        for name, value in fields.items()
        if isinstance(value, dict)
        and "title" in value
        and ("startDate" in value or "duration" in value)
    ]
    named = [name for name in found if re.search(r"sprint|iteration", name, re.IGNORECASE)]
    return next(iter(named or found), None)


def _points(fields: dict[str, Any]) -> float | None:
    for name in [name for name in fields if POINTS_FIELD.search(name)]:
        value = fields.pop(name)
        if value in (None, ""):
            continue
        if isinstance(value, bool):
            raise RowError(f"expected a number, found {_shown(value)}", field=name)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise RowError(f"expected a number, found {_shown(value)}", field=name) from None
    return None


def _due(milestone: dict[str, Any] | None) -> dt.date | None:
    value = (milestone or {}).get("dueOn")
    if not value:
        return None
    try:
        return parse_tracker_datetime(str(value)).date()
    except ValueError as error:
        raise RowError(str(error), field="milestone.dueOn") from None


def _linked_pull_requests(fields: dict[str, Any]) -> list[TicketLink]:
    links: list[TicketLink] = []
    for name in [name for name in fields if "linked pull request" in name.lower()]:
        for address in _as_list(fields.pop(name)):
            match = re.search(r"/pull/(\d+)", str(address))
            repository = repository_name(str(address))
            key = f"{repository}#{match.group(1)}" if match and repository else str(address)
            links.append(TicketLink(relation="linked pull request", key=key))
    return links


def _description(
    content: dict[str, Any], milestone: dict[str, Any] | None, fields: dict[str, Any]
) -> str:
    """The body, after the project's fields the ticket has no place for, one per line."""
    lines: list[str] = []
    if milestone and milestone.get("title"):
        lines.append(f"Milestone: {milestone['title']}")
    for name, value in fields.items():
        if name == "repository":
            continue  # the key and the address already say it
        shown = _text(value.get("title") if isinstance(value, dict) else value)
        if shown:
            lines.append(f"{name[:1].upper()}{name[1:]}: {shown}")
    body = str(content.get("body") or "").strip()
    return "\n".join([*lines, body] if body else lines)


def _pop_named(fields: dict[str, Any], wanted: str) -> Any:
    """Take out the field of this name, however the export capitalised it."""
    name = next((name for name in fields if name.lower() == wanted), None)
    return fields.pop(name) if name is not None else None


def _names(item: dict[str, Any], name: str, key: str) -> list[str]:
    """Labels or assignees: the CLI writes names, other exports objects with a name in them."""
    values = item.get(name)
    if values in (None, ""):
        return []
    if not isinstance(values, list | str):
        raise RowError(f"expected a list, found {_shown(values)}", field=name)
    return [
        str(value.get(key) or value.get("name")) if isinstance(value, dict) else str(value)
        for value in _as_list(values)
        if value and (not isinstance(value, dict) or value.get(key) or value.get("name"))
    ]


def _people(value: Any) -> list[str]:
    return [
        str(person.get("login") or person.get("name")) if isinstance(person, dict) else str(person)
        for person in _as_list(value)
        if person
    ]


def _text(value: Any) -> str | None:
    if value in (None, "", []) or isinstance(value, dict):
        return None
    if isinstance(value, list):
        return ", ".join(str(part) for part in value if part not in (None, "")) or None
    return str(value).strip() or None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _lowered(labels: list[str]) -> set[str]:
    return {label.lower() for label in labels}


def _shown(value: Any) -> str:
    return repr(value) if not isinstance(value, dict | list) else type(value).__name__


def _item_label(item: Any) -> str:
    """How a failure names the item: its id and title, as far as they can be read."""
    if not isinstance(item, dict):
        return "item"
    content = item.get("content") if isinstance(item.get("content"), dict) else {}
    title = (content or {}).get("title") or item.get("title")
    parts = [str(item["id"]) if item.get("id") else "", f"'{str(title)[:60]}'" if title else ""]
    return "item " + " ".join(part for part in parts if part) if any(parts) else "item"


def _read(file: RecordFile, options: LoaderOptions) -> LoadResult:
    return load_project_items(file.json, file.source, options)


LOADER = Loader(
    name=FORMAT,
    kind=Kind.TICKET,
    extensions=frozenset({".json"}),
    describes='a GitHub Projects export ({"items": [...], "totalCount": …})',
    looks_like=lambda file: looks_like_project_items(file.json),
    load=_read,
)
