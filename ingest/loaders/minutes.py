"""Meeting minutes in Markdown or plain text (and, converted to the same lines, Word files).

Reads a title, date and attendees from front matter or from lines like `**Date:** …` and
`Attendees: …` (see `attendance`); decisions, action items, concerns and progress items from
their sections and bullets (see `minutes_items`); the overall status the minutes state
("Overall status: Amber"). A running notes file gives one meeting per dated section (see
`running_notes`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Any, Literal

from assistant.domain.record import BudgetNote, Document, Kind, Locator, Meeting
from assistant.text.dates import parse_date
from assistant.text.injection import gives_orders
from ingest.loaders.attendance import (
    HandleBook,
    attendees_from_entry,
    attendees_from_lines,
    list_of_people,
    unique,
)
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
from ingest.loaders.boilerplate import repeated_lines
from ingest.loaders.files import TEXT_EXTENSIONS, Loader, RecordFile, any_content, skipped
from ingest.loaders.markdown import (
    MarkdownSection,
    clean_inline,
    split_front_matter,
    split_sections,
    table_rows,
)
from ingest.loaders.minutes_items import NoteReading, read_section
from ingest.loaders.people import split_people, unique_people
from ingest.loaders.running_notes import heading_date, running_notes
from ingest.loaders.section_roles import section_role
from ingest.loaders.stated_figures import (
    budget_from_line,
    forecast_amount,
    milestone_from_line,
    milestone_from_table_row,
)

_FIELD = r"^\s*(?:[-*]\s*)?\**\s*{names}\s*(?::\s*\**|\**\s*:)\s*(.+?)\s*$"
DATE_LINE = re.compile(_FIELD.format(names=r"(?:meeting\s+)?date"), re.IGNORECASE)
ATTENDEES_LINE = re.compile(
    _FIELD.format(
        names=r"(?:(?:members\s+|also\s+)?(?:in\s+)?(?:attendees|participants|present|attendance))"
    ),
    re.IGNORECASE,
)
ABSENT_LINE = re.compile(_FIELD.format(names=r"(?:absent|apologies|regrets)"), re.IGNORECASE)
TITLE_LINE = re.compile(_FIELD.format(names=r"(?:title|meeting|subject)"), re.IGNORECASE)
# A status line states the status: it begins with it ("Overall status: Amber", "- Project RAG
# status: RED"). A sentence that only mentions a status ("report that the overall status is
# GREEN") states nothing, and a line that gives an assistant orders is never read as one.
STATED_STATUS = re.compile(
    r"^[\W_]*(?:overall|project)\s+(?:status|rag(?:\s+status)?|health)\b[^A-Za-z\n]{0,8}"
    r"(?:is\s+|remains\s+|:\s*)?[*_]*\s*(green|amber|yellow|red)\b",
    re.IGNORECASE,
)
# How far into a meeting's note its Date / Attendees lines are looked for.
_HEAD_SECTIONS = 3
_HEAD_LINES = 15


def load_markdown_minutes(text: str, source: SourceFile, options: LoaderOptions) -> LoadResult:
    front, lines = split_front_matter(text)
    return minutes_result(front, lines, source, options, result_format="minutes-markdown")


def minutes_result(
    front: dict[str, Any],
    lines: list[SourceLine],
    source: SourceFile,
    options: LoaderOptions,
    *,
    result_format: str,
    line_unit: Literal["line", "paragraph"] = "line",
) -> LoadResult:
    """One document per meeting: the file's, or each dated meeting of a running notes file."""
    sections = split_sections(lines)
    if not any(line.text.strip() for section in sections for line in section.lines) and not any(
        section.heading for section in sections
    ):
        if front:  # a site's section page (`_index.md`): settings for the site, no minutes
            return skipped("holds front matter only, no text")
        raise LoadError("the file is empty")
    file_format = result_format.removeprefix("minutes-")
    title = _title(front, sections, source)
    notes = running_notes(sections, source.display)
    if notes is None:
        date, warning = _date(front, sections, source)
        note = _Note(title, date, sections, lines)
        document = _meeting_document(front, note, source, options, file_format, line_unit)
        warnings = [warning] if warning else []
        return LoadResult(format=result_format, documents=[document], warnings=warnings)

    result = LoadResult(format=result_format, warnings=list(notes.warnings))
    # The meetings of one file are a series of their own: what most of them repeat is template.
    parts_lines = [
        [line.text for s in part.sections for line in s.lines] for part in notes.meetings
    ]
    series = replace(options, boilerplate=options.boilerplate | repeated_lines(parts_lines))
    stem = _file_key(source)
    if any(line.text.strip() for section in notes.context for line in section.lines):
        context = _Note(f"{title} — about these notes", None, notes.context, [], context=True)
        document = _meeting_document({}, context, source, series, file_format, line_unit)
        document.document.id = f"minutes:{stem}:context"
        result.documents.append(document)
    for part in notes.meetings:
        part_lines = [line for section in part.sections for line in section.lines]
        note = _Note(f"{title} — {part.heading}", part.date, part.sections, part_lines)
        document = _meeting_document({}, note, source, series, file_format, line_unit)
        suffix = f"-{part.suffix}" if part.suffix > 1 else ""
        document.document.id = f"minutes:{stem}:{part.date.isoformat()}{suffix}"
        result.documents.append(document)
    return result


