"""Decision records: ADRs in Markdown (MADR 2/3 and Nygard style) and decision-log CSV tables.

ADR fields come from YAML front matter (`status`, `date`, `deciders`), from bullets or lines
(`* Status: accepted`, `Date: 2026-10-27`), or from a `## Status` section; the text from the
Context, Decision (Outcome) and Consequences sections.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from assistant.domain.ingest import LoadFailure
from assistant.domain.record import Decision, Document, Kind, Locator
from assistant.text.dates import parse_date
from ingest.loaders.base import (
    LoadedDocument,
    LoaderOptions,
    LoadError,
    LoadResult,
    RowError,
    SourceFile,
    SourceLine,
    SourceSection,
    date_from_filename,
    slugify,
)
from ingest.loaders.csv_table import (
    check_cell_sizes,
    id_shapes,
    read_csv_table,
    swallow_warning,
    swallowed_records,
)
from ingest.loaders.files import TEXT_EXTENSIONS, Loader, RecordFile
from ingest.loaders.markdown import (
    MarkdownSection,
    clean_inline,
    split_front_matter,
    split_sections,
)
from ingest.loaders.people import split_people

_FIELD_LINE = r"^\s*(?:[-*]\s*)?\**\s*{name}\s*(?::\s*\**|\**\s*:)\s*(.+?)\s*$"
STATUS_LINE = re.compile(_FIELD_LINE.format(name="status"), re.IGNORECASE)
DATE_LINE = re.compile(_FIELD_LINE.format(name=r"(?:date|decided on)"), re.IGNORECASE)
DECIDERS_LINE = re.compile(
    _FIELD_LINE.format(name=r"(?:deciders|decision[- ]makers|decided by)"), re.IGNORECASE
)
NUMBERED_TITLE = re.compile(r"^(?:ADR[-\s]?)?(\d{1,5})\s*[.:)\-–—]?\s+(.+)$", re.IGNORECASE)
NUMBERED_FILE = re.compile(r"^(?:adr[-_]?)?(\d{1,5})[-_]", re.IGNORECASE)


def looks_like_adr(text: str, file_name: str) -> bool:
    lower = text.lower()
    headings = set(re.findall(r"^#{1,4}\s*(.+?)\s*$", lower, re.MULTILINE))
    if any(h.startswith(("decision outcome", "considered options")) for h in headings):
        return True
    if "status" in headings and ({"context", "decision"} & headings):
        return True
    if re.search(r"^\s*[*-]?\s*\**(deciders|decision-makers)\**\s*:", lower, re.MULTILINE):
        return True
    return bool(
        NUMBERED_FILE.match(file_name) and {"context", "decision", "consequences"} & headings
    )


def load_adr(text: str, source: SourceFile, options: LoaderOptions) -> LoadResult:
    front, lines = split_front_matter(text)
    sections = split_sections(lines)
    if not sections:
        raise LoadError("the file is empty")
    number, title = _number_and_title(front, sections, source)
    decision_id = f"ADR-{int(number):04d}" if number else slugify(source.path.stem).upper()
    decision = Decision(
        id=decision_id,
        title=title,
        date=_date(front, lines, source),
        status=_status(front, lines, sections),
        deciders=_deciders(front, lines),
        context=_section_text(sections, "context"),
        outcome=_section_text(sections, "outcome"),
        consequences=_section_text(sections, "consequences"),
    )
    document = _decision_document(decision, source, options, "adr")
    source_sections = [
        SourceSection(
            heading=section.heading if section.heading != title and section.level != 1 else None,
            lines=[line for line in section.lines if line.text.strip()],
            locator=Locator(
                source=source.display, heading=section.heading if section.level != 1 else None
            ),
        )
        for section in sections
        if any(line.text.strip() for line in section.lines)
    ]
    return LoadResult(format="adr-markdown", documents=[LoadedDocument(document, source_sections)])


def load_decision_log(text: str, source: SourceFile, options: LoaderOptions) -> LoadResult:
    """A decision log table: ID, Date, Decision, Rationale, Decided by, Status (any case)."""
    table = read_csv_table(text)
    column = table.column
    columns = {
        "id": column("id", "decision id", "ref", "reference"),
        "date": column("date", "decision date", "decided on"),
        "decision": column("decision", "what", "summary"),
        "title": column("title"),
        "rationale": column("rationale", "reason", "why", "context"),
        "deciders": column("decided by", "deciders", "decision makers", "owner"),
        "status": column("status"),
        "consequences": column("consequences", "impact"),
    }
    for required, label in (("id", "ID"), ("date", "Date"), ("decision", "Decision")):
        if columns[required] is None:
            raise LoadError(
                f"missing required column '{label}' (a decision log needs ID, Date and Decision; "
                f"found: {', '.join(table.header)})",
                field=label,
            )
    result = LoadResult(format="decision-log-csv")
    seen: dict[str, int] = {}
    shapes = id_shapes(table, columns["id"])
    for row in table.rows:
        number, cells = row.number, row.cells
        if not any(cell.strip() for cell in cells):
            continue
        if swallowed := swallowed_records(row, len(table.header), columns["id"], shapes):
            result.warnings.append(swallow_warning(source.display, row, swallowed))

        def cell(name: str, cells: list[str] = cells) -> str:
            index = columns[name]
            return cells[index].strip() if index is not None and index < len(cells) else ""

        try:
            check_cell_sizes(row, table.header)
            decision = _logged_decision(cell, number)
            if decision.id in seen:
                raise RowError(
                    f"duplicate decision id {decision.id} (also on row {seen[decision.id]})",
                    row=number,
                    field="ID",
                )
            seen[decision.id] = number
        except RowError as error:
            result.failures.append(
                LoadFailure(source.display, error.reason, row=error.row, field=error.field)
            )
            continue
        document = _decision_document(decision, source, options, "decision-log-csv")
        lines = [
            f"{decision.id} ({decision.date or 'undated'}): {decision.outcome}",
            decision.context and f"Rationale: {decision.context}",
            decision.deciders and "Decided by: " + ", ".join(decision.deciders),
            decision.status and f"Status: {decision.status}",
            decision.consequences and f"Consequences: {decision.consequences}",
        ]
        section = SourceSection(
            heading=None,
            lines=[
                SourceLine(i + 1, text) for i, text in enumerate(line for line in lines if line)
            ],
            locator=Locator(source=source.display, row=number),
            numbered=False,
        )
        result.documents.append(LoadedDocument(document, [section]))
    return result


def _logged_decision(cell: Any, number: int) -> Decision:
    decision_id = cell("id")
    if not decision_id:
        raise RowError("empty decision id", row=number, field="ID")
    outcome = cell("decision")
    if not outcome:
        raise RowError("empty decision text", row=number, field="Decision")
    date_text = cell("date")
    date = parse_date(date_text) if date_text else None
    if date_text and date is None:
        raise RowError(f"cannot read date '{date_text}'", row=number, field="Date")
    return Decision(
        id=decision_id,
        title=cell("title") or _headline(outcome),
        date=date,
        status=cell("status") or None,
        deciders=split_people(cell("deciders")),
        context=cell("rationale"),
        outcome=outcome,
        consequences=cell("consequences"),
    )


def _decision_document(
    decision: Decision, source: SourceFile, options: LoaderOptions, file_format: str
) -> Document:
    metadata: dict[str, str | int | float | bool] = {
        "format": file_format,
        "decision_id": decision.id,
    }
    if decision.status:
        metadata["decision_status"] = decision.status
    return Document(
        id=f"decision:{decision.id}",
        project=options.project,
        kind=Kind.DECISION,
        title=f"{decision.id} {decision.title}",
        date=decision.date,
        people=decision.deciders,
        source=source.display,
        metadata=metadata,
        record=decision,
    )


def _headline(text: str, limit: int = 90) -> str:
    first = re.split(r"(?<=[.!?;])\s", text.strip(), maxsplit=1)[0].rstrip(".;")
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0] + "…"


def _number_and_title(
    front: dict[str, Any], sections: list[MarkdownSection], source: SourceFile
) -> tuple[str | None, str]:
    file_number = NUMBERED_FILE.match(source.path.name)
    heading = next((s.heading for s in sections if s.level == 1 and s.heading), None)
    title = str(front.get("title") or heading or source.path.stem)
    number = str(front["id"]).strip() if str(front.get("id", "")).strip().isdigit() else None
    if match := NUMBERED_TITLE.match(title):
        number = number or match.group(1)
        title = match.group(2).strip()
    if file_number:
        number = number or file_number.group(1)
    return number, clean_inline(title)


def _date(front: dict[str, Any], lines: list[SourceLine], source: SourceFile) -> dt.date | None:
    value = front.get("date")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value:
        parsed = parse_date(str(value))
        if parsed is None:
            raise LoadError(f"cannot read date '{value}'", field="date")
        return parsed
    for line in lines[:40]:
        if match := DATE_LINE.match(line.text):
            parsed = parse_date(clean_inline(match.group(1)))
            if parsed is None:
                raise LoadError(
                    f"cannot read date '{match.group(1)}'", field=f"Date (line {line.number})"
                )
            return parsed
    return date_from_filename(source.path.stem)


def _status(
    front: dict[str, Any], lines: list[SourceLine], sections: list[MarkdownSection]
) -> str | None:
    if front.get("status"):
        return str(front["status"]).strip()
    for line in lines[:40]:
        if match := STATUS_LINE.match(line.text):
            return clean_inline(match.group(1))
    for section in sections:
        if section.heading and section.heading.lower() == "status":
            first = next((line.text for line in section.lines if line.text.strip()), None)
            return clean_inline(first) if first else None
    return None


def _deciders(front: dict[str, Any], lines: list[SourceLine]) -> list[str]:
    for key in ("deciders", "decision-makers", "decision_makers", "decided by"):
        if front.get(key):
            return split_people(front[key])
    for line in lines[:40]:
        if match := DECIDERS_LINE.match(line.text):
            return split_people(clean_inline(match.group(1)))
    return []


def _adr_part(heading: str) -> str | None:
    """Which part of an ADR a heading opens, across MADR and Nygard naming."""
    name = heading.lower().strip()
    if name.startswith("context"):
        return "context"
    if name.startswith("decision outcome") or name == "decision":
        return "outcome"
    if "consequences" in name:
        return "consequences"
    if name.startswith(("decision drivers", "considered options", "pros and cons", "status")):
        return "other"
    if name.startswith(("confirmation", "more information", "links", "validation")):
        return "other"
    return None


def _section_text(sections: list[MarkdownSection], part: str) -> str:
    """Text of the sections that make up one ADR part, with their untitled-part subsections
    (so the consequences nested under "Decision Outcome" in MADR 3 are not read as outcome)."""
    collected: list[str] = []
    taking_level: int | None = None
    for section in sections:
        section_part = _adr_part(section.heading or "")
        nested = taking_level is not None and section.level > taking_level
        if nested and section_part is None:
            collected.append(section.heading or "")
        elif section_part == part:
            taking_level = section.level if not nested else taking_level
        else:
            if not nested:
                taking_level = None
            continue
        collected.extend(line.text.strip() for line in section.lines if line.text.strip())
    return "\n".join(clean_inline(text) for text in collected if text).strip()


def _read_adr(file: RecordFile, options: LoaderOptions) -> LoadResult:
    return load_adr(file.text, file.source, options)


def _read_decision_log(file: RecordFile, options: LoaderOptions) -> LoadResult:
    return load_decision_log(file.text, file.source, options)


ADR_LOADER = Loader(
    name="adr",
    kind=Kind.DECISION,
    extensions=TEXT_EXTENSIONS,
    describes="an architecture decision record (Status, Context, Decision)",
    looks_like=lambda file: looks_like_adr(file.text, file.name),
    load=_read_adr,
)
DECISION_LOG_LOADER = Loader(
    name="decision-log",
    kind=Kind.DECISION,
    extensions=frozenset({".csv"}),
    describes="a decision log (columns 'ID', 'Date', 'Decision', …)",
    looks_like=lambda file: "decision" in file.csv_header,
    load=_read_decision_log,
)
