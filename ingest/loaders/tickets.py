"""What every ticket loader shares: status categories and the ticket as a document."""

from __future__ import annotations

import datetime as dt

from assistant.domain.record import Document, Kind, Locator, StatusCategory, Ticket
from ingest.loaders.base import LoadedDocument, LoaderOptions, SourceFile, SourceLine, SourceSection
from ingest.loaders.people import unique_people

_TODO = (
    "to do",
    "todo",
    "open",
    "backlog",
    "new",
    "selected for development",
    "ready",
    "ready for development",
    "reopened",
    "planned",
    "triage",
    "proposed",
)
_IN_PROGRESS = (
    "in progress",
    "in review",
    "code review",
    "review",
    "in testing",
    "testing",
    "qa",
    "in qa",
    "ready for qa",
    "ready for test",
    "uat",
    "in uat",
    "blocked",
    "on hold",
    "waiting",
    "waiting for customer",
    "waiting for support",
    "waiting for vendor",
    "awaiting approval",
    "doing",
    "development",
    "in development",
    "implementing",
    "in analysis",
)
_DONE = (
    "done",
    "closed",
    "resolved",
    "complete",
    "completed",
    "released",
    "deployed",
    "won't do",
    "wont do",
    "won't fix",
    "cancelled",
    "canceled",
    "rejected",
    "duplicate",
    "declined",
)
DEFAULT_STATUS_MAP: dict[str, StatusCategory] = {
    **dict.fromkeys(_TODO, StatusCategory.TODO),
    **dict.fromkeys(_IN_PROGRESS, StatusCategory.IN_PROGRESS),
    **dict.fromkeys(_DONE, StatusCategory.DONE),
}
# What trackers call their categories: Jira CSV ("In Progress"), Jira REST keys ("indeterminate").
TRACKER_CATEGORIES: dict[str, StatusCategory] = {
    "to do": StatusCategory.TODO,
    "new": StatusCategory.TODO,
    "in progress": StatusCategory.IN_PROGRESS,
    "indeterminate": StatusCategory.IN_PROGRESS,
    "done": StatusCategory.DONE,
    "complete": StatusCategory.DONE,
}


def status_category(
    status: str | None, tracker_category: str | None, options: LoaderOptions
) -> tuple[StatusCategory, str | None]:
    """The category of a status, and a warning when it had to be guessed.

    The configured map wins (a team knows its workflow), then the category the tracker itself
    exported, then the built-in map of common workflow names.
    """
    key = (status or "").strip().lower()
    if key in options.status_map:
        return options.status_map[key], None
    tracker = (tracker_category or "").strip().lower()
    if tracker in TRACKER_CATEGORIES:
        return TRACKER_CATEGORIES[tracker], None
    if key in DEFAULT_STATUS_MAP:
        return DEFAULT_STATUS_MAP[key], None
    if not key:
        return StatusCategory.TODO, None
    return StatusCategory.TODO, (
        f"status '{status}' is not in the status map; counted as todo. Add it to "
        'PMASSIST_STATUS_MAP, e.g. {"' + str(status) + '": "in_progress"}.'
    )


def ticket_document(
    ticket: Ticket,
    source: SourceFile,
    options: LoaderOptions,
    *,
    file_format: str,
    row: int | None = None,
) -> LoadedDocument:
    last_change = ticket.updated or ticket.created
    date = last_change.date() if last_change else None
    metadata: dict[str, str | int | float | bool] = {
        "format": file_format,
        "ticket_key": ticket.key,
        "status_category": ticket.status_category.value,
    }
    for name in ("status", "type", "priority", "severity", "assignee"):
        value = getattr(ticket, name)
        if value:
            metadata[name] = value
    document = Document(
        id=f"ticket:{ticket.key}",
        project=options.project,
        kind=Kind.TICKET,
        title=f"{ticket.key}: {ticket.summary}",
        date=date,
        people=unique_people([ticket.assignee or "", ticket.reporter or ""], ticket.watchers),
        source=source.display,
        url=ticket.url,
        metadata=metadata,
        record=ticket,
    )
    # One section: a ticket is one chunk (fields, description, comments) unless it is long.
    locator = Locator(source=source.display, ticket_key=ticket.key, row=row)
    sections = [
        SourceSection(heading=None, lines=_ticket_lines(ticket), locator=locator, numbered=False)
    ]
    return LoadedDocument(document, sections)


def _ticket_lines(ticket: Ticket) -> list[SourceLine]:
    def joined(*parts: str | None) -> str:
        return " · ".join(part for part in parts if part)

    def day(value: dt.datetime | dt.date | None) -> str | None:
        if value is None:
            return None
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()

    # The key and summary open every chunk already (its header), so the lines start with fields.
    lines = [
        joined(
            ticket.type or "Ticket",
            f"Status: {ticket.status or ticket.status_category.value}"
            + (
                f" since {day(ticket.status_since())}"
                if day(ticket.status_since()) and ticket.status_category.value != "done"
                else ""
            ),
            ticket.priority and f"Priority: {ticket.priority}",
            ticket.severity and f"Severity: {ticket.severity}",
            ticket.resolution and f"Resolution: {ticket.resolution}",
        ),
        joined(
            f"Assignee: {ticket.assignee or 'unassigned'}",
            ticket.reporter and f"Reporter: {ticket.reporter}",
        ),
        joined(
            day(ticket.created) and f"Created {day(ticket.created)}",
            day(ticket.updated) and f"Updated {day(ticket.updated)}",
            day(ticket.due) and f"Due {day(ticket.due)}",
            day(ticket.resolved) and f"Resolved {day(ticket.resolved)}",
        ),
        joined(
            "Sprint: " + ", ".join(ticket.sprints) if ticket.sprints else None,
            "Labels: " + ", ".join(ticket.labels) if ticket.labels else None,
            "Flagged: impediment" if ticket.flagged else None,
            f"Story points: {ticket.story_points:g}" if ticket.story_points is not None else None,
        ),
        joined(
            "Links: " + "; ".join(f"{link.relation} {link.key}" for link in ticket.links)
            if ticket.links
            else None,
            f"Parent: {ticket.parent}" if ticket.parent else None,
        ),
    ]
    text_lines = [line for line in lines if line]
    description = [line.rstrip() for line in ticket.description.split("\n") if line.strip()]
    if description:
        text_lines.append("Description:")
        text_lines.extend(description)
    if ticket.comments:
        text_lines.append("Comments:")
        text_lines.extend(_comment_line(c.author, c.created, c.body) for c in ticket.comments)
    return [SourceLine(i + 1, text) for i, text in enumerate(text_lines)]


def _comment_line(author: str | None, created: dt.datetime | None, body: str) -> str:
    when = created.date().isoformat() if created else ""
    who = author if author and not _is_account_id(author) else ""
    prefix = " ".join(part for part in (when, who) if part)
    text = " ".join(body.split())
    return f"{prefix}: {text}" if prefix else text


def _is_account_id(value: str) -> bool:
    # Jira Cloud exports comment authors as account ids ("712020:4b1e…"), not names.
    return ":" in value and " " not in value.strip()
