"""Dates as people and trackers write them.

Supported: ISO (`2026-11-13`, `2026/11/13`), `13 Nov 2026`, `November 13, 2026`, `13.11.2026`,
`13/11/2026` (day first unless only month-first makes sense), Jira's `13/Nov/26 9:14 AM`, and ISO
date-times with offsets (`2026-11-13T09:14:00.000+0000`). A day and month without a year take
the year of the document they appear in. Where a record states only a month (`2022-09`,
`September 2022`) or a year, `parse_partial_date` reads it with how much it states.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORD = r"(?:st|nd|rd|th)?"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("ymd", re.compile(r"\b(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?![\d/])")),
    ("jira", re.compile(r"\b(\d{1,2})/" + _MONTH + r"/(\d{2}|\d{4})\b", re.IGNORECASE)),
    ("d_month_y", re.compile(r"\b(\d{1,2})" + _ORD + r"\s+" + _MONTH + r"\.?,?\s+(\d{4})\b", re.I)),
    ("month_d_y", re.compile(r"\b" + _MONTH + r"\.?\s+(\d{1,2})" + _ORD + r",?\s+(\d{4})\b", re.I)),
    ("dmy_dots", re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")),
    ("dmy_slash", re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")),
    ("d_month", re.compile(r"\b(\d{1,2})" + _ORD + r"\s+" + _MONTH + r"\b\.?", re.I)),
    ("month_d", re.compile(r"\b" + _MONTH + r"\.?\s+(\d{1,2})" + _ORD + r"\b", re.I)),
]


_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_RELATIVE = re.compile(
    r"\b(today|tomorrow|end of (?:the )?week|eow|(?:next\s+)?(?:" + "|".join(_WEEKDAYS) + r"))\b",
    re.IGNORECASE,
)


def find_date(
    text: str, default_year: int | None = None, reference: dt.date | None = None
) -> tuple[dt.date, tuple[int, int]] | None:
    """The first date written in `text`, with the span it occupies.

    With a `reference` (the date of the meeting that wrote the text), relative dates count too:
    "today", "tomorrow", "by Friday" (the next Friday after the meeting), "end of week".
    """
    if reference is not None:
        default_year = default_year or reference.year
    best: tuple[dt.date, tuple[int, int]] | None = None
    for name, pattern in _PATTERNS:
        if name in ("d_month", "month_d") and default_year is None:
            continue
        for match in pattern.finditer(text):
            value = _build(name, match.groups(), default_year)
            if value is None:
                continue
            if best is None or match.start() < best[1][0]:
                best = (value, match.span())
            break
    relative = _RELATIVE.search(text) if reference is not None else None
    if relative and reference and (best is None or relative.start() < best[1][0]):
        best = (_relative(relative.group(1).lower(), reference), relative.span())
    return best


def _relative(word: str, reference: dt.date) -> dt.date:
    if word == "today":
        return reference
    if word == "tomorrow":
        return reference + dt.timedelta(days=1)
    if word in ("eow", "end of week", "end of the week"):
        word = "friday"
    weekday = _WEEKDAYS.index(word.split()[-1])
    ahead = (weekday - reference.weekday()) % 7 or 7
    return reference + dt.timedelta(days=ahead)


def find_all_dates(
    text: str, year: int | None = None, reference: dt.date | None = None
) -> list[tuple[dt.date, int]]:
    """Every date written in `text`, with the offset where it starts."""
    found: list[tuple[dt.date, int]] = []
    offset = 0
    while located := find_date(text[offset:], year, reference):
        when, (start, end) = located
        found.append((when, offset + start))
        offset += end
    return found


def parse_date(text: str, default_year: int | None = None) -> dt.date | None:
    """A date written on its own (surrounding words are ignored); None when there is none."""
    found = find_date(text.strip(), default_year)
    return found[0] if found else None


Precision = Literal["day", "month", "year"]

# A month and year with nothing finer, fenced off from digits and date separators so that part
# of a longer number or of a broken date ("32/12/2026") is not read as one.
_YEAR_MONTH = re.compile(r"(?<![\d/.-])(\d{4})[-/.](\d{1,2})(?![\d/.-])")
_MONTH_YEAR = re.compile(r"(?<![\d/.-])(\d{1,2})[/.-](\d{4})(?![\d/.-])")
_NAMED_MONTH_YEAR = re.compile(r"\b" + _MONTH + r"\.?,?\s+(\d{4})\b", re.IGNORECASE)
_DASHED_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})-" + _MONTH + r"-(\d{4})\b", re.IGNORECASE)
_YEAR_ONLY = re.compile(r"^\W*((?:19|20)\d{2})\W*$")


def parse_partial_date(text: str) -> tuple[dt.date, Precision] | None:
    """A date written on its own that may state only a month ('2022-09', '09/2022', 'Sept 2022')
    or only a year ('2022'): the first day of what it states, and how much it states.

    Whichever is written first wins, a full date or a month; a year counts only when it is all
    the text holds, so a number in a sentence is not taken for one.
    """
    # "05-Jul-2001" (day-month-year with dashes, as many headers write it) reads as "05 Jul 2001".
    value = _DASHED_DAY_MONTH_YEAR.sub(r"\1 \2 \3", text.strip())
    day = find_date(value)
    month = _find_month(value)
    if day is not None and (month is None or day[1][0] <= month[1]):
        return day[0], "day"
    if month is not None:
        return month[0], "month"
    if year_only := _YEAR_ONLY.match(value):
        return dt.date(int(year_only.group(1)), 1, 1), "year"
    return None


def _find_month(text: str) -> tuple[dt.date, int] | None:
    """The first month-and-year in `text` (as its first day), with where it starts."""
    found: list[tuple[int, int, int]] = []  # (start, year, month)
    for match in _YEAR_MONTH.finditer(text):
        found.append((match.start(), int(match.group(1)), int(match.group(2))))
    for match in _MONTH_YEAR.finditer(text):
        found.append((match.start(), int(match.group(2)), int(match.group(1))))
    for match in _NAMED_MONTH_YEAR.finditer(text):
        # The month pattern also admits spellings the table lacks ("sepember"): 0 skips them.
        month = _MONTHS.get(match.group(1).lower(), 0)
        found.append((match.start(), int(match.group(2)), month))
    for start, year, month in sorted(found):
        if 1 <= month <= 12 and year >= 1:
            return dt.date(year, month, 1), start
    return None


def _build(name: str, groups: tuple[str | None, ...], default_year: int | None) -> dt.date | None:
    try:
        parts = [g or "" for g in groups]
        if name == "ymd":
            return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
        if name == "jira":
            year = int(parts[2])
            return dt.date(
                year + 2000 if year < 100 else year, _MONTHS[parts[1].lower()], int(parts[0])
            )
        if name == "d_month_y":
            return dt.date(int(parts[2]), _MONTHS[parts[1].lower()], int(parts[0]))
        if name == "month_d_y":
            return dt.date(int(parts[2]), _MONTHS[parts[0].lower()], int(parts[1]))
        if name == "dmy_dots":
            return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
        if name == "dmy_slash":
            first, second, year = int(parts[0]), int(parts[1]), int(parts[2])
            if first <= 12 < second:  # only month-first reads as a date
                return dt.date(year, first, second)
            return dt.date(year, second, first)
        if name == "d_month" and default_year:
            return dt.date(default_year, _MONTHS[parts[1].lower()], int(parts[0]))
        if name == "month_d" and default_year:
            return dt.date(default_year, _MONTHS[parts[0].lower()], int(parts[1]))
    except (ValueError, KeyError):
        return None
    return None


_TRACKER_FORMATS = (
    "%d/%b/%y %I:%M %p",  # Jira Cloud CSV: 05/Oct/26 9:14 AM
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%d/%b/%y",
    "%d/%b/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)


def parse_tracker_datetime(text: str) -> dt.datetime:
    """A tracker timestamp as wall-clock time where it was written (offsets are dropped, so a
    ticket closed at 00:30 local time on Monday counts for Monday).

    Raises ValueError naming the value when it is not a date a tracker writes.
    """
    value = text.strip()
    for fmt in _TRACKER_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    iso = value.replace("Z", "+00:00")
    # Jira REST writes offsets without a colon (+0000), which older parsers reject.
    iso = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", iso)
    try:
        parsed = dt.datetime.fromisoformat(iso)
    except ValueError:
        raise ValueError(f"cannot read date '{value}'") from None
    return parsed.replace(tzinfo=None)
