"""What `pmassist serve` runs by itself: a sync of the trackers every few minutes, and the weekly
draft (report and risk suggestions) at a time written cron-like, e.g. `0 7 * * MON` in the PM's
time zone; and the history of those runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field

from assistant.domain.errors import InvalidInputError
from assistant.domain.notice import Delivery

Job = Literal["sync", "weekly_draft"]
JOBS: tuple[Job, ...] = ("sync", "weekly_draft")
Trigger = Literal["schedule", "run now", "webhook"]
RunOutcome = Literal["running", "succeeded", "failed", "interrupted"]

DAY_NAMES = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
MONTH_NAMES = {
    name: number
    for number, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1
    )
}
# (name, lowest, highest, names) of the five fields, in order.
FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, MONTH_NAMES),
    ("day of week", 0, 7, DAY_NAMES),
)


@dataclass(frozen=True)
class WeeklyTime:
    """A cron-like time: `MIN HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK` in a time zone.

    Each field takes `*`, a number or name, a list (`1,3`), a range (`MON-FRI`) and a step
    (`*/15`). As in cron, when both day fields are restricted a day matching either counts."""

    text: str
    timezone: ZoneInfo
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, text: str, timezone: str = "UTC") -> WeeklyTime:
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInputError(
                f"Unknown time zone {timezone!r}: write it as in the tz database, e.g. "
                "Europe/Berlin.",
                field="schedule_timezone",
            ) from None
        parts = text.split()
        if len(parts) != 5:
            raise InvalidInputError(
                f"PMASSIST_WEEKLY_DRAFT {text!r} needs five fields, MIN HOUR DAY MONTH WEEKDAY, "
                "e.g. '0 7 * * MON'.",
                field="weekly_draft",
            )
        values = [
            _field(part, name, low, high, names)
            for part, (name, low, high, names) in zip(parts, FIELDS, strict=True)
        ]
        return cls(
            text=text,
            timezone=zone,
            minutes=values[0],
            hours=values[1],
            days=values[2],
            months=values[3],
            weekdays=frozenset(day % 7 for day in values[4]),  # 7 is Sunday too
            # As cron: a day field starting with "*" (also "*/2") does not restrict the day.
            any_day=parts[2].startswith("*"),
            any_weekday=parts[4].startswith("*"),
        )

    def matches_day(self, day: dt.date) -> bool:
        if day.month not in self.months:
            return False
        by_date = day.day in self.days
        by_weekday = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return by_date and by_weekday
        return by_date or by_weekday

    def times_on(self, day: dt.date) -> list[dt.datetime]:
        """The day's times, in UTC, earliest first."""
        if not self.matches_day(day):
            return []
        return sorted(
            dt.datetime.combine(day, dt.time(hour, minute), self.timezone).astimezone(dt.UTC)
            for hour in self.hours
            for minute in self.minutes
        )

    def last_before(self, moment: dt.datetime) -> dt.datetime | None:
        """The latest time at or before `moment` (within a year)."""
        local = moment.astimezone(self.timezone).date()
        for back in range(367):
            earlier = [t for t in self.times_on(local - dt.timedelta(days=back)) if t <= moment]
            if earlier:
                return earlier[-1]
        return None

    def next_after(self, moment: dt.datetime) -> dt.datetime | None:
        """The first time after `moment` (within a year)."""
        local = moment.astimezone(self.timezone).date()
        for ahead in range(367):
            later = [t for t in self.times_on(local + dt.timedelta(days=ahead)) if t > moment]
            if later:
                return later[0]
        return None


def _field(text: str, name: str, low: int, high: int, names: dict[str, int]) -> frozenset[int]:
    def number(value: str) -> int:
        found = names.get(value.upper()) if not value.isdigit() else int(value)
        if found is None or not low <= found <= high:
            raise InvalidInputError(
                f"PMASSIST_WEEKLY_DRAFT: {value!r} is not a valid {name} ({low}-{high}).",
                field="weekly_draft",
            )
        return found

    chosen: set[int] = set()
    for item in text.split(","):
        span, _, step_text = item.partition("/")
        step = number(step_text) if step_text else 1
        if step < 1:
            raise InvalidInputError(
                f"PMASSIST_WEEKLY_DRAFT: the step in {item!r} must be 1 or more.",
                field="weekly_draft",
            )
        if span == "*":
            first, last = low, high
        elif "-" in span:
            first_text, _, last_text = span.partition("-")
            first, last = number(first_text), number(last_text)
            if names is DAY_NAMES and last == 0:
                last = 7  # MON-SUN: Sunday ends the week
            if first > last:
                raise InvalidInputError(
                    f"PMASSIST_WEEKLY_DRAFT: the range {span!r} runs backwards; write it as "
                    "two ranges, e.g. 22-23,0-2.",
                    field="weekly_draft",
                )
        else:
            first = number(span)
            last = high if step_text else first  # "0/30": from 0 every 30
        chosen.update(range(first, last + 1, step))
    return frozenset(chosen)


class ScheduledRun(BaseModel):
    """One run of a job for a project, as the run history shows it."""

    id: int | None = None
    project: str
    job: Job
    trigger: Trigger
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    outcome: RunOutcome = "running"
    detail: str = Field(default="", description="What it did, or why it failed.")
    draft_id: int | None = None
    deliveries: list[Delivery] = Field(default_factory=list)


class PlannedJob(BaseModel):
    project: str
    job: Job
    next_at: dt.datetime | None = Field(description="None: not scheduled (run it by hand).")
    busy: bool = False
