"""Decision records: ADRs and RFC-style proposals in Markdown (MADR 2/3, Nygard style, numbered
or dated file names) and decision-log CSV tables.

An ADR's id, date, status and deciders are read by `decision_records`; its text comes from the
Context, Decision (Outcome) and Consequences sections. A file is a decision record when its
content has an ADR's shape, or when it sits in a folder of proposals or decisions (`adr/`,
`rfcs/`, `keps/`, `decisions/`, …), whatever its headings.
"""

from __future__ import annotations

import html
import re
from typing import Any

from assistant.domain.ingest import LoadFailure
from assistant.domain.record import Decision, Document, Kind, Locator
from assistant.text.dates import parse_partial_date
from ingest.loaders.base import (
    LoadedDocument,
    LoaderOptions,
    LoadError,
    LoadResult,
    RowError,
    SourceFile,
    SourceLine,
    SourceSection,
)
from ingest.loaders.csv_table import (
    check_cell_sizes,
    id_shapes,
    read_csv_table,
    swallow_warning,
    swallowed_records,
)
from ingest.loaders.decision_records import (
    DATE_PREFIX,
    NUMBERED_FILE,
    is_index_file,
    proposal_folder,
    read_header,
)
from ingest.loaders.files import TEXT_EXTENSIONS, Loader, RecordFile
from ingest.loaders.markdown import (
    MarkdownSection,
    clean_inline,
    split_front_matter,
    split_sections,
)
from ingest.loaders.people import split_people


def looks_like_adr(text: str, file_name: str) -> bool:
    """An ADR by its content: MADR's headings, a status with a Context or Decision section,
    deciders, or a numbered file name with ADR sections. A date at the start of the name is no
    number: dated meeting notes have Context and Decision headings too."""
    lower = text.lower()
    headings = set(re.findall(r"^#{1,4}\s*(.+?)\s*$", lower, re.MULTILINE))
    if any(h.startswith(("decision outcome", "considered options")) for h in headings):
        return True
    if headings & {"deciders", "decision makers", "decision-makers"}:
        return True
    adr_sections = {h for h in headings if h.startswith("context") or h == "decision"}
    status_field = re.search(r"^\s*[*-]?\s*\**status\**\s*:", lower, re.MULTILINE)
    if adr_sections and ("status" in headings or status_field):
        return True
    if re.search(r"^\s*[*-]?\s*\**(deciders|decision-makers)\**\s*:", lower, re.MULTILINE):
        return True
    stem = file_name.rsplit(".", 1)[0]
    numbered = NUMBERED_FILE.match(stem) and not DATE_PREFIX.match(stem)
    return bool(numbered and {"context", "decision", "consequences"} & headings)


def looks_like_decision_record(file: RecordFile) -> bool:
    if is_index_file(file.name):
        return False  # a folder's README or index introduces its records
    if proposal_folder(file.source.display):
        return True
    return looks_like_adr(file.text, file.name)


def load_adr(text: str, source: SourceFile, options: LoaderOptions) -> LoadResult:
    front, lines = split_front_matter(text)
    sections = split_sections(lines)
    if not sections:
        raise LoadError("the file is empty")
    header = read_header(text, front, lines, sections, source)
    title = header.title
    decision = Decision(
        id=header.id,
        title=title,
        date=header.date,
        date_precision=header.precision,
        status=header.status,
        deciders=header.deciders,
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
    return LoadResult(
        format="adr-markdown",
        documents=[LoadedDocument(document, source_sections)],
        warnings=header.warnings,
    )


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
    dated = parse_partial_date(date_text) if date_text else None
    if date_text and dated is None:
        raise RowError(f"cannot read date '{date_text}'", row=number, field="Date")
    return Decision(
        id=decision_id,
        title=cell("title") or _headline(outcome),
        date=dated[0] if dated else None,
        date_precision=dated[1] if dated else "day",
        status=cell("status") or "unknown",
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
    return "\n".join(clean_inline(html.unescape(text)) for text in collected if text).strip()


def _read_adr(file: RecordFile, options: LoaderOptions) -> LoadResult:
    return load_adr(file.text, file.source, options)


def _read_decision_log(file: RecordFile, options: LoaderOptions) -> LoadResult:
    return load_decision_log(file.text, file.source, options)


ADR_LOADER = Loader(
    name="adr",
    kind=Kind.DECISION,
    extensions=TEXT_EXTENSIONS,
    describes="an architecture decision record (Status, Context, Decision)",
    looks_like=looks_like_decision_record,
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
