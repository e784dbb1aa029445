"""Running notes: one file, many meetings, each under a dated heading (a wiki page or shared
document a team appends to every week).

A file is running notes when the sections at its top heading level (below a single undated
title, if it has one) are mostly dated: `## 2024-05-07`, `## May 7, 2024`, `## 7 May 2024 - TSC`,
`### 2024/05/07`. Each dated section with the sections nested under it is one meeting. What
comes before the first dated section (who the members are, what the meeting is for) is the
file's context, not a meeting. A file with one dated heading is an ordinary note of one meeting.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from assistant.text.dates import find_date
from ingest.loaders.markdown import MarkdownSection

# A dated heading is the date and a few words ("TSC", "weekly sync"), not a sentence that
# happens to hold a date ("Plan the 2024-05-07 release cut-over with the vendors").
_MAX_OTHER_WORDS = 5
_AMBIGUOUS = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")


@dataclass
class MeetingPart:
    heading: str
    heading_line: int | None
    date: dt.date
    sections: list[MarkdownSection]
    suffix: int = 1  # the n-th meeting of that day in the file


@dataclass
class RunningNotes:
    context: list[MarkdownSection]
    meetings: list[MeetingPart]
    warnings: list[str] = field(default_factory=list)


def heading_date(heading: str) -> dt.date | None:
    """The date a heading is about, if the heading is essentially a date."""
    found = find_date(heading)
    if found is None:
        return None
    date, (start, end) = found
    rest = (heading[:start] + " " + heading[end:]).strip(" -–—:|,()[]")
    return date if len(rest.split()) <= _MAX_OTHER_WORDS else None


def running_notes(sections: list[MarkdownSection], file_name: str) -> RunningNotes | None:
    """The meetings of a running notes file, or None for a note of one meeting."""
    level = _meeting_level(sections)
    if level is None:
        return None
    notes = RunningNotes(context=[], meetings=[])
    current: MeetingPart | None = None
    per_day: dict[dt.date, int] = {}
    for section in sections:
        opens = section.heading is not None and section.level <= level
        if not opens:
            (current.sections if current else notes.context).append(section)
            continue
        heading = section.heading or ""
        date = heading_date(heading)
        where = f"{file_name}: line {section.heading_line}"
        if date is None:
            if section.level == level and current is not None:
                notes.warnings.append(
                    f"{where}: the section '{heading}' has no date; it is kept as context of "
                    "the file, not read as a meeting"
                )
            current = None
            notes.context.append(section)
            continue
        if ambiguous := _AMBIGUOUS.search(heading):
            first, second = int(ambiguous.group(1)), int(ambiguous.group(2))
            if first <= 12 and second <= 12 and first != second:
                notes.warnings.append(
                    f"{where}: the date in '{heading}' could be day-first or month-first; read "
                    f"as {date.isoformat()} (write {date.isoformat()} in the heading to be sure)"
                )
        per_day[date] = per_day.get(date, 0) + 1
        if per_day[date] > 1:
            notes.warnings.append(
                f"{where}: a second meeting on {date.isoformat()} in this file; both are read, "
                f"this one as meeting {per_day[date]} of that day"
            )
        current = MeetingPart(heading, section.heading_line, date, [section], per_day[date])
        notes.meetings.append(current)
    return notes if len(notes.meetings) >= 2 else None


def _meeting_level(sections: list[MarkdownSection]) -> int | None:
    """The heading level whose sections are the meetings, if the file is running notes."""
    levels = sorted({s.level for s in sections if s.heading is not None})
    for level in levels:
        at_level = [s for s in sections if s.heading is not None and s.level == level]
        dated = [s for s in at_level if heading_date(s.heading or "")]
        if len(at_level) == 1 and not dated:
            continue  # the file's title; the meetings, if any, are one level down
        if len(dated) >= 2 and len(dated) * 2 >= len(at_level):
            return level
        return None
    return None
