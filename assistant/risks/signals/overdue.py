"""Overdue critical work: Highest-priority or severity-1 tickets past their due date."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.domain.risk import ProposalDraft
from assistant.risks.signals.base import RiskSignal, is_critical
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.proposals import generic_proposal
from assistant.risks.signals.scan import SignalScan


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    return [
        scan.ticket_signal(
            ticket,
            "overdue_critical",
            f"{ticket.priority or 'critical'}, overdue by {ticket.days_overdue} days "
            f"(due {ticket.due})",
        )
        for ticket in scan.facts.overdue
        if is_critical(ticket)
    ]


def propose(signal: RiskSignal) -> ProposalDraft:
    return generic_proposal(signal)


FAMILY = SignalFamily(kind="overdue_critical", generic=True, detect=detect, propose=propose)
