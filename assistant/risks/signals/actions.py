"""Actions needing follow-up: actions past due or without an owner."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.domain.risk import ProposalDraft
from assistant.risks.signals.base import RiskSignal, text_key
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.proposals import generic_proposal
from assistant.risks.signals.scan import SignalScan
from assistant.risks.signals.vocabulary import classify


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    signals = []
    for action in scan.facts.action_items:
        if action.state == "done" or (action.owner and action.state != "overdue"):
            continue
        problem = "has no owner" if action.owner is None else f"is past due ({action.due})"
        signal = RiskSignal(
            key=f"action:{text_key(action.task)}",
            kind="action_follow_up",
            category=classify(action.task, default="schedule"),
            subjects=scan.subjects_of(action.task),
            actions=[action],
            texts=[action.task],
            proximity=action.due,
            owner=action.owner,
            owner_basis="owner of the action" if action.owner else None,
        )
        signal.facts.append(f"Action '{action.task}' {problem}.")
        for chunk_id in action.sources:
            scan.cite_chunk(signal, chunk_id, action.task)
        signals.append(signal)
    return signals


def propose(signal: RiskSignal) -> ProposalDraft:
    return generic_proposal(signal)


FAMILY = SignalFamily(kind="action_follow_up", generic=True, detect=detect, propose=propose)
