"""Jira REST search results (`/rest/api/3/search/jql`, saved as JSON): `issues[].fields`.

Descriptions and comments in Atlassian Document Format are flattened to text. Custom fields are
found by name when the search was run with `expand=names` (Severity, Sprint, Flagged, Story
points); without it the Jira Cloud default ids are tried.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from assistant.domain.ingest import LoadFailure
from assistant.domain.record import Kind, StatusChange, Ticket, TicketComment, TicketLink
from assistant.text.dates import parse_tracker_datetime
from ingest.loaders.base import LoaderOptions, LoadError, LoadResult, RowError, SourceFile
from ingest.loaders.files import Loader, RecordFile
from ingest.loaders.tickets import status_category, ticket_document

# Jira Cloud's usual ids when the export carries no `names` map.
DEFAULT_FIELD_IDS = {"sprint": "customfield_10020", "flagged": "customfield_10021"}


def load_jira_json(data: Any, source: SourceFile, options: LoaderOptions) -> LoadResult:
    if not isinstance(data, dict) or not isinstance(data.get("issues"), list):
        raise LoadError("expected a Jira search result: an object with an 'issues' list")
    names: dict[str, str] = {str(k): str(v).lower() for k, v in (data.get("names") or {}).items()}
    result = LoadResult(format="jira-json")
    for index, issue in enumerate(data["issues"]):
        where = f"issues[{index}]"
        try:
            ticket, warning = _ticket(issue, where, names, options)
        except RowError as error:
            result.failures.append(LoadFailure(source.display, error.reason, field=error.field))
            continue
        if warning:
            result.warnings.append(f"{source.display}, {where}: {warning}")
        result.documents.append(ticket_document(ticket, source, options, file_format="jira-json"))
    return result


def _ticket(
    issue: Any, where: str, names: dict[str, str], options: LoaderOptions
) -> tuple[Ticket, str | None]:
    if not isinstance(issue, dict) or not isinstance(issue.get("fields"), dict):
        raise RowError("not an issue object with 'fields'", field=where)
    key = issue.get("key")
    if not isinstance(key, str) or not key.strip():
        raise RowError("missing issue key", field=f"{where}.key")
    fields: dict[str, Any] = issue["fields"]
    summary = fields.get("summary")
    if not summary:
        raise RowError("empty summary", field=f"{where}.fields.summary")

    def named(*wanted: str) -> Any:
        for field_id, name in names.items():
            if name in wanted and fields.get(field_id) not in (None, [], ""):
                return fields[field_id]
        for wanted_name in wanted:
            default_id = DEFAULT_FIELD_IDS.get(wanted_name)
            if default_id and fields.get(default_id) not in (None, [], ""):
                return fields[default_id]
        return None

    def when(name: str) -> dt.datetime | None:
        value = fields.get(name)
        if not value:
            return None
        try:
            return parse_tracker_datetime(str(value))
        except ValueError as error:
            raise RowError(str(error), field=f"{where}.fields.{name}") from None

    status = _name(fields.get("status"))
    tracker_category = None
    if isinstance(fields.get("status"), dict):
        tracker_category = (fields["status"].get("statusCategory") or {}).get("key")
    category, warning = status_category(status, tracker_category, options)
    severity = next(
        (
            _name(fields[fid])
            for fid, name in names.items()
            if "severity" in name and fields.get(fid)
        ),
        None,
    )
    sprints = [name for s in _as_list(named("sprint")) if (name := _name(s))]
    due = when("duedate")
    points = named("story points", "story point estimate")
    ticket = Ticket(
        key=key.strip(),
        summary=str(summary),
        type=_name(fields.get("issuetype")),
        status=status,
        status_category=category,
        priority=_name(fields.get("priority")),
        severity=severity,
        assignee=_person(fields.get("assignee")),
        reporter=_person(fields.get("reporter")),
        created=when("created"),
        updated=when("updated"),
        resolved=when("resolutiondate"),
        due=due.date() if due else None,
        labels=[str(label) for label in fields.get("labels") or []],
        sprints=sprints,
        sprint=sprints[-1] if sprints else None,
        description=adf_to_text(fields.get("description")),
        links=_links(fields.get("issuelinks") or []),
        parent=(fields.get("parent") or {}).get("key"),
        resolution=_name(fields.get("resolution")),
        flagged=bool(named("flagged")),
        story_points=float(points) if isinstance(points, int | float) else None,
        comments=_comments(fields.get("comment")),
        status_category_changed=when("statuscategorychangedate"),
        url=_browse_url(issue, key, options),
    )
    history = _history(issue.get("changelog"), f"{where}.changelog")
    if history is not None:
        ticket.history, ticket.history_complete = history
    return ticket, warning


def _history(changelog: Any, where: str) -> tuple[list[StatusChange], bool] | None:
    """Status and flag changes from `expand=changelog`, oldest first, and whether Jira sent
    the whole history (it sends at most a page of it with a search)."""
    if not isinstance(changelog, dict) or not isinstance(changelog.get("histories"), list):
        return None
    changes: list[StatusChange] = []
    histories = changelog["histories"]
    for index, entry in enumerate(histories):
        if not isinstance(entry, dict):
            continue
        try:
            at = parse_tracker_datetime(str(entry.get("created")))
        except ValueError as error:
            raise RowError(str(error), field=f"{where}.histories[{index}].created") from None
        for item in entry.get("items") or []:
            name = str(item.get("field") or "").lower() if isinstance(item, dict) else ""
            if name in ("status", "flagged"):
                changes.append(
                    StatusChange(
                        at=at,
                        field="status" if name == "status" else "flagged",
                        before=item.get("fromString") or None,
                        after=item.get("toString") or None,
                    )
                )
    changes.sort(key=lambda change: change.at)
    total = changelog.get("total")
    complete = not isinstance(total, int) or total <= len(histories)
    return changes, complete


def _name(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("name", "value", "displayName"):
            if value.get(key):
                return str(value[key])
        return None
    return str(value) if value not in (None, "") else None


def _person(value: Any) -> str | None:
    return (
        str(value.get("displayName"))
        if isinstance(value, dict) and value.get("displayName")
        else None
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _links(values: list[Any]) -> list[TicketLink]:
    links: list[TicketLink] = []
    for link in values:
        kind = link.get("type") or {}
        if "inwardIssue" in link:
            links.append(
                TicketLink(relation=kind.get("inward", "linked"), key=link["inwardIssue"]["key"])
            )
        if "outwardIssue" in link:
            links.append(
                TicketLink(relation=kind.get("outward", "linked"), key=link["outwardIssue"]["key"])
            )
    return links


def _comments(value: Any) -> list[TicketComment]:
    if not isinstance(value, dict):
        return []
    comments: list[TicketComment] = []
    for comment in value.get("comments") or []:
        created = comment.get("created")
        try:
            when = parse_tracker_datetime(created) if created else None
        except ValueError:
            when = None
        comments.append(
            TicketComment(
                author=_person(comment.get("author")),
                created=when,
                body=adf_to_text(comment.get("body")),
            )
        )
    return comments


def _browse_url(issue: dict[str, Any], key: str, options: LoaderOptions) -> str | None:
    if options.jira_browse_url:
        return f"{options.jira_browse_url.rstrip('/')}/browse/{key}"
    api_url = str(issue.get("self") or "")
    if "/rest/api/" in api_url:
        return api_url.split("/rest/api/")[0] + f"/browse/{key}"
    return None


def adf_to_text(node: Any) -> str:
    """Atlassian Document Format (or a plain string) as readable text, one block per line."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    lines: list[str] = []
    _adf_blocks(node, lines, prefix="")
    return "\n".join(line.rstrip() for line in lines if line.strip())


