"""Ageing blockers: work blocked for longer than a few days (blocks on a vendor are the vendor
family's). A tracker export that does not say since when (a GitHub board's Blocked column) counts
as blocked now: the snapshot is the record's word for it."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.domain.risk import ProposalDraft
from assistant.risks.signals.base import BLOCKED_DAYS, RiskSignal
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.proposals import generic_proposal
from assistant.risks.signals.scan import SignalScan


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    covered = {t.key for s in specific if s.kind == "vendor_dependency" for t in s.tickets}
    return [
        scan.ticket_signal(
            ticket,
            "blocked_ageing",
            ticket.blocked_text,
            {"blocked_days": ticket.blocked_days or 0},
        )
        for ticket in scan.facts.blocked
        if ticket.key not in covered
        and (ticket.blocked_days is None or ticket.blocked_days >= BLOCKED_DAYS)
    ]


def propose(signal: RiskSignal) -> ProposalDraft:
    return generic_proposal(signal)


FAMILY = SignalFamily(kind="blocked_ageing", generic=True, detect=detect, propose=propose)
