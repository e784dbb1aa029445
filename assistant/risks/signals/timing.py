"""When a line says something happens: written dates, a month ("deplete credits on January
2027"), or a span from the day it was written ("within a week or two", "next month").

A span gives no date a proposal may state (the record does not write one): detectors use it to
judge how near a thing is, and quote the record's own words."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from assistant.text.dates import find_all_dates

_COUNT = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "a couple of": 2,
    "a few": 3,
    "few": 3,
    "several": 3,
}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30}
_SPAN = re.compile(
    r"\b(?:within|in|over|for)\s+(?:the\s+next\s+)?(?P<count>\d{1,2}|a couple of|a few|an?|one|two|"
    r"three|four|five|six|few|several)(?:\s*(?:-|to|or)\s*(?P<upper>\d{1,2}|two|three|four))?\s+"
    r"(?P<unit>day|week|month)s?\b",
    re.IGNORECASE,
)
_A_OR_TWO = re.compile(r"\b(?:a|one)\s+(?P<unit>day|week|month)\s+or\s+two\b", re.IGNORECASE)
_FIXED: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"\b(?:today|tonight)\b", re.I), 0),
    (re.compile(r"\btomorrow\b", re.I), 1),
    (re.compile(r"\b(?:this|end of (?:the )?)week\b|\bEOW\b", re.I), 7),
    (re.compile(r"\bnext week\b", re.I), 14),
    (re.compile(r"\b(?:this|end of (?:the )?)month\b", re.I), 30),
    (re.compile(r"\bnext month\b", re.I), 60),
    (re.compile(r"\b(?:soon|shortly|imminent(?:ly)?|any day now)\b", re.I), 30),
]
MONTH_YEAR = re.compile(
    r"\b(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?,?\s+(\d{4})\b",
    re.IGNORECASE,
)
_MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# A date as written, to take it out of a name: "2026-07-26", "20 November", "Jan 2, 2027".
DATE_WORDS = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH_NAME}\b\.?(?:,?\s+\d{{4}})?"
    rf"|\b{_MONTH_NAME}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?"
    rf"|\b{_MONTH_NAME}\s+\d{{4}}\b",
    re.IGNORECASE,
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@dataclass(frozen=True)
class When:
    """A point in time a line names: a date it writes (`exact`), or one read from a month or a
    span, with the record's words for it."""

    day: dt.date
    words: str
    exact: bool


def horizon_days(text: str) -> tuple[int, str] | None:
    """How many days ahead a span reaches ("within a week or two": 14), with its words."""
    if match := _A_OR_TWO.search(text):
        return 2 * _UNIT_DAYS[match.group("unit").lower()], match.group(0)
    if match := _SPAN.search(text):
        count = match.group("upper") or match.group("count")
        number = int(count) if count.isdigit() else _COUNT.get(count.lower(), 1)
        return number * _UNIT_DAYS[match.group("unit").lower()], match.group(0)
    for pattern, days in _FIXED:
        if match := pattern.search(text):
            return days, match.group(0)
    return None


def month_dates(text: str) -> list[When]:
    """Months written with their year ("January 2027"), as their last day: a thing due "in
    January" is late only once January is over."""
    found = []
    for match in MONTH_YEAR.finditer(text):
        month = _MONTHS.index(match.group(1)[:3].lower()) + 1
        year = int(match.group(2))
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        found.append(When(following - dt.timedelta(days=1), match.group(0), exact=False))
    return found


def whens(
    text: str, written_on: dt.date | None, default_year: int, *, spans: bool = True
) -> list[When]:
    """Every date, month and (unless `spans` is false) span a line names."""
    year = written_on.year if written_on else default_year
    found = []
    for day, start in find_all_dates(text, year):
        written = DATE_WORDS.match(text, start)
        found.append(When(day, written.group(0) if written else day.isoformat(), exact=True))
    exact_words = " ".join(w.words for w in found)
    found += [w for w in month_dates(text) if w.words not in exact_words]
    if spans and written_on is not None and (span := horizon_days(text)):
        days, words = span
        found.append(When(written_on + dt.timedelta(days=days), words, exact=False))
    return found
