"""When a question is anchored in time: "in week 46", "back in October", "last week", "now".

Relative phrases are read against a reference date: the latest date in the project's record, so
"now" means the record's present, not the calendar's. The window found becomes a soft boost in
retrieval (documents dated inside it move up), never a filter: a question about October may
still be best answered by a later summary.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
WEEK = re.compile(r"\b(?:iso\s+)?(?:week|wk|w)\s?(\d{1,2})\b(?:\s*(?:of|,)?\s*(\d{4}))?", re.I)
MONTH = re.compile(
    r"\b(?:in|during|back in|early|late|mid|since|of)\s+("
    + "|".join(sorted(MONTHS, key=len, reverse=True))
    + r")\b\.?(?:\s+(\d{4}))?",
    re.IGNORECASE,
)
LAST_WEEK = re.compile(r"\b(last|previous|past)\s+week\b", re.IGNORECASE)
THIS_WEEK = re.compile(r"\bthis\s+week\b", re.IGNORECASE)
NOW = re.compile(
    r"\b(now|currently|current|latest|at the moment|so far|to date|as of today|right now|"
    r"at present|still|yet)\b",
    re.IGNORECASE,
)
RECENT_DAYS = 14


@dataclass(frozen=True)
class TimeWindow:
    start: dt.date
    end: dt.date
    phrase: str

    def contains(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end


def names_a_period(question: str) -> bool:
    """Cheap test, so the reference date is looked up only for questions that need it."""
    return any(p.search(question) for p in (WEEK, LAST_WEEK, THIS_WEEK, MONTH, NOW))


def time_window(question: str, reference: dt.date | None) -> TimeWindow | None:
    """The period a question is about, if it names one."""
    if reference is None:
        return None
    if match := WEEK.search(question):
        week = int(match.group(1))
        year = int(match.group(2)) if match.group(2) else reference.year
        if not match.group(2) and week > reference.isocalendar()[1]:
            year -= 1  # "week 50" asked in January means last December
        try:
            start = dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            return None
        return TimeWindow(start, start + dt.timedelta(days=6), match.group(0))
    if match := LAST_WEEK.search(question):
        monday = reference - dt.timedelta(days=reference.weekday() + 7)
        return TimeWindow(monday, monday + dt.timedelta(days=6), match.group(0))
    if match := THIS_WEEK.search(question):
        monday = reference - dt.timedelta(days=reference.weekday())
        return TimeWindow(monday, monday + dt.timedelta(days=6), match.group(0))
    if match := MONTH.search(question):
        month = MONTHS[match.group(1).lower()]
        year = int(match.group(2)) if match.group(2) else reference.year
        if not match.group(2) and month > reference.month:
            year -= 1
        last = calendar.monthrange(year, month)[1]
        return TimeWindow(dt.date(year, month, 1), dt.date(year, month, last), match.group(0))
    if match := NOW.search(question):
        return TimeWindow(reference - dt.timedelta(days=RECENT_DAYS), reference, match.group(0))
    return None
