"""The rules' view of the overall status, from explicit rules over the period's facts.

Red when any of:
  R1  an open severity-1 defect is past its due date;
  R2  a milestone slipped again in this period (its second or later slip) by more than a week;
  R3  the stated forecast at completion is more than 10% over the approved budget.
Amber when any of:
  A1  a severity-1 defect is open;
  A2  a milestone not yet achieved is forecast later than its baseline, or its date is under review;
  A3  the stated forecast at completion is more than 5% over the approved budget;
  A4  work has been blocked for more than 3 days;
  A5  highest-priority or severity-1/2 work is overdue by more than 7 days.
Green when none fires and the record holds something to judge by (tickets, milestones or a
budget line); "not assessed" when it holds none of them.

The status a meeting states is the team's own judgement, not a rule: `status_judgement` proposes
it and sets these rules beside it (a challenge when they find worse).
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.domain.facts import MilestoneFact, PeriodFacts, TicketFact
from assistant.domain.report import STATUS_ORDER, OverallStatus, StatusColour

BUDGET_RED_PERCENT = 10.0
BUDGET_AMBER_PERCENT = 5.0
BLOCKED_DAYS = 3
OVERDUE_DAYS = 7
SLIP_DAYS = 7


@dataclass
class FiredRule:
    rule: str
    colour: StatusColour
    text: str
    sources: list[str]


def rules_status(facts: PeriodFacts) -> tuple[OverallStatus, list[FiredRule]]:
    """The worst colour the rules find, with every rule that fired; "not_assessed" when no rule
    fires and the record holds nothing the rules read (no tickets, milestones or budget)."""
    fired = _red(facts) + _amber(facts)
    if not fired and not has_signals(facts):
        return "not_assessed", []
    colour: StatusColour = "green"
    for rule in fired:
        if STATUS_ORDER[rule.colour] > STATUS_ORDER[colour]:
            colour = rule.colour
    return colour, fired


def has_signals(facts: PeriodFacts) -> bool:
    """Whether the record holds anything the rules judge by."""
    return bool(facts.kpis.tickets_considered or facts.milestones or facts.budget)


def _red(facts: PeriodFacts) -> list[FiredRule]:
    fired = []
    for ticket in facts.open_critical:
        if ticket.days_overdue is not None:
            fired.append(
                FiredRule(
                    "R1",
                    "red",
                    f'Severity-1 {ticket.key} "{ticket.summary}" is open and '
                    f"{_days(ticket.days_overdue)} past its due date {ticket.due}.",
                    ticket.sources,
                )
            )
    for milestone in facts.milestones:
        if _repeated_slip(milestone):
            fired.append(
                FiredRule(
                    "R2",
                    "red",
                    f"{milestone.id} {milestone.name} slipped again this period, to "
                    f"{milestone.current} (baseline {milestone.baseline}); "
                    f"{milestone.slips} slips in all.",
                    milestone.sources,
                )
            )
    budget = facts.budget
    if (
        budget
        and budget.variance_percent is not None
        and budget.variance_percent > BUDGET_RED_PERCENT
    ):
        fired.append(FiredRule("R3", "red", _budget_text(facts), budget.sources))
    return fired


def _amber(facts: PeriodFacts) -> list[FiredRule]:
    fired = []
    for ticket in facts.open_critical:
        if ticket.days_overdue is None:
            fired.append(
                FiredRule(
                    "A1",
                    "amber",
                    f'Severity-1 {ticket.key} "{ticket.summary}" is open (due {ticket.due}).',
                    ticket.sources,
                )
            )
    for milestone in facts.milestones:
        if milestone.achieved:
            continue
        if milestone.under_review:
            fired.append(
                FiredRule(
                    "A2",
                    "amber",
                    f"{milestone.id} {milestone.name}: the date is under review "
                    f"(baseline {milestone.baseline}).",
                    milestone.sources,
                )
            )
        elif milestone.baseline and milestone.current and milestone.current > milestone.baseline:
            if _repeated_slip(milestone):
                continue  # already Red under R2
            fired.append(
                FiredRule(
                    "A2",
                    "amber",
                    f"{milestone.id} {milestone.name} is forecast for {milestone.current}, "
                    f"{_days(milestone.days_late or 0)} after its baseline {milestone.baseline}.",
                    milestone.sources,
                )
            )
    budget = facts.budget
    if (
        budget
        and budget.variance_percent is not None
        and BUDGET_AMBER_PERCENT < budget.variance_percent <= BUDGET_RED_PERCENT
    ):
        fired.append(FiredRule("A3", "amber", _budget_text(facts), budget.sources))
    for ticket in facts.blocked:
        if (ticket.blocked_days or 0) > BLOCKED_DAYS:
            waiting = f", waiting on {ticket.waiting_on}" if ticket.waiting_on else ""
            fired.append(
                FiredRule(
                    "A4",
                    "amber",
                    f'{ticket.key} "{ticket.summary}" has been blocked since '
                    f"{ticket.blocked_since} ({_days(ticket.blocked_days or 0)}{waiting}).",
                    ticket.sources,
                )
            )
    late = [t for t in facts.overdue if _urgent(t) and (t.days_overdue or 0) > OVERDUE_DAYS]
    if late:
        keys = ", ".join(t.key for t in late[:5])
        more = f" and {len(late) - 5} more" if len(late) > 5 else ""
        fired.append(
            FiredRule(
                "A5",
                "amber",
                f"{len(late)} urgent item{'s' if len(late) != 1 else ''} overdue by more than "
                f"{OVERDUE_DAYS} days: {keys}{more}.",
                [source for t in late[:5] for source in t.sources],
            )
        )
    return fired


def _repeated_slip(milestone: MilestoneFact) -> bool:
    return (
        milestone.slipped_in_period
        and milestone.slips >= 2
        and milestone.slip_days_in_period > SLIP_DAYS
        and not milestone.achieved
    )


def _urgent(ticket: TicketFact) -> bool:
    if ticket.severity_level is not None:
        return ticket.severity_level <= 2
    return (ticket.priority or "").lower() in {"highest", "blocker", "critical"}


def _budget_text(facts: PeriodFacts) -> str:
    budget = facts.budget
    assert budget is not None
    assert budget.forecast_at_completion is not None
    return (
        f"Forecast at completion {money(budget.currency, budget.forecast_at_completion)} is "
        f"{budget.variance_percent:.0f}% over the {money('', budget.approved)} approved "
        f"(stated {budget.stated_on})."
    )


def money(currency: str, amount: float) -> str:
    """`USD 468k` as minutes write it; without a currency for the second amount of a pair
    (`USD 468k of 600k approved`)."""
    prefix = f"{currency} " if currency else ""
    if amount >= 1_000_000 and amount % 10_000 == 0:
        return f"{prefix}{amount / 1_000_000:g}m"
    if amount >= 1_000 and amount % 1_000 == 0:
        return f"{prefix}{amount / 1_000:g}k"
    return f"{prefix}{amount:,.0f}"


def _days(days: int) -> str:
    return f"{days} day{'s' if days != 1 else ''}"
