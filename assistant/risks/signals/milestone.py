"""Milestone slips: a milestone not yet achieved that slipped more than once, or whose date is
under review."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.domain.risk import ProposalDraft
from assistant.facts.tickets import priority_rank
from assistant.risks.signals.base import RiskSignal, milestone_phrases
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.proposals import draft
from assistant.risks.signals.scan import SignalScan

MILESTONE_SLIPS = 2  # "slipped more than once"


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    """Milestones not yet achieved that slipped more than once, or whose date is under
    review."""
    signals = []
    for milestone in scan.facts.milestones:
        if milestone.achieved:
            continue
        if milestone.slips < MILESTONE_SLIPS and not milestone.under_review:
            continue
        signal = RiskSignal(
            key=f"milestone:{milestone.id.lower()}",
            kind="milestone_slip",
            category="schedule",
            milestone=milestone,
            subjects={milestone.id, *milestone_phrases(milestone.name)},
            proximity=milestone.current or milestone.baseline,
        )
        if milestone.under_review:
            signal.facts.append(
                f"{milestone.id} {milestone.name}: date under review (baseline "
                f"{milestone.baseline})."
            )
        else:
            signal.facts.append(
                f"{milestone.id} {milestone.name}: forecast {milestone.current}, baseline "
                f"{milestone.baseline}, slipped {milestone.slips} times."
            )
        for chunk_id in milestone.sources:
            scan.cite_chunk(signal, chunk_id, f"{milestone.id} {milestone.name}")
        owners = [
            t
            for t in scan.open_tickets()
            if re.search(rf"\b{re.escape(milestone.id)}\b", f"{t[1].summary} {t[1].description}")
        ]
        if owners:
            document, ticket = min(owners, key=lambda pair: priority_rank(pair[1].priority))
            signal.owner = scan.name_of(ticket.assignee)
            signal.owner_basis = f"assignee of {ticket.key}, which names {milestone.id}"
            scan.cite_ticket(signal, scan.ticket_fact(document, ticket), milestone.id)
        signals.append(signal)
    return signals


def propose(signal: RiskSignal) -> ProposalDraft:
    milestone = signal.milestone
    assert milestone is not None
    label = f"{milestone.id} {milestone.name}"
    final = "go-live" in milestone.name.lower() or "go live" in milestone.name.lower()
    if milestone.under_review:
        decider = str(signal.details.get("decider") or "") or None
        proposal = draft(
            signal,
            owner=decider or signal.owner,
            title=f"{label} date under review",
            cause=f"the {label} date (baseline {milestone.baseline}) is under review",
            event="the date moves later than the baseline",
            effect="plans, budget and commitments tied to the baseline date have to change",
            likelihood=4,
            impact=5 if final else 4,
            response="escalate",
            mitigation=[
                "Get the decision on the date from the sponsor and record it",
                "Cost each option before the decision",
                "Tell the teams and stakeholders who depend on the date as soon as it is set",
            ],
            trigger="No decision on the date by the day the sponsor set",
            inferred={
                "likelihood": "rule: 4 for a date under review",
                "impact": "rule: 5 for go-live, else 4",
            },
        )
        if decider:
            proposal.inferred["owner"] = "suggested: named as the one to decide"
        return proposal
    return draft(
        signal,
        title=f"{label} keeps slipping ({milestone.slips} slips)",
        cause=f"{label} has moved {milestone.slips} times, from its baseline {milestone.baseline} "
        f"to {milestone.current}",
        event="it slips again",
        effect="the milestones after it and the go-live date move",
        likelihood=5 if milestone.slips >= 3 else 4,
        impact=5 if final else 4,
        response="mitigate",
        mitigation=[
            "List the conditions the new date rests on and check them weekly",
            "Re-plan the dependent milestones with contingency",
            "Take the choice between scope and date to the steering committee if it moves again",
        ],
        trigger=f"Any condition for {milestone.current} not met a week before the date",
        inferred={
            "likelihood": "rule: 4 after two slips, 5 after three or more",
            "impact": "rule: 5 for go-live, else 4",
        },
    )


FAMILY = SignalFamily(kind="milestone_slip", generic=False, detect=detect, propose=propose)
