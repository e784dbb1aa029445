"""Early-warning signals: one module per family of threat, each with its detector and its offline
proposal rule, listed in `FAMILIES`.

Specific families (vendor, key person, milestone, budget, scope, compliance, defects) each
describe one risk. Generic ones (overdue critical work, ageing blockers, actions, stated
concerns) are folded into the specific risk they are about when they share a subject (a ticket
key, a person, a vendor, a milestone), merged with each other when they say the same thing, and
stand alone otherwise. Adding a family is one module (its `FAMILY`) plus one line in `FAMILIES`.

No text in a source can do more than be evidence: detectors read facts and match words; nothing
they read is followed as an instruction.
"""

from __future__ import annotations

from assistant.domain.errors import PmassistError
from assistant.domain.facts import PeriodFacts
from assistant.facts.record import RecordSnapshot
from assistant.risks.signals import (
    actions,
    availability,
    blockers,
    budget,
    carry_over,
    compliance,
    concerns,
    credentials,
    critical_defect,
    defect_trend,
    funding,
    incidents,
    key_person,
    listed_critical,
    milestone,
    overdue,
    platform_change,
    scope,
    subscriptions,
    tracker_milestone,
    unowned_work,
    vendor,
)
from assistant.risks.signals.base import LOOKBACK_DAYS, MAX_EVIDENCE, RiskSignal, SignalEvidence
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.folding import fold
from assistant.risks.signals.scan import SignalScan

# In the order they run: specific families first, then the generic ones.
FAMILIES: tuple[SignalFamily, ...] = (
    vendor.FAMILY,
    incidents.FAMILY,
    key_person.FAMILY,
    availability.FAMILY,
    milestone.FAMILY,
    budget.FAMILY,
    funding.FAMILY,
    scope.FAMILY,
    compliance.FAMILY,
    credentials.FAMILY,
    subscriptions.FAMILY,
    platform_change.FAMILY,
    critical_defect.FAMILY,
    defect_trend.FAMILY,
    tracker_milestone.FAMILY,
    carry_over.FAMILY,
    unowned_work.FAMILY,
    overdue.FAMILY,
    blockers.FAMILY,
    listed_critical.FAMILY,
    actions.FAMILY,
    concerns.FAMILY,
)


def detect_signals(facts: PeriodFacts, record: RecordSnapshot) -> list[RiskSignal]:
    """Every family's signals for the period, generic ones folded into the specific ones."""
    scan = SignalScan(facts, record)
    specific: list[RiskSignal] = []
    for family in FAMILIES:
        if not family.generic:
            specific += family.detect(scan, specific)
    generic: list[RiskSignal] = []
    for family in FAMILIES:
        if family.generic:
            generic += family.detect(scan, specific)
    signals = specific + fold(scan, specific, generic)
    for signal in signals:
        signal.as_of = facts.period.end
    return signals


def family_of(signal: RiskSignal) -> SignalFamily:
    """The family that found a signal (its kind names it)."""
    for family in FAMILIES:
        if family.kind == signal.kind:
            return family
    raise PmassistError(f"No signal family is registered for the kind '{signal.kind}'.")


__all__ = [
    "FAMILIES",
    "LOOKBACK_DAYS",
    "MAX_EVIDENCE",
    "RiskSignal",
    "SignalEvidence",
    "SignalFamily",
    "detect_signals",
    "family_of",
]
