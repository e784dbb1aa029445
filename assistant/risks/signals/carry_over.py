"""Sprint carry-over: when the next sprint has begun, the items of the one before that are not
done move with it. A few is normal; a quarter or more of a sprint's items spilling over says
the plan holds more than the team delivers, and the dates built on it slip."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.domain.risk import ProposalDraft
from assistant.facts.tickets import done_by
from assistant.risks.signals.assessment import Score
from assistant.risks.signals.base import RiskSignal, is_critical, slug
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.proposals import draft
from assistant.risks.signals.scan import SignalScan
from assistant.risks.signals.sprints import current_sprint, previous_sprint

MIN_CARRIED = 3
MIN_SHARE = 0.25
MAX_CITED = 6


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    """Open items of the sprint before the current one."""
    current, previous = current_sprint(scan), previous_sprint(scan)
    if current is None or previous is None:
        return []
    end = scan.period.end
    items = [(d, t) for d, t in scan.record.tickets() if t.sprint == previous]
    carried = [scan.ticket_fact(d, t) for d, t in items if not done_by(t, end)]
    if len(carried) < MIN_CARRIED or len(carried) / len(items) < MIN_SHARE:
        return []
    states: dict[str, int] = {}
    for ticket in carried:
        state = ticket.status or "no status"
        states[state] = states.get(state, 0) + 1
    by_state = ", ".join(f"{n} {state}" for state, n in sorted(states.items(), key=lambda s: -s[1]))
    signal = RiskSignal(
        key=f"carry_over:{slug(previous)}",
        kind="sprint_carry_over",
        category="schedule",
        subjects={f"carry-over:{slug(previous)}"},
        tickets=carried,
        texts=[previous],
        details={"carried": len(carried), "items": len(items), "current": current},
    )
    signal.headline = (
        f"{len(carried)} of {previous}'s {len(items)} items not done as {current} starts"
    )
    signal.facts.append(f"{signal.headline} ({by_state}); they are carried over.")
    ordered = sorted(carried, key=lambda t: (not is_critical(t), not t.blocked, t.key))
    for ticket in ordered[:MAX_CITED]:
        scan.cite_ticket(signal, ticket)
    return [signal]


def propose(signal: RiskSignal) -> ProposalDraft:
    carried, items = int(signal.details["carried"]), int(signal.details["items"])
    chance = Score(3, "carried-over work crowds the next sprint")
    if carried / items >= 0.4:
        chance.add(1, f"{carried} of {items} items carried over")
    harm = Score(3, "the sprint's goals and the dates after them move")
    if any(t.blocked for t in signal.tickets):
        harm.add(1, "blocked items among the carried ones")
    return draft(
        signal,
        title=f"Sprint carry-over: {signal.headline}"[:160],
        cause=signal.facts[0].rstrip("."),
        event="the team keeps committing to more than a sprint delivers",
        effect="the milestones planned on the sprint velocity slip",
        likelihood=chance.value,
        impact=harm.value,
        response="mitigate",
        mitigation=[
            "Re-plan the new sprint with the carried items counted in, and drop what does not fit",
            "Look at why the items did not finish (blocked, too big, unplanned work) at the retro",
        ],
        trigger="A second sprint in a row carrying over a quarter of its items",
        inferred={"likelihood": chance.reason(), "impact": harm.reason()},
    )


FAMILY = SignalFamily(kind="sprint_carry_over", generic=False, detect=detect, propose=propose)
