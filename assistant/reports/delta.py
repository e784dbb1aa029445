"""What changed since the previous report: status, blockers opened and cleared, slipped dates."""

from __future__ import annotations

import re

from assistant.domain.report import (
    MilestoneLine,
    ReportDelta,
    ReportLine,
    StatusReport,
    status_label,
)
from assistant.reports.sections import blockers, milestones

# The sections a delta compares, by key.
BLOCKERS = blockers.SECTION.key
MILESTONES = milestones.SECTION.key
BLOCKING = re.compile(r"blocked since|blocked \(|open severity-1")
_KEY = re.compile(r"^([A-Z][A-Z0-9]{1,9}-\d+)\b")


def report_delta(current: StatusReport, previous: StatusReport, compared_with: str) -> ReportDelta:
    delta = ReportDelta(compared_with=compared_with, previous_status=previous.overall_status)
    if previous.overall_status != current.overall_status:
        delta.status_changed = True
        reason = current.status_reasons[0]
        delta.status_change = ReportLine(
            text=f"Status {status_label(previous.overall_status).capitalize()} → "
            f"{status_label(current.overall_status).capitalize()}: {reason.text}",
            citations=reason.citations,
        )
    before = _blocker_keys(previous)
    now = _blocker_keys(current)
    delta.new_blockers = [line for key, line in now.items() if key not in before]
    delta.closed_blockers = [
        ReportLine(text=f"No longer blocking: {line.text}")
        for key, line in before.items()
        if key not in now
    ]
    earlier = {m.id: m for m in _milestones(previous)}
    for milestone in _milestones(current):
        old = earlier.get(milestone.id)
        if old is None:
            continue
        if old.current and milestone.current and milestone.current > old.current:
            delta.slipped_dates.append(
                ReportLine(
                    text=f"{milestone.id} {milestone.name} moved from {old.current} to "
                    f"{milestone.current}.",
                    citations=milestone.citations,
                )
            )
        elif milestone.state == "under review" and old.state != "under review":
            delta.slipped_dates.append(
                ReportLine(
                    text=f"{milestone.id} {milestone.name}: the date ({old.current}) is now under "
                    "review.",
                    citations=milestone.citations,
                )
            )
    return delta


def _blocker_keys(report: StatusReport) -> dict[str, ReportLine]:
    found: dict[str, ReportLine] = {}
    for line in report.section(BLOCKERS):
        if not line.citations or not BLOCKING.search(line.text):
            continue  # overdue work is listed, but only blocked and severity-1 items block
        match = _KEY.match(line.text)
        key = match.group(1) if match else line.text
        found.setdefault(key, line)
    return found


def _milestones(report: StatusReport) -> list[MilestoneLine]:
    return [line for line in report.section(MILESTONES) if isinstance(line, MilestoneLine)]
