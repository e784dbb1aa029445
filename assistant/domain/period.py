"""The period a status report covers: an ISO week (`2026-W46`) or an explicit date range."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from assistant.domain.errors import InvalidInputError
from assistant.domain.record import RecordModel

ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


class ReportPeriod(RecordModel):
    start: dt.date
    end: dt.date
    label: str

    def contains(self, day: dt.date | dt.datetime | None) -> bool:
        if day is None:
            return False
        return self.start <= _as_date(day) <= self.end

    def previous(self) -> ReportPeriod:
        """The period of the same length just before this one."""
        length = self.end - self.start + dt.timedelta(days=1)
        return period_between(self.start - length, self.start - dt.timedelta(days=1))

    def next(self) -> ReportPeriod:
        length = self.end - self.start + dt.timedelta(days=1)
        return period_between(self.end + dt.timedelta(days=1), self.end + length)


@dataclass(frozen=True)
class PeriodChoice:
    """The period a person asked for, as typed: an ISO week, or a first and last day, or
    neither (then the last complete week of the record)."""

    week: str | None = None
    start: str | None = None
    end: str | None = None

    def resolve(self, today: dt.date, newest_record_date: dt.date | None) -> ReportPeriod:
        if self.week and (self.start or self.end):
            raise InvalidInputError(
                "Give either a week or a first and last day, not both.", field="week"
            )
        if self.week:
            return week_period(self.week)
        if self.start or self.end:
            if not self.start:
                raise InvalidInputError("A last day needs a first day too.", field="start")
            if not self.end:
                raise InvalidInputError("A first day needs a last day too.", field="end")
            return period_between(
                parse_day(self.start, "start"), parse_day(self.end, "end"), field="end"
            )
        return last_complete_week(today, newest_record_date)


def week_period(text: str) -> ReportPeriod:
    """`2026-W46` (or `2026W46`) as Monday to Sunday."""
    match = ISO_WEEK.match(text.strip())
    if not match:
        raise InvalidInputError(
            f"Invalid week {text!r}: write it as an ISO week, e.g. 2026-W46.", field="week"
        )
    year, week = int(match.group(1)), int(match.group(2))
    try:
        start = dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise InvalidInputError(
            f"Invalid week {text!r}: {year} has no week {week}.", field="week"
        ) from None
    return ReportPeriod(start=start, end=start + dt.timedelta(days=6), label=f"{year}-W{week:02d}")


def period_between(start: dt.date, end: dt.date, field: str | None = None) -> ReportPeriod:
    if start > end:
        raise InvalidInputError(f"The period starts ({start}) after it ends ({end}).", field=field)
    if start.isocalendar().weekday == 1 and end - start == dt.timedelta(days=6):
        year, week, _ = start.isocalendar()
        return ReportPeriod(start=start, end=end, label=f"{year}-W{week:02d}")
    return ReportPeriod(start=start, end=end, label=f"{start.isoformat()}..{end.isoformat()}")


def last_complete_week(today: dt.date, newest_record_date: dt.date | None) -> ReportPeriod:
    """The last week that has ended, or the week of the newest item when the record stops
    earlier (a record filed weeks ago still gets its own last week, not an empty one)."""
    this_monday = today - dt.timedelta(days=today.isocalendar().weekday - 1)
    last_week_start = this_monday - dt.timedelta(days=7)
    if newest_record_date is not None and newest_record_date < last_week_start:
        monday = newest_record_date - dt.timedelta(
            days=newest_record_date.isocalendar().weekday - 1
        )
        return period_between(monday, monday + dt.timedelta(days=6))
    return period_between(last_week_start, last_week_start + dt.timedelta(days=6))


def parse_day(text: str, field: str) -> dt.date:
    """A day as typed (YYYY-MM-DD); an error names the input it came from."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(
            f"Invalid date {text!r}: write a date as YYYY-MM-DD.", field=field
        ) from None


def _as_date(day: dt.date | dt.datetime) -> dt.date:
    return day.date() if isinstance(day, dt.datetime) else day
