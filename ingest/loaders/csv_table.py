"""Reading a CSV export safely: every loader of a table (tickets, decision logs) goes through here.

Two ways a CSV loses rows without an error, both caught:
- a stray quote opens a field that runs on through later records until the next quote; the
  records it swallowed become text of one cell. A cell whose lines look like records of their
  own (the header's number of fields, or an id of the key column at the key column's place)
  is reported with the ids it swallowed;
- a cell larger than any tracker writes (Jira caps a text field at 32,767 characters): that row
  fails, naming the column; the rows around it still load.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from ingest.loaders.base import LoadError, RowError

# Python's csv module refuses a whole file at its first cell over 128 KiB; read any size and
# fail the one row instead.
csv.field_size_limit(2**31 - 1)
MAX_CELL_CHARACTERS = 131_072
# An id's shape: what comes before its number (PAY-104 -> "PAY-", D-12 -> "D-", #42 -> "#").
ID_SHAPE = re.compile(r"^(\D*?)\d+$")


@dataclass(frozen=True)
class CsvRow:
    number: int  # the record's number, the header being 1
    cells: list[str]


@dataclass
class CsvTable:
    header: list[str]
    rows: list[CsvRow]

    def column(self, *names: str) -> int | None:
        """The index of the first of these column names present (any letter case)."""
        lowered = [cell.strip().lower() for cell in self.header]
        for name in names:
            if name in lowered:
                return lowered.index(name)
        return None


def read_csv_table(text: str) -> CsvTable:
    try:
        records = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise LoadError(f"not readable as CSV: {error}") from None
    if not records:
        raise LoadError("the CSV file is empty")
    rows = [CsvRow(number, cells) for number, cells in enumerate(records[1:], start=2)]
    return CsvTable(records[0], rows)


def check_cell_sizes(row: CsvRow, header: list[str]) -> None:
    """Fail the row when one of its cells is larger than a tracker writes."""
    for index, cell in enumerate(row.cells):
        if len(cell) > MAX_CELL_CHARACTERS:
            name = header[index].strip() if index < len(header) else f"column {index + 1}"
            raise RowError(
                f"a cell of {len(cell):,} characters (the most a tracker writes is "
                f"{MAX_CELL_CHARACTERS:,}): a stray quote, or not an export",
                row=row.number,
                field=name,
            )


def id_shapes(table: CsvTable, key_column: int | None) -> set[str]:
    """The shapes of the ids in the key column (`PAY-` for PAY-104), to know one in a line."""
    if key_column is None:
        return set()
    return {
        match.group(1)
        for row in table.rows
        if key_column < len(row.cells) and (match := ID_SHAPE.match(row.cells[key_column].strip()))
    }


def swallowed_records(
    row: CsvRow, width: int, key_column: int | None, shapes: set[str]
) -> list[str]:
    """Lines inside this row's cells that look like records of their own, as their ids (or
    their first words): a stray quote ran a field on through them. A line looks like a record
    when it has the header's number of fields, or when an id shaped like the key column's
    stands at the key column's place of a line with half the header's fields."""
    found: list[str] = []
    for cell in row.cells:
        if "\n" not in cell:
            continue
        for line in cell.splitlines()[1:]:
            fields = next(csv.reader([line]), [])
            key = (
                fields[key_column].strip()
                if key_column is not None and key_column < len(fields)
                else ""
            )
            match = ID_SHAPE.match(key)
            keyed = (
                match is not None and match.group(1) in shapes and len(fields) >= max(3, width // 2)
            )
            if keyed or (width >= 4 and len(fields) >= width - 1):
                found.append(key if keyed else fields[0].strip()[:30])
    return found


def swallow_warning(display: str, row: CsvRow, swallowed: list[str]) -> str:
    shown = ", ".join(swallowed[:5]) + (" …" if len(swallowed) > 5 else "")
    return (
        f"{display}, row {row.number}: a field runs on over {len(swallowed)} lines that look "
        f"like rows of their own ({shown}); a stray quote? They were read as text of row "
        f"{row.number}, not as rows. Fix the quote and ingest again."
    )
