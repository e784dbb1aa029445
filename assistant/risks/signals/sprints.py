"""The tracker's sprints (iterations) in order: which one is current, which one came before it.

Exports rarely carry sprint dates (a Jira CSV names the sprints, a Projects export keeps only
the item's latest iteration), but teams number them: "Sprint 5" comes before "Sprint 6", "PI3.2"
before "PI3.3". Sprints whose names carry no number are not ordered, and nothing is inferred."""

from __future__ import annotations

import datetime as dt
import re

from assistant.domain.record import StatusCategory, Ticket
from assistant.facts.tickets import done_by, existed_by
from assistant.risks.signals.scan import SignalScan

NUMBERS = re.compile(r"\d+")


def sprint_order(name: str) -> tuple[str, tuple[int, ...]] | None:
    """('sprint', (6,)) for 'Sprint 6': the name without its numbers, and the numbers."""
    numbers = tuple(int(n) for n in NUMBERS.findall(name))
    if not numbers:
        return None
    return NUMBERS.sub("#", name.lower()).strip(), numbers


def ordered_sprints(scan: SignalScan) -> list[str]:
    """The record's sprints oldest first, those of the most used naming scheme only."""
    names = {t.sprint for _, t in scan.record.tickets() if t.sprint}
    for _, ticket in scan.record.tickets():
        names |= set(ticket.sprints)
    keyed = {name: key for name in names if (key := sprint_order(name))}
    if not keyed:
        return []
    schemes: dict[str, int] = {}
    for scheme, _ in keyed.values():
        schemes[scheme] = schemes.get(scheme, 0) + 1
    scheme = max(schemes, key=lambda s: schemes[s])
    return sorted((n for n, k in keyed.items() if k[0] == scheme), key=lambda n: keyed[n][1])


def started_sprints(scan: SignalScan) -> list[str]:
    """The sprints under way or over, oldest first: those with an item begun or done. A
    sprint planned ahead (every item still to do) has not started."""
    end = scan.period.end
    begun = {
        ticket.sprint
        for _, ticket in scan.record.tickets()
        if ticket.sprint and existed_by(ticket, end) and _begun_by(ticket, end)
    }
    return [name for name in ordered_sprints(scan) if name in begun]


def _begun_by(ticket: Ticket, end: dt.date) -> bool:
    """Done by the day, or under way since before it (an export without dates is the state of
    the day it was taken)."""
    if done_by(ticket, end):
        return True
    if ticket.status_category == StatusCategory.TODO:
        return False
    changed = ticket.status_category_changed or ticket.updated
    return changed is None or changed.date() <= end


def current_sprint(scan: SignalScan) -> str | None:
    """The newest sprint that has started."""
    sprints = started_sprints(scan)
    return sprints[-1] if sprints else None


def previous_sprint(scan: SignalScan) -> str | None:
    """The sprint before the current one."""
    sprints = started_sprints(scan)
    return sprints[-2] if len(sprints) >= 2 else None
