"""A family of risk signals: one kind of threat a PM watches, its detector, and the offline rule
that turns each of its signals into a proposal. The detector and its rule sit side by side in
the family's module, and a family cannot be made without both."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.domain.risk import ProposalDraft
from assistant.risks.signals.base import RiskSignal
from assistant.risks.signals.scan import SignalScan

# A detector reads the period (`scan`) and, for a generic family, the specific signals found so
# far (a blocker already counted as a vendor's is not counted again).
Detector = Callable[[SignalScan, Sequence[RiskSignal]], list[RiskSignal]]
ProposalRule = Callable[[RiskSignal], ProposalDraft]


@dataclass(frozen=True)
class SignalFamily:
    kind: str  # the `kind` of every signal it finds, e.g. "vendor_dependency"
    # Generic signals (overdue work, blockers, actions, stated concerns) are folded into the
    # specific risk they share a subject with; specific ones each describe a risk of their own.
    generic: bool
    detect: Detector
    propose: ProposalRule