_BLOCKS = {"paragraph", "heading", "codeBlock", "blockquote", "panel", "rule", "mediaSingle"}


def _adf_blocks(node: Any, lines: list[str], prefix: str) -> None:
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    content = node.get("content") or []
    if kind in ("bulletList", "orderedList"):
        for number, item in enumerate(content, start=1):
            marker = f"{number}. " if kind == "orderedList" else "- "
            _adf_blocks(item, lines, prefix + marker)
        return
    if kind == "listItem":
        for i, child in enumerate(content):
            _adf_blocks(child, lines, prefix if i == 0 else "  " * max(1, len(prefix) // 2))
        return
    if kind == "table":
        for row in content:
            cells = [_adf_inline(cell) for cell in row.get("content") or []]
            lines.append(prefix + " | ".join(cells))
        return
    if kind in _BLOCKS:
        lines.append(prefix + _adf_inline(node))
        return
    if content and all(isinstance(child, dict) for child in content):
        block_children = any(
            child.get("type") in _BLOCKS | {"bulletList", "orderedList", "table"}
            for child in content
        )
        if block_children:
            for child in content:
                _adf_blocks(child, lines, prefix)
            return
    lines.append(prefix + _adf_inline(node))


def _adf_inline(node: Any) -> str:
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    attrs = node.get("attrs") or {}
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "hardBreak":
        return " "
    if kind == "mention":
        return str(attrs.get("text", "")).lstrip("@")
    if kind == "emoji":
        return str(attrs.get("text") or attrs.get("shortName", ""))
    if kind in ("inlineCard", "blockCard"):
        return str(attrs.get("url", ""))
    if kind == "status":
        return f"[{attrs.get('text', '')}]"
    if kind == "date" and attrs.get("timestamp"):
        try:
            stamp = int(attrs["timestamp"]) / 1000
            return dt.datetime.fromtimestamp(stamp, dt.UTC).date().isoformat()
        except (TypeError, ValueError):
            return ""
    parts = [_adf_inline(child) for child in node.get("content") or []]
    return (
        " ".join(part for part in parts if part)
        if kind in ("tableCell", "tableHeader")
        else "".join(parts)
    )


def _read(file: RecordFile, options: LoaderOptions) -> LoadResult:
    return load_jira_json(file.json, file.source, options)


LOADER = Loader(
    name="jira-json",
    kind=Kind.TICKET,
    extensions=frozenset({".json"}),
    describes='a Jira search result ({"issues": [...]})',
    looks_like=lambda file: isinstance(file.json, dict) and "issues" in file.json,
    load=_read,
)
