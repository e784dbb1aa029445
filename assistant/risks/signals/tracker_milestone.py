"""Tracker milestones late or close with work open: the tickets of one milestone (a GitHub
milestone, a fix version, written as "Milestone: …" in the ticket) past its date and not done,
or due within two weeks with much of it still open. A milestone that is a sprint is not one.

One overdue ticket of ordinary priority is not a register risk; a milestone whose date passed
with a third of its work open is. Critical tickets past their date are the overdue family's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.domain.facts import TicketFact
from assistant.domain.record import Document, Ticket
from assistant.domain.risk import ProposalDraft
from assistant.facts.tickets import done_by, existed_by
from assistant.risks.signals.assessment import BROAD, Score
from assistant.risks.signals.base import RiskSignal, is_critical, slug
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.proposals import draft
from assistant.risks.signals.scan import SignalScan

MILESTONE_LINE = re.compile(r"^(?:milestone|fix ?versions?|release)s?:\s*(.+)$", re.I | re.M)
SPRINT = re.compile(r"\b(?:sprint|iteration)\b", re.IGNORECASE)
MIN_OPEN = 3  # open items a milestone needs before its lateness is a risk
SOON_DAYS = 14
SOON_SHARE = 0.3  # share of a milestone still open two weeks out that makes it a risk
MAX_CITED = 6


@dataclass
class TrackerMilestone:
    name: str | None
    due: dt.date
    items: list[tuple[Document, Ticket]] = field(default_factory=list)


def milestone_of(ticket: Ticket) -> str | None:
    match = MILESTONE_LINE.search(ticket.description)
    return match.group(1).strip() if match else None


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    """Milestones (or due dates shared by several tickets) past, or due within two weeks, with
    enough of their tickets open."""
    end = scan.period.end
    groups: dict[tuple[str | None, dt.date], TrackerMilestone] = {}
    for document, ticket in scan.record.tickets():
        if (ticket.type or "").lower() == "epic" or ticket.due is None:
            continue
        if not existed_by(ticket, end):
            continue
        name = milestone_of(ticket)
        if name is None or SPRINT.search(name) or name == ticket.sprint:
            continue  # a sprint ending with work open is carry-over, read by the report
        group = groups.setdefault((name, ticket.due), TrackerMilestone(name, ticket.due))
        group.items.append((document, ticket))
    signals: list[RiskSignal] = []
    late: list[RiskSignal] = []
    for group in sorted(groups.values(), key=lambda g: g.due):
        open_items = [(d, t) for d, t in group.items if not done_by(t, end)]
        if len(open_items) < MIN_OPEN:
            continue
        share = len(open_items) / len(group.items)
        soon = end <= group.due <= end + dt.timedelta(days=SOON_DAYS) and share >= SOON_SHARE
        if group.due < end or soon:
            found = _signal(scan, group, [scan.ticket_fact(d, t) for d, t in open_items])
            (late if group.due < end else signals).append(found)
    # Milestones already past are one risk for the register (the plan is behind), each
    # milestone a line of it; one still ahead is a risk of its own.
    if len(late) > 1:
        _join_late(late)
    return late[:1] + signals


def _join_late(late: list[RiskSignal]) -> None:
    first = late[0]
    parts = []
    for signal in late:
        details = signal.details
        parts.append(f"{details['label']} ({details['open']} of {details['items']} open)")
        if signal is first:
            continue
        first.facts += signal.facts
        first.subjects |= signal.subjects
        first.texts += signal.texts
        first.tickets += [t for t in signal.tickets if t not in first.tickets]
        for item in signal.evidence:
            first.add_evidence(item)
    first.key = "tracker_milestone:past-due"
    first.details["joined"] = f"{len(late)} milestones past due with work open: " + "; ".join(parts)


def _signal(scan: SignalScan, group: TrackerMilestone, open_items: list[TicketFact]) -> RiskSignal:
    label = group.name or f"Work due {group.due}"
    signal = RiskSignal(
        key=f"tracker_milestone:{slug(group.name or group.due.isoformat())}",
        kind="tracker_milestone",
        category="schedule",
        subjects={t.key for t in open_items} | ({group.name.lower()} if group.name else set()),
        tickets=open_items,
        texts=[label],
        proximity=group.due,
        details={
            "label": label,
            "open": len(open_items),
            "items": len(group.items),
            "late": int(group.due < scan.period.end),
        },
    )
    keys = ", ".join(t.key for t in open_items[:MAX_CITED])
    more = f" and {len(open_items) - MAX_CITED} more" if len(open_items) > MAX_CITED else ""
    signal.facts.append(
        f"{len(open_items)} of the {len(group.items)} items of {label} (due {group.due}) are "
        f"not done: {keys}{more}."
    )
    ordered = sorted(open_items, key=lambda t: (not is_critical(t), not t.blocked, t.key))
    for ticket in ordered[:MAX_CITED]:
        scan.cite_ticket(signal, ticket)
    owners = [t.assignee for t in ordered if t.assignee]
    if owners:
        signal.owner = scan.name_of(owners[0])
        signal.owner_basis = f"assignee of {ordered[0].key}"
    return signal


def propose(signal: RiskSignal) -> ProposalDraft:
    details = signal.details
    label, due = str(details["label"]), signal.proximity
    still_open, items = int(details["open"]), int(details["items"])
    share = still_open / items if items else 1.0
    late = bool(details.get("late"))
    days = (signal.today - due).days if due else 0
    chance = Score(4, "its date has passed with work open") if late else Score(3, "due soon")
    if share >= 0.5:
        chance.add(1, f"{still_open} of {items} items still open")
    if not late and due and (due - signal.today).days <= 7:
        chance.add(1, f"due within 7 days ({due})")
    harm = Score(3, "the work that waits for the milestone moves")
    if found := BROAD.search(label):
        harm.add(1, f"the milestone is a '{found.group(0)}'")
    if any(is_critical(t) or t.blocked for t in signal.tickets):
        harm.add(1, "critical or blocked items among the open ones")
    if "joined" in details:
        title = str(details["joined"])
    elif late:
        title = f"{label}: {still_open} of {items} items open, {days} days past {due}"
    else:
        title = f"{label} due {due}: {still_open} of {items} items still open"
    return draft(
        signal,
        title=title[:160],
        cause=" ".join(signal.facts[:3]).rstrip("."),
        event="the milestone is not met and the work after it starts late",
        effect="the dates that depend on the milestone slip",
        likelihood=chance.value,
        impact=harm.value,
        response="mitigate",
        mitigation=[
            "Re-plan the open items with their owners and agree a new date",
            "Cut or defer what the milestone can do without",
            "Tell those who depend on the milestone of the new date",
        ],
        trigger="Open items of the milestone not falling by the next status meeting",
        inferred={"likelihood": chance.reason(), "impact": harm.reason()},
    )


FAMILY = SignalFamily(kind="tracker_milestone", generic=False, detect=detect, propose=propose)
