"""Meeting minutes in Markdown or plain text (and, converted to the same lines, Word files).

Reads a title, date and attendees from YAML front matter or from lines like `**Date:** …` and
`Attendees: …`; decisions, action items and concerns from their sections (and from `Decision:` /
`Action:` lines anywhere); the overall status the minutes state ("Overall status: Amber").
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from assistant.domain.record import BudgetNote, Document, Kind, Locator, Meeting, MinutesNote
from assistant.text.dates import parse_date
from ingest.loaders.action_items import BULLET, parse_action_line, parse_action_table
from ingest.loaders.base import (
    LoadedDocument,
    LoaderOptions,
    LoadError,
    LoadResult,
    SourceFile,
    SourceLine,
    SourceSection,
    date_from_filename,
    slugify,
    title_from_filename,
)
from ingest.loaders.files import TEXT_EXTENSIONS, Loader, RecordFile, any_content
from ingest.loaders.markdown import (
    MarkdownSection,
    clean_inline,
    split_front_matter,
    split_sections,
    table_rows,
)
from ingest.loaders.people import split_people, unique_people
from ingest.loaders.stated_figures import (
    budget_from_line,
    forecast_amount,
    milestone_from_line,
    milestone_from_table_row,
)

_FIELD = r"^\s*(?:[-*]\s*)?\**\s*{names}\s*(?::\s*\**|\**\s*:)\s*(.+?)\s*$"
DATE_LINE = re.compile(_FIELD.format(names=r"(?:meeting\s+)?date"), re.IGNORECASE)
ATTENDEES_LINE = re.compile(
    _FIELD.format(names=r"(?:attendees|participants|present|attendance)"), re.IGNORECASE
)
TITLE_LINE = re.compile(_FIELD.format(names=r"(?:title|meeting|subject)"), re.IGNORECASE)
STATED_STATUS = re.compile(
    r"\b(?:overall|project)\s+(?:status|rag(?:\s+status)?|health)\b[^A-Za-z\n]{0,8}"
    r"(?:is\s+|remains\s+|:\s*)?[*_]*\s*(green|amber|yellow|red)\b",
    re.IGNORECASE,
)
DECISION_PREFIX = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])?\s*\**\s*(?:decision|decided|agreed)\s*\**\s*[:\-–—]\s*\**\s*(.+)$",
    re.IGNORECASE,
)
CONCERN_PREFIX = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])?\s*\**\s*(?:risk|concern|issue|blocker)\s*\**\s*[:\-–—]\s*\**\s*(.+)$",
    re.IGNORECASE,
)

SectionRole = Literal["actions", "decisions", "concerns", "attendees", "other"]


def section_role(heading: str | None) -> SectionRole:
    if not heading:
        return "other"
    name = heading.lower()
    if any(word in name for word in ("action", "todo", "to-do", "to do", "follow-up", "follow up")):
        return "actions"
    if "decision" in name and not any(w in name for w in ("needed", "required", "pending", "open")):
        return "decisions"
    if any(word in name for word in ("risk", "concern", "issue", "blocker", "escalation")):
        return "concerns"
    if any(word in name for word in ("attendees", "participants", "present", "attendance")):
        return "attendees"
    return "other"


def load_markdown_minutes(text: str, source: SourceFile, options: LoaderOptions) -> LoadResult:
    front, lines = split_front_matter(text)
    document = minutes_document(front, lines, source, options, file_format="markdown")
    return LoadResult(format="minutes-markdown", documents=[document])


def minutes_document(
    front: dict[str, Any],
    lines: list[SourceLine],
    source: SourceFile,
    options: LoaderOptions,
    *,
    file_format: str,
    line_unit: Literal["line", "paragraph"] = "line",
) -> LoadedDocument:
    sections = split_sections(lines)
    if not any(line.text.strip() for section in sections for line in section.lines) and not any(
        section.heading for section in sections
    ):
        raise LoadError("the file is empty")
    title = _title(front, sections, source)
    date = _date(front, sections, source)
    attendees = _attendees(front, sections)

    meeting = Meeting(title=title, date=date, attendees=attendees)
    for section in sections:
        _read_section(section, meeting, attendees, date)
    meeting.stated_status, meeting.stated_status_line = _stated_status(front, lines)
    meeting.budget = _budget_notes(lines)

    owners = [item.owner for item in meeting.action_items if item.owner]
    document = Document(
        id=f"minutes:{slugify(source.path.stem)}",
        project=options.project,
        kind=Kind.MINUTES,
        title=title,
        date=date,
        people=unique_people(attendees, owners),
        source=source.display,
        metadata=_metadata(file_format, meeting),
        record=meeting,
    )
    return LoadedDocument(document, _source_sections(sections, title, source, line_unit))


def _read_section(
    section: MarkdownSection,
    meeting: Meeting,
    attendees: list[str],
    meeting_date: dt.date | None,
) -> None:
    role = section_role(section.heading)
    if role == "attendees":
        for line in section.lines:
            match = BULLET.match(line.text)
            for name in split_people(clean_inline(match.group(1) if match else line.text)):
                if name not in meeting.attendees:
                    meeting.attendees.append(name)
        return
    rows = table_rows(section.lines)
    table_lines = {line.number for line, _ in rows}
    if section.heading and "milestone" in section.heading.lower():
        _read_milestones(section, rows, table_lines, meeting)
    if role == "actions":
        for row_line, row_item in parse_action_table(
            table_rows(section.lines), attendees, meeting_date
        ):
            meeting.action_items.append(
                row_item.model_copy(update={"line": row_line.number, "section": section.heading})
            )
    for line in section.lines:
        text = line.text
        if not text.strip() or (line.number in table_lines and role == "actions"):
            continue
        item = parse_action_line(
            text,
            in_action_section=role == "actions",
            attendees=attendees,
            meeting_date=meeting_date,
        )
        if item is not None:
            meeting.action_items.append(
                item.model_copy(update={"line": line.number, "section": section.heading})
            )
            continue
        if match := DECISION_PREFIX.match(text):
            meeting.decisions.append(
                MinutesNote(text=clean_inline(match.group(1)), line=line.number)
            )
        elif role == "decisions" and (entry := _entry_text(text)):
            meeting.decisions.append(MinutesNote(text=entry, line=line.number))
        elif match := CONCERN_PREFIX.match(text):
            meeting.concerns.append(
                MinutesNote(text=clean_inline(match.group(1)), line=line.number)
            )
        elif role == "concerns" and (entry := _entry_text(text)):
            meeting.concerns.append(MinutesNote(text=entry, line=line.number))


def _read_milestones(
    section: MarkdownSection,
    rows: list[tuple[SourceLine, list[str]]],
    table_lines: set[int],
    meeting: Meeting,
) -> None:
    header: list[str] = []
    for row_line, cells in rows:
        if cells and cells[0].lower().startswith("milestone"):
            header = cells
            continue
        note = milestone_from_table_row(cells, header, row_line.number) if header else None
        if note is not None:
            meeting.milestones.append(note)
    for line in section.lines:
        if line.number not in table_lines and (
            note := milestone_from_line(
                line.text, line.number, meeting.date.year if meeting.date else None
            )
        ):
            meeting.milestones.append(note)


def _budget_notes(lines: list[SourceLine]) -> list[BudgetNote]:
    """Budget lines; a forecast on the line after the spend belongs to that spend."""
    notes: list[BudgetNote] = []
    for line in lines:
        if (note := budget_from_line(line.text, line.number)) is not None:
            notes.append(note)
        elif (
            notes
            and notes[-1].forecast_at_completion is None
            and notes[-1].line is not None
            and line.number - notes[-1].line <= 2
            and (amount := forecast_amount(line.text))
        ):
            notes[-1] = notes[-1].model_copy(
                update={
                    "forecast_at_completion": amount,
                    "text": f"{notes[-1].text} {clean_inline(line.text).lstrip('-* ')}",
                }
            )
    return notes


def _entry_text(text: str) -> str | None:
    """A bullet, numbered item or table row as plain text; None for separators and blanks."""
    stripped = text.strip()
    if not stripped or re.fullmatch(r"[|:\- ]+", stripped):
        return None
    if stripped.startswith("|"):
        cells = [clean_inline(c) for c in stripped.strip("|").split("|")]
        return " — ".join(c for c in cells if c) or None
    match = BULLET.match(text)
    return clean_inline(match.group(1) if match else stripped) or None


def _title(front: dict[str, Any], sections: list[MarkdownSection], source: SourceFile) -> str:
    if front.get("title"):
        return str(front["title"]).strip()
    for section in sections:
        if section.level == 1 and section.heading:
            return section.heading
        for line in section.lines[:5]:
            if match := TITLE_LINE.match(line.text):
                return clean_inline(match.group(1))
    return title_from_filename(source.path.stem)


def _date(
    front: dict[str, Any], sections: list[MarkdownSection], source: SourceFile
) -> dt.date | None:
    value = front.get("date")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is not None:
        parsed = parse_date(str(value))
        if parsed is None:
            raise LoadError(f"cannot read date '{value}'", field="date")
        return parsed
    for section in sections[:3]:
        for line in section.lines[:15]:
            if match := DATE_LINE.match(line.text):
                parsed = parse_date(clean_inline(match.group(1)))
                if parsed is None:
                    raise LoadError(
                        f"cannot read date '{match.group(1)}'",
                        row=None,
                        field=f"Date (line {line.number})",
                    )
                return parsed
    return date_from_filename(source.path.stem)


def _attendees(front: dict[str, Any], sections: list[MarkdownSection]) -> list[str]:
    for key in ("attendees", "participants", "present"):
        if front.get(key):
            return split_people(front[key])
    for section in sections[:3]:
        for line in section.lines[:15]:
            if match := ATTENDEES_LINE.match(line.text):
                return split_people(clean_inline(match.group(1)))
    return []


def _stated_status(front: dict[str, Any], lines: list[SourceLine]) -> tuple[str | None, int | None]:
    """The stated colour and its line (None for front matter, which has no line in the body)."""
    for key in ("status", "overall_status", "rag"):
        value = str(front.get(key) or "").strip().lower()
        if value in ("green", "amber", "yellow", "red"):
            return ("amber" if value == "yellow" else value), None
    for line in lines:
        if match := STATED_STATUS.search(line.text):
            colour = match.group(1).lower()
            return ("amber" if colour == "yellow" else colour), line.number
    return None, None


def _metadata(file_format: str, meeting: Meeting) -> dict[str, str | int | float | bool]:
    metadata: dict[str, str | int | float | bool] = {"format": file_format}
    if meeting.stated_status:
        metadata["stated_status"] = meeting.stated_status
    if meeting.transcript:
        metadata["transcript"] = True
    return metadata


def _source_sections(
    sections: list[MarkdownSection],
    title: str,
    source: SourceFile,
    line_unit: Literal["line", "paragraph"],
) -> list[SourceSection]:
    result: list[SourceSection] = []
    for section in sections:
        heading = None if section.heading == title else section.heading
        lines = [line for line in section.lines if line.text.strip()]
        if not lines:
            continue
        locator = Locator(source=source.display, heading=heading, line_unit=line_unit)
        result.append(SourceSection(heading=heading, lines=lines, locator=locator))
    return result


def _read(file: RecordFile, options: LoaderOptions) -> LoadResult:
    return load_markdown_minutes(file.text, file.source, options)


# The fallback of text files: whatever else a Markdown or text file is not, it is minutes.
LOADER = Loader(
    name="minutes-markdown",
    kind=Kind.MINUTES,
    extensions=TEXT_EXTENSIONS,
    describes="Markdown or text minutes",
    looks_like=any_content,
    load=_read,
)
