"""Open severity-1 defects, as a risk of their own."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.domain.risk import ProposalDraft
from assistant.risks.signals.base import RiskSignal
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.proposals import draft
from assistant.risks.signals.scan import SignalScan


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    """The open severity-1 defects, as one risk of their own."""
    signals = []
    critical = scan.facts.open_critical
    if critical:
        signal = RiskSignal(
            key="quality:severity-1",
            kind="critical_defect",
            category="quality",
            details={"open_sev1": len(critical)},
        )
        for fact in critical:
            when = (
                f"{fact.days_overdue} days past its due date {fact.due}"
                if fact.days_overdue is not None
                else f"due {fact.due}"
            )
            signal.facts.append(f"{fact.key} {fact.summary}: open severity-1, {when}.")
            signal.tickets.append(fact)
            signal.subjects.add(fact.key)
            signal.texts.append(fact.summary)
            scan.cite_ticket(signal, fact)
        lead = critical[0]
        signal.owner, signal.owner_basis = scan.name_of(lead.assignee), f"assignee of {lead.key}"
        signal.proximity = lead.due
        signals.append(signal)
    return signals


def propose(signal: RiskSignal) -> ProposalDraft:
    lead = signal.tickets[0]
    late = lead.days_overdue is not None
    more = f" and {len(signal.tickets) - 1} more" if len(signal.tickets) > 1 else ""
    return draft(
        signal,
        title=f"Open severity-1 defect {lead.key}{more}: {lead.summary}",
        cause="; ".join(fact.rstrip(".") for fact in signal.facts[:3]),
        event="the defect is not fixed before the tests and the release that depend on it",
        effect="testing stops or repeats and the release is held back",
        likelihood=4 if late else 3,
        impact=4,
        response="escalate" if late else "mitigate",
        mitigation=[
            "Agree a fix date and a daily check on the severity-1 defect",
            "Plan the retest and the tests it blocks",
            "Tell the steering committee if the fix date passes",
        ],
        trigger="The fix fails its retest, or its fix date passes",
        inferred={
            "likelihood": "rule: 4 when the severity-1 is past its due date, else 3",
            "impact": "rule: 4 for an open severity-1",
        },
    )


FAMILY = SignalFamily(kind="critical_defect", generic=False, detect=detect, propose=propose)
