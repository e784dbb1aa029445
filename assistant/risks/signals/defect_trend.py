"""The defect trend: reopened defects and overdue severity-2 defects."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.domain.facts import TicketFact
from assistant.domain.risk import ProposalDraft
from assistant.facts.tickets import done_by, existed_by, is_defect
from assistant.risks.signals.base import LOOKBACK_DAYS, RiskSignal
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.proposals import draft
from assistant.risks.signals.scan import SignalScan

REOPENED = re.compile(r"\breopen(?:ed|s)?\b", re.IGNORECASE)


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    """Reopened defects and overdue severity-2 ones (severity-1 defects are a risk of their
    own)."""
    end = scan.period.end
    reopened: list[TicketFact] = []
    overdue_major: list[TicketFact] = []
    for document, ticket in scan.record.tickets():
        if not is_defect(ticket) or not existed_by(ticket, end) or done_by(ticket, end):
            continue
        fact = scan.ticket_fact(document, ticket)
        if fact.severity_level == 1:
            continue
        recent = [
            c
            for c in ticket.comments
            if c.created
            and c.created.date() <= end
            and (end - c.created.date()).days <= LOOKBACK_DAYS
        ]
        if (ticket.status or "").lower() == "reopened" or any(
            REOPENED.search(c.body) for c in recent
        ):
            reopened.append(fact)
        elif fact.severity_level == 2 and fact.days_overdue is not None:
            overdue_major.append(fact)
    if not reopened and len(overdue_major) < 2:
        return []
    signal = RiskSignal(
        key="quality:defects",
        kind="defect_trend",
        category="quality",
        details={"reopened": len(reopened), "overdue_sev2": len(overdue_major)},
    )
    for fact in reopened:
        signal.facts.append(f"{fact.key} {fact.summary}: reopened.")
    for fact in overdue_major:
        signal.facts.append(
            f"{fact.key} {fact.summary}: severity-2, overdue by {fact.days_overdue} days."
        )
    for fact in [*reopened, *overdue_major]:
        signal.tickets.append(fact)
        signal.subjects.add(fact.key)
        scan.cite_ticket(signal, fact, "reopened" if fact in reopened else None)
    lead = (reopened or overdue_major)[0]
    signal.owner, signal.owner_basis = scan.name_of(lead.assignee), f"assignee of {lead.key}"
    return [signal]


def propose(signal: RiskSignal) -> ProposalDraft:
    critical = int(signal.details.get("open_sev1", 0))
    reopened = int(signal.details.get("reopened", 0))
    overdue = int(signal.details.get("overdue_sev2", 0))
    counts = [
        f"{critical} open severity-1" if critical else "",
        f"{reopened} reopened" if reopened else "",
        f"{overdue} severity-2 overdue" if overdue else "",
    ]
    return draft(
        signal,
        title="Defect trend: " + ", ".join(c for c in counts if c),
        cause="; ".join(fact.rstrip(".") for fact in signal.facts[:4]),
        event="defects are not fixed, or come back, before testing and go-live",
        effect="test cycles repeat and the quality needed for go-live is not reached",
        likelihood=4 if critical else 3 + int(overdue >= 3 and reopened > 0),
        impact=4 if critical else 3,
        response="mitigate",
        mitigation=[
            "Find the root cause of reopened defects before closing them again",
            "Agree a fix date for every overdue severity-1 and severity-2 defect",
            "Track open defects by severity at every status meeting",
        ],
        trigger="Another defect reopened, or the count of open severity-2 defects rises",
        inferred={
            "likelihood": "rule: 4 with an open severity-1; else 3, +1 for reopened work "
            "with three or more severity-2 overdue",
            "impact": "rule: 4 with an open severity-1, else 3",
        },
    )


FAMILY = SignalFamily(kind="defect_trend", generic=False, detect=detect, propose=propose)
