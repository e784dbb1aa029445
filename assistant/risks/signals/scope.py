"""Scope change: change requests still open, and scope added after the baseline."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.domain.risk import ProposalDraft
from assistant.facts.tickets import done_by, existed_by
from assistant.risks.signals.base import RiskSignal
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.proposals import draft
from assistant.risks.signals.scan import SignalScan


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    """Change requests still open, and scope added after the baseline."""
    kpis = scan.facts.kpis
    open_requests = [
        fact
        for document, ticket in scan.record.tickets()
        if (ticket.type or "").lower() == "change request"
        and existed_by(ticket, scan.period.end)
        and not done_by(ticket, scan.period.end)
        and (fact := scan.ticket_fact(document, ticket))
    ]
    growth = kpis.scope_change_percent or 0.0
    if not open_requests and growth < 10:
        return []
    signal = RiskSignal(
        key="scope:change-requests",
        kind="scope_change",
        category="scope",
        subjects={"scope", *(t.key for t in open_requests)},
        tickets=open_requests,
        details={"open_requests": len(open_requests), "scope_added": kpis.scope_items_added},
    )
    if open_requests and open_requests[0].assignee:
        signal.owner = scan.name_of(open_requests[0].assignee)
        signal.owner_basis = f"assignee of {open_requests[0].key}"
    for ticket in open_requests:
        signal.subjects |= set(re.findall(r"\bCR-\d+\b", ticket.summary))
        signal.facts.append(f"{ticket.key} {ticket.summary}: {ticket.status or 'open'}.")
        scan.cite_ticket(signal, ticket)
    if growth:
        signal.details["scope_percent"] = round(growth)
    return [signal] if signal.evidence else []


def propose(signal: RiskSignal) -> ProposalDraft:
    tickets = signal.tickets
    open_requests = int(signal.details.get("open_requests", 0))
    added = int(signal.details.get("scope_added", 0))
    parts = []
    if tickets:
        parts.append(
            f"{open_requests} change requests are still open ("
            + ", ".join(f"{t.key} {t.summary}" for t in tickets[:4])
            + ")"
        )
    if added:
        parts.append(f"{added} items were added after the baseline")
    return draft(
        signal,
        title=f"Scope growth: {open_requests} open change requests",
        cause="; ".join(parts),
        event="changes add work without moving dates or budget",
        effect="the plan and the budget no longer hold",
        likelihood=4 if open_requests >= 3 else 3,
        impact=3,
        response="mitigate",
        mitigation=[
            "Assess each open change request for cost and schedule before deciding",
            "Defer what go-live does not need to a later phase",
            "Keep a change log with each approved impact",
        ],
        trigger="A change request approved without its impact on date and budget",
        inferred={
            "likelihood": "rule: 3, 4 from three open change requests",
            "impact": "rule: 3 for scope growth",
        },
    )


FAMILY = SignalFamily(kind="scope_change", generic=False, detect=detect, propose=propose)
