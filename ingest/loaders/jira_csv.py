"""Jira Cloud's "Export CSV (all fields)", as Jira writes it.

Quirks handled: multi-value fields repeat their header (`Labels,Labels,Sprint,Sprint,Comment,…`);
custom fields are named `Custom field (Severity)`; dates look like `05/Oct/26 9:14 AM`; `Parent`
holds the parent's numeric issue id, not its key; comments are `date;account-id;text`.
A bad row is reported with its row number and field, and the other rows still load.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.domain.ingest import LoadFailure
from assistant.domain.record import Kind, Ticket, TicketComment, TicketLink
from assistant.text.dates import parse_tracker_datetime
from ingest.loaders.base import LoaderOptions, LoadError, LoadResult, RowError, SourceFile
from ingest.loaders.csv_table import (
    CsvRow,
    check_cell_sizes,
    id_shapes,
    read_csv_table,
    swallow_warning,
    swallowed_records,
)
from ingest.loaders.files import Loader, RecordFile
from ingest.loaders.tickets import status_category, ticket_document

REQUIRED = ("issue key", "summary")
LINK_COLUMN = re.compile(r"^(inward|outward) issue link \((.+)\)$")
KNOWN_LINKS = {
    ("inward", "blocks"): "is blocked by",
    ("outward", "blocks"): "blocks",
    ("inward", "relates"): "relates to",
    ("outward", "relates"): "relates to",
    ("inward", "duplicate"): "is duplicated by",
    ("outward", "duplicate"): "duplicates",
    ("inward", "cloners"): "is cloned by",
    ("outward", "cloners"): "clones",
}


@dataclass(frozen=True)
class _Row(CsvRow):
    """One CSV record with Jira's repeated headers collapsed: `first(name)` and `all(name)`."""

    columns: dict[str, list[int]] = field(default_factory=dict)

    def all(self, name: str) -> list[str]:
        return [
            self.cells[i].strip()
            for i in self.columns.get(name, [])
            if i < len(self.cells) and self.cells[i].strip()
        ]

    def first(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None

    def first_matching(self, predicate: Callable[[str], bool]) -> str | None:
        for name in self.columns:
            if predicate(name) and (value := self.first(name)):
                return value
        return None

    def when(self, name: str, header: str) -> dt.datetime | None:
        value = self.first(name)
        if not value:
            return None
        try:
            return parse_tracker_datetime(value)
        except ValueError as error:
            raise RowError(str(error), row=self.number, field=header) from None


def load_jira_csv(text: str, source: SourceFile, options: LoaderOptions) -> LoadResult:
    result = LoadResult(format="jira-csv")
    table = read_csv_table(text)
    header = [cell.strip() for cell in table.header]
    columns: dict[str, list[int]] = {}
    display: dict[str, str] = {}
    for index, name in enumerate(header):
        columns.setdefault(name.lower(), []).append(index)
        display.setdefault(name.lower(), name)
    for name in REQUIRED:
        if name not in columns:
            raise LoadError(
                f"missing required column '{name.title()}': not a Jira CSV export "
                f"(columns found: {', '.join(header[:8])}{'…' if len(header) > 8 else ''})",
                field=name.title(),
            )
    rows = [_Row(row.number, row.cells, columns) for row in table.rows]
    key_column = table.column("issue key")
    shapes = id_shapes(table, key_column)
    key_by_issue_id = {
        issue_id: key
        for row in rows
        if (issue_id := row.first("issue id")) and (key := row.first("issue key"))
    }
    seen: dict[str, int] = {}
    for row in rows:
        if not any(cell.strip() for cell in row.cells):
            continue
        try:
            check_cell_sizes(row, header)
            if swallowed := swallowed_records(row, len(header), key_column, shapes):
                result.warnings.append(swallow_warning(source.display, row, swallowed))
            if len(row.cells) != len(header):
                raise RowError(
                    f"has {len(row.cells)} fields but the header has {len(header)} "
                    "(a broken quote or a truncated line?)",
                    row=row.number,
                )
            ticket, warning = _ticket(row, options, key_by_issue_id, display)
            if ticket.key in seen:
                raise RowError(
                    f"duplicate issue key {ticket.key} (also on row {seen[ticket.key]})",
                    row=row.number,
                    field="Issue key",
                )
            seen[ticket.key] = row.number
        except RowError as error:
            result.failures.append(
                LoadFailure(source.display, error.reason, row=error.row, field=error.field)
            )
            continue
        if warning:
            result.warnings.append(f"{source.display}, row {row.number}: {warning}")
        result.documents.append(
            ticket_document(ticket, source, options, file_format="jira-csv", row=row.number)
        )
    return result


def _ticket(
    row: _Row,
    options: LoaderOptions,
    key_by_issue_id: dict[str, str],
    display: dict[str, str],
) -> tuple[Ticket, str | None]:
    key = row.first("issue key")
    if not key or re.search(r"\s", key):
        raise RowError(f"invalid issue key {key!r}", row=row.number, field="Issue key")
    summary = row.first("summary")
    if not summary:
        raise RowError("empty summary", row=row.number, field="Summary")

    def when(name: str) -> dt.datetime | None:
        return row.when(name, display.get(name, name))

    status = row.first("status")
    category, warning = status_category(status, row.first("status category"), options)
    due = when("due date") or when("due")
    parent = row.first("parent")
    if parent and parent.isdigit():
        parent = key_by_issue_id.get(parent, parent)
    parent = parent or row.first("parent key") or row.first("custom field (epic link)")
    points = row.first("custom field (story points)") or row.first(
        "custom field (story point estimate)"
    )
    ticket = Ticket(
        key=key,
        summary=summary,
        type=row.first("issue type"),
        status=status,
        status_category=category,
        priority=row.first("priority"),
        severity=row.first_matching(lambda name: "severity" in name),
        assignee=row.first("assignee"),
        reporter=row.first("reporter"),
        created=when("created"),
        updated=when("updated"),
        resolved=when("resolved"),
        due=due.date() if due else None,
        labels=row.all("labels"),
        sprints=row.all("sprint"),
        sprint=row.all("sprint")[-1] if row.all("sprint") else None,
        description=row.first("description") or "",
        links=_links(row),
        parent=parent,
        resolution=row.first("resolution"),
        flagged=bool(row.first("custom field (flagged)") or row.first("flagged")),
        story_points=_number(points, row, "Custom field (Story points)"),
        watchers=row.all("watchers"),
        comments=[_comment(value) for value in row.all("comment")],
        status_category_changed=when("status category changed"),
        url=f"{options.jira_browse_url.rstrip('/')}/browse/{key}"
        if options.jira_browse_url
        else None,
    )
    return ticket, warning


def _links(row: _Row) -> list[TicketLink]:
    links: list[TicketLink] = []
    for name in row.columns:
        match = LINK_COLUMN.match(name)
        if not match:
            continue
        direction, link_type = match.group(1), match.group(2).strip().lower()
        relation = KNOWN_LINKS.get((direction, link_type), f"{link_type} ({direction})")
        for value in row.all(name):
            links.extend(
                TicketLink(relation=relation, key=key) for key in re.split(r"[,\s]+", value) if key
            )
    return links


def _comment(value: str) -> TicketComment:
    parts = value.split(";", 2)
    if len(parts) == 3:
        try:
            created = parse_tracker_datetime(parts[0])
        except ValueError:
            return TicketComment(body=value)
        return TicketComment(
            created=created, author=parts[1].strip() or None, body=parts[2].strip()
        )
    return TicketComment(body=value)


def _number(value: str | None, row: _Row, field: str) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise RowError(f"not a number: {value!r}", row=row.number, field=field) from None


def _read(file: RecordFile, options: LoaderOptions) -> LoadResult:
    return load_jira_csv(file.text, file.source, options)


LOADER = Loader(
    name="jira-csv",
    kind=Kind.TICKET,
    extensions=frozenset({".csv"}),
    describes="a Jira export (columns 'Issue key', 'Summary', …)",
    looks_like=lambda file: "issue key" in file.csv_header,
    load=_read,
)
