"""The register as CSV or XLSX, safe to open in a spreadsheet.

Text from the record ends up in cells, so any cell that a spreadsheet would read as a formula
(starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'` and stays
text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.domain.errors import InvalidInputError
from assistant.domain.risk import RiskEntry

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    "ID",
    "Status",
    "Title",
    "Category",
    "Cause",
    "Event",
    "Effect",
    "Likelihood",
    "Impact",
    "Score",
    "Proximity",
    "Owner",
    "Response",
    "Mitigation",
    "Trigger",
    "Trend",
    "Inferred fields",
    "Evidence",
    "Proposed by",
    "Created (UTC)",
    "Updated (UTC)",
)

Cell = str | int


# Characters XML 1.0 (and so XLSX) cannot hold; evidence excerpts come from any source.
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value: str) -> str:
    value = ILLEGAL.sub("", value)
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def register_rows(entries: Sequence[RiskEntry]) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for entry in entries:
        texts = [
            entry.id,
            entry.status,
            entry.title,
            entry.category,
            entry.cause,
            entry.event,
            entry.effect,
        ]
        later = [
            entry.proximity_date.isoformat() if entry.proximity_date else "",
            entry.owner or "",
            entry.response,
            "; ".join(entry.mitigation),
            entry.trigger,
            entry.trend,
            ", ".join(sorted(entry.inferred)),
            "; ".join(item.label for item in entry.evidence),
            entry.proposed_by,
            entry.created_at.isoformat(timespec="seconds"),
            entry.updated_at.isoformat(timespec="seconds"),
        ]
        rows.append(
            [
                *(neutralise(text) for text in texts),
                entry.likelihood,
                entry.impact,
                entry.score,
                *(neutralise(text) for text in later),
            ]
        )
    return rows


def register_csv(entries: Sequence[RiskEntry]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(register_rows(entries))
    # A byte-order mark so spreadsheet programs read the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def register_xlsx(entries: Sequence[RiskEntry], project: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Risk register"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in register_rows(entries):
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFG", (8, 11, 48, 18, 48, 40, 40), strict=True):
        sheet.column_dimensions[column].width = width
    workbook.properties.title = f"{project} risk register"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class RegisterFormat:
    name: str  # what --format and ?format= take
    media_type: str
    suffix: str
    write: Callable[[Sequence[RiskEntry], str], bytes]  # (entries, project) -> the file


REGISTER_FORMATS: tuple[RegisterFormat, ...] = (
    RegisterFormat(
        "csv", "text/csv; charset=utf-8", ".csv", lambda entries, _: register_csv(entries)
    ),
    RegisterFormat(
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".xlsx",
        register_xlsx,
    ),
)


def register_format(name: str) -> RegisterFormat:
    for candidate in REGISTER_FORMATS:
        if candidate.name == name:
            return candidate
    known = [f.name for f in REGISTER_FORMATS]
    raise InvalidInputError(
        f"Unknown export format '{name}': use {', '.join(known[:-1])} or {known[-1]}.",
        field="format",
    )
