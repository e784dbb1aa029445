"""Budget variance: the stated forecast at completion is over the approved budget."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.domain.risk import ProposalDraft
from assistant.risks.signals.base import RiskSignal
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.proposals import draft
from assistant.risks.signals.scan import SignalScan


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    budget = scan.facts.budget
    if budget is None or budget.variance_percent is None or budget.variance_percent <= 0:
        return []
    signal = RiskSignal(
        key="budget:forecast",
        kind="budget_variance",
        category="budget",
        subjects={"budget"},
        details={"variance_percent": round(budget.variance_percent, 1)},
    )
    signal.facts.append(budget.text)
    for chunk_id in budget.sources:
        scan.cite_chunk(signal, chunk_id, "forecast at completion")
    named = scan.people_in(budget.text)
    if named:
        signal.owner, signal.owner_basis = named[0], "named in the budget line"
    return [signal]


def propose(signal: RiskSignal) -> ProposalDraft:
    variance = float(signal.details.get("variance_percent", 0))
    stated = signal.facts[0] if signal.facts else ""
    forecast = re.search(r"forecast at completion (\w{3} [\d.,]+[km]?)", stated)
    approved = re.search(r"of (\w{3} )?([\d.,]+[km]?) approved", stated)
    level = 5 if variance >= 10 else 4 if variance >= 5 else 3
    cause = (
        f"the forecast at completion is {forecast.group(1)}"
        + (f" against {approved.group(2)} approved" if approved else "")
        + f" ({variance:.0f}% over)"
        if forecast
        else f"the forecast is {variance:.0f}% over the approved budget"
    )
    return draft(
        signal,
        title=f"Budget overrun: forecast {variance:.0f}% over the approved budget",
        cause=cause,
        event="costs keep rising past the approved budget",
        effect="the project needs more funding or must cut scope",
        likelihood=level,
        impact=level,
        response="escalate" if variance >= 5 else "mitigate",
        mitigation=[
            "Take the variance to the sponsor with options: funding, scope or date",
            "Review the forecast drivers at every status meeting",
            "Hold new scope until its cost is approved",
        ],
        trigger="The forecast variance grows, or a new cost is not in the forecast",
        inferred={
            "likelihood": "rule: 5 from 10% over, 4 from 5%, else 3",
            "impact": "rule: as likelihood",
        },
    )


FAMILY = SignalFamily(kind="budget_variance", generic=False, detect=detect, propose=propose)