# File names that say nothing of their own (every folder of a site or repository has one), so
# the folder's name goes into the id too: `design/index.md` and `steering/index.md` differ.
_GENERIC_STEMS = {"index", "_index", "readme", "summary"}


def _file_key(source: SourceFile) -> str:
    stem = source.path.stem
    if stem.lower() in _GENERIC_STEMS and source.path.parent.name:
        return slugify(f"{source.path.parent.name}-{stem}")
    return slugify(stem)


@dataclass
class _Note:
    """The part of a file that records one meeting (the whole file, or one dated section)."""

    title: str
    date: dt.date | None
    sections: list[MarkdownSection]
    lines: list[SourceLine]
    context: bool = False  # the text before a running file's first meeting


def _meeting_document(
    front: dict[str, Any],
    note: _Note,
    source: SourceFile,
    options: LoaderOptions,
    file_format: str,
    line_unit: Literal["line", "paragraph"],
) -> LoadedDocument:
    book = HandleBook()
    for line in note.lines:
        book.learn(line.text)
    meeting = Meeting(title=note.title, date=note.date)
    if not note.context:
        meeting.attendees = _attendees(front, note.sections, book)
        reading = NoteReading(meeting.attendees, note.date, book, options.boilerplate)
        for section in note.sections:
            if section.heading and "milestone" in section.heading.lower():
                _read_milestones(section, meeting)
            read_section(section, meeting, reading)
        meeting.stated_status, meeting.stated_status_line = _stated_status(front, note.lines)
        meeting.budget = _budget_notes(note.lines)

    owners = [item.owner for item in meeting.action_items if item.owner]
    metadata = _metadata(file_format, meeting)
    if note.context:
        metadata["context"] = True
    document = Document(
        id=f"minutes:{_file_key(source)}",
        project=options.project,
        kind=Kind.MINUTES,
        title=note.title,
        date=note.date,
        people=unique_people(meeting.attendees, owners),
        source=source.display,
        metadata=metadata,
        record=meeting,
    )
    return LoadedDocument(document, _source_sections(note.sections, note.title, source, line_unit))


def _read_milestones(section: MarkdownSection, meeting: Meeting) -> None:
    rows = table_rows(section.lines)
    table_lines = {line.number for line, _ in rows}
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
) -> tuple[dt.date | None, str | None]:
    """The meeting's date, and a warning when a date is written but cannot be read (the note is
    then dated from its file name, or left undated)."""
    value = front.get("date")
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    written: tuple[str, str] | None = None
    if value is not None:
        if parsed := parse_date(str(value)):
            return parsed, None
        written = (str(value), "front matter")
    for section in sections[:_HEAD_SECTIONS] if written is None else ():
        for line in section.lines[:_HEAD_LINES]:
            if match := DATE_LINE.match(line.text):
                if parsed := parse_date(clean_inline(match.group(1))):
                    return parsed, None
                written = (match.group(1), f"line {line.number}")
                break
        if written:
            break
    # A title that is the date ("# 2022-11-29") says when the meeting was, whatever the file
    # is called; else the file name.
    titled = next((s.heading for s in sections if s.level == 1 and s.heading), None)
    fallback = (heading_date(titled) if titled else None) or date_from_filename(source.path.stem)
    if written is None:
        return fallback, None
    instead = (
        f"dated {fallback.isoformat()} from its title or file name" if fallback else "read undated"
    )
    return fallback, (
        f"{source.display}: {written[1]}: cannot read date '{written[0]}'; the meeting is {instead}"
    )


def _attendees(
    front: dict[str, Any], sections: list[MarkdownSection], book: HandleBook
) -> list[str]:
    """Who attended: front matter, an `Attendees:` line near the top, Attendees (Present,
    Participants, …) sections, or a list of people right under the meeting's heading; never
    those marked absent."""
    people: list[str] = []
    absent: list[str] = []
    for key in ("attendees", "participants", "present"):
        if front.get(key):
            people.extend(book.person(name) for name in split_people(front[key]))
    for section in sections[:_HEAD_SECTIONS]:
        for line in section.lines[:_HEAD_LINES]:
            if match := ATTENDEES_LINE.match(line.text):
                people.extend(attendees_from_entry(match.group(1), book))
            elif match := ABSENT_LINE.match(line.text):
                absent.extend(attendees_from_entry(match.group(1), book))
    for section in sections:
        role = section_role(section.heading)
        if role == "attendees":
            people.extend(attendees_from_lines(section.lines, book))
        elif role == "absent":
            absent.extend(attendees_from_lines(section.lines, book))
    if not people and sections and sections[0].heading:
        people = list_of_people(sections[0].lines, book)
    away = {name.casefold() for name in absent}
    return [name for name in unique(people) if name.casefold() not in away]


def _stated_status(front: dict[str, Any], lines: list[SourceLine]) -> tuple[str | None, int | None]:
    """The stated colour and its line (None for front matter, which has no line in the body)."""
    for key in ("status", "overall_status", "rag"):
        value = str(front.get(key) or "").strip().lower()
        if value in ("green", "amber", "yellow", "red"):
            return ("amber" if value == "yellow" else value), None
    for line in lines:
        if (match := STATED_STATUS.search(line.text)) and not gives_orders(line.text):
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
        path = tuple(name for name in section.path if name != title)
        result.append(
            SourceSection(heading=heading, lines=lines, locator=locator, heading_path=path)
        )
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
