"""Vendor and external dependencies: work blocked on an outside party, and minutes that say the
team is waiting on one."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.domain.risk import ProposalDraft
from assistant.facts.tickets import priority_rank
from assistant.grounding import TICKET_KEY
from assistant.risks.signals.base import BLOCKED_DAYS, RiskSignal, slug
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.proposals import draft
from assistant.risks.signals.scan import SignalScan

VENDOR_TROUBLE = re.compile(
    r"\b(?:waiting|no answer|no commitment|no uplift|throttl\w*|rate-limited|limit|escalat\w*|"
    r"missed|delay\w*|late)\b",
    re.IGNORECASE,
)
WAITING_ON = re.compile(
    r"\b(?:waiting|wait|blocked)\s+(?:on|for)\s+([A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)?)"
)


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    """Work blocked on an external party, and minutes that say we are waiting on one."""
    signals: dict[str, RiskSignal] = {}
    for ticket in scan.facts.blocked:
        vendor = ticket.waiting_on
        if not vendor or scan.is_internal(vendor):
            continue
        signal = signals.setdefault(vendor.lower(), _vendor_signal(vendor))
        signal.tickets.append(ticket)
        signal.facts.append(
            f"{ticket.key} {ticket.summary}: {ticket.blocked_text}, waiting on {vendor}."
        )
        scan.cite_ticket(signal, ticket, f"waiting on {vendor}")
        signal.subjects.add(ticket.key)
        signal.details["blocked_days"] = max(
            int(signal.details.get("blocked_days", 0)), ticket.blocked_days or 0
        )
        if ticket.due and (signal.proximity is None or ticket.due < signal.proximity):
            signal.proximity = ticket.due
        if signal.owner is None and ticket.assignee:
            signal.owner = scan.name_of(ticket.assignee)
            signal.owner_basis = f"assignee of the blocked ticket {ticket.key}"
    for line in scan.minutes_lines(scan.period.start):
        for match in WAITING_ON.finditer(line.text):
            vendor = match.group(1).strip().rstrip(".,;:")
            if scan.is_internal(vendor) or vendor.lower() in {"a", "the", "it"}:
                continue
            signals.setdefault(vendor.lower(), _vendor_signal(vendor))
    for key, signal in list(signals.items()):
        name = signal.vendor or key
        for line in scan.minutes_lines(scan.period.start):
            if name.lower() in line.text.lower() and VENDOR_TROUBLE.search(line.text):
                scan.cite_line(signal, line, name)
        for item in signal.evidence:
            signal.subjects |= set(TICKET_KEY.findall(item.excerpt))
        if not signal.tickets and len(signal.evidence) < 2:
            del signals[key]  # one passing mention of waiting is not yet a dependency risk
            continue
        blocked = int(signal.details.get("blocked_days", 0))
        if signal.tickets and blocked < BLOCKED_DAYS and len(signal.evidence) < 2:
            del signals[key]
    return list(signals.values())


def _vendor_signal(vendor: str) -> RiskSignal:
    return RiskSignal(
        key=f"vendor:{slug(vendor)}",
        kind="vendor_dependency",
        category="vendor/external",
        vendor=vendor,
        subjects={vendor.lower()},
    )


def propose(signal: RiskSignal) -> ProposalDraft:
    vendor = signal.vendor or "the vendor"
    days = int(signal.details.get("blocked_days", 0))
    tickets = signal.tickets
    keys = ", ".join(t.key for t in tickets) or "work"
    if tickets:
        first = tickets[0]
        cause = f"{first.key} {first.summary} is {first.blocked_text}, waiting on {vendor}"
        effect = f"{keys} misses its due date and the dates that depend on it move"
        title = (
            f"{vendor} dependency: {keys} blocked for {days} days"
            if days
            else f"{vendor} dependency: {keys} blocked"
        )
    else:
        cause = f"the minutes report waiting on {vendor}"
        effect = f"work that needs {vendor} is delayed"
        title = f"{vendor} dependency"
    likelihood = 4 if days >= 10 else 3 if days >= 5 else 2
    reason = f"rule: blocked {days} days (4 from 10 days, 3 from 5)"
    if not days and any(t.blocked and t.blocked_days is None for t in tickets):
        # A snapshot export (GitHub) says the work is blocked now, not since when.
        likelihood = 3
        reason = "rule: 3, blocked now (the tracker does not say since when)"
    critical = any(priority_rank(t.priority) == 0 for t in tickets)
    return draft(
        signal,
        title=title,
        cause=cause,
        event=f"{vendor} does not unblock the work in time",
        effect=effect,
        likelihood=likelihood,
        impact=4 if critical else 3,
        response="escalate" if days >= 10 else "mitigate",
        mitigation=[
            f"Escalate to {vendor}'s account management and ask for a committed date",
            f"Plan a fallback for {keys} that does not depend on {vendor}",
            "Review the dependency at every status meeting until it is cleared",
        ],
        trigger=f"{keys} still blocked at the next status meeting, or no committed date from "
        f"{vendor}",
        inferred={
            "likelihood": reason,
            "impact": "rule: 4 when the blocked work is Highest priority, else 3",
        },
    )


FAMILY = SignalFamily(kind="vendor_dependency", generic=False, detect=detect, propose=propose)
