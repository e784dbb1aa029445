"""From the facts of a period to the cited lines of a status report.

Every line here is composed by code from facts, so its numbers, keys, owners and dates are the
record's. The executive summary is the only prose: written by a model when one is configured,
otherwise by `offline_summary` below from the same lines.
"""

from __future__ import annotations

from assistant.facts.model import ActionItemFact, MilestoneFact, PeriodFacts, TicketFact
from assistant.reports.schema import (
    MilestoneLine,
    ReportLine,
    RiskLine,
    StatusColour,
    StatusReason,
)
from assistant.reports.sources import SourceBook
from assistant.reports.status_rules import FiredRule, money
from assistant.risks.schema import RiskEntry

LIST_LIMIT = 8


class ReportSections:
    """The sections of a report, each line cited through one shared `SourceBook`."""

    def __init__(self, facts: PeriodFacts, book: SourceBook) -> None:
        self.facts = facts
        self.book = book

    def line(self, text: str, sources: list[str]) -> ReportLine:
        return ReportLine(text=text, citations=self.book.cite(sources))

    def status_reasons(self, colour: StatusColour, fired: list[FiredRule]) -> list[StatusReason]:
        if not fired:
            return [
                StatusReason(
                    text="No Amber or Red rule applies to this period.", rule="G", colour="green"
                )
            ]
        ordered = sorted(fired, key=lambda r: (r.colour != colour, r.colour != "red", r.rule))
        return [
            StatusReason(
                text=rule.text,
                citations=self.book.cite(rule.sources),
                rule=rule.rule,
                colour=rule.colour,
            )
            for rule in ordered
        ]

    def accomplishments(self) -> list[ReportLine]:
        lines = [self._ticket_line(t, f"done {t.resolved}") for t in self.facts.completed]
        lines += [
            self.line(f"{m.id} {m.name} achieved on {m.achieved}.", m.sources)
            for m in self.facts.milestones
            if self.facts.period.contains(m.achieved)
        ]
        lines += [self._action_line(a) for a in self.facts.action_items if a.state == "done"]
        return lines

    def in_progress(self) -> list[ReportLine]:
        return self._limited(
            [self._ticket_line(t, t.status or "in progress") for t in self.facts.in_progress],
            "more tickets in progress",
        )

    def next_period(self) -> list[ReportLine]:
        following = self.facts.period.next()
        lines = [
            self.line(f"{m.id} {m.name} is due on {m.current}.", m.sources)
            for m in self.facts.milestones
            if not m.achieved and following.contains(m.current)
        ]
        lines += [
            self._action_line(a)
            for a in self.facts.action_items
            if a.state == "open" and following.contains(a.due)
        ]
        lines += self._limited(
            [self._ticket_line(t, f"due {t.due}") for t in self.facts.due_next_period],
            "more tickets due",
        )
        return lines

    def milestones(self) -> list[MilestoneLine]:
        lines = []
        for milestone in self.facts.milestones:
            state, text = _milestone_state(milestone)
            lines.append(
                MilestoneLine(
                    text=text,
                    citations=self.book.cite(milestone.sources),
                    id=milestone.id,
                    name=milestone.name,
                    baseline=milestone.baseline,
                    current=milestone.current,
                    state=state,
                    slips=milestone.slips,
                )
            )
        return lines

    def blockers(self) -> list[ReportLine]:
        lines = []
        for ticket in self.facts.blocked:
            waiting = f", waiting on {ticket.waiting_on}" if ticket.waiting_on else ""
            lines.append(self._ticket_line(ticket, f"{ticket.blocked_text}{waiting}"))
        for ticket in self.facts.open_critical:
            when = (
                f"{ticket.days_overdue} days past due {ticket.due}"
                if ticket.days_overdue is not None
                else f"due {ticket.due}"
            )
            lines.append(self._ticket_line(ticket, f"open severity-1, {when}"))
        overdue = [t for t in self.facts.overdue if t.severity_level != 1]
        lines += self._limited(
            [
                self._ticket_line(t, f"overdue by {t.days_overdue} days (due {t.due})")
                for t in overdue
            ],
            "more overdue tickets",
        )
        lines += [self._action_line(a) for a in self.facts.action_items if a.state == "overdue"]
        if self.facts.actions_not_followed_up:
            lines.append(
                ReportLine(
                    text=f"{self.facts.actions_not_followed_up} older open actions have not been "
                    "mentioned in any meeting for three weeks."
                )
            )
        return lines

    def decisions(self) -> list[ReportLine]:
        lines = []
        for decision in self.facts.decisions:
            label = f"{decision.id}: " if decision.id else ""
            by = f" (decided by {', '.join(decision.decided_by)})" if decision.decided_by else ""
            lines.append(
                self.line(
                    f"{decision.date}: {label}{decision.text.rstrip('. ')}{by}.", decision.sources
                )
            )
        return lines

    def risks(self) -> list[ReportLine]:
        return [self.line(note.text, note.sources) for note in self.facts.concerns]

    def risk_lines(self, entries: list[RiskEntry]) -> list[RiskLine]:
        """Register entries, highest score first, each cited to the evidence it rests on."""
        ordered = sorted(entries, key=lambda e: (-e.score, e.id))
        return [
            RiskLine(
                text=f"{entry.id} {entry.title.rstrip('. ')}: score {entry.score} (likelihood "
                f"{entry.likelihood} × impact {entry.impact}), {entry.status}.",
                citations=self.book.cite([item.chunk_id for item in entry.evidence]),
                risk_id=entry.id,
                status=entry.status,
                category=entry.category,
                likelihood=entry.likelihood,
                impact=entry.impact,
                score=entry.score,
                owner=entry.owner,
            )
            for entry in ordered
        ]

    def asks(self) -> list[ReportLine]:
        lines = [self.line(note.text, note.sources) for note in self.facts.decisions_needed]
        for action in self.facts.action_items:
            if action.state != "done" and _is_ask(action):
                lines.append(self._action_line(action))
        return lines

    def budget(self) -> ReportLine | None:
        budget = self.facts.budget
        if budget is None:
            return None
        text = (
            f"Spend to date {money(budget.currency, budget.spend_to_date)} of "
            f"{money('', budget.approved)} approved"
        )
        if budget.forecast_at_completion is not None:
            text += (
                f"; forecast at completion {money(budget.currency, budget.forecast_at_completion)}"
            )
            if budget.variance_percent is not None and abs(budget.variance_percent) >= 0.5:
                side = "over" if budget.variance_percent > 0 else "under"
                text += f" ({abs(budget.variance_percent):.0f}% {side})"
        return self.line(f"{text} (stated {budget.stated_on}).", budget.sources)

    def _ticket_line(self, ticket: TicketFact, state: str) -> ReportLine:
        owner = f" — {ticket.assignee}" if ticket.assignee else ""
        return self.line(f"{ticket.key} {ticket.summary}: {state}{owner}.", ticket.sources)

    def _action_line(self, action: ActionItemFact) -> ReportLine:
        owner = action.owner or "no owner"
        due = f", due {action.due}" if action.due else ""
        state = {
            "done": f"done ({action.done_on})",
            "overdue": "overdue",
            "open": "open",
        }[action.state]
        return self.line(f"Action: {action.task} — {owner}{due}; {state}.", action.sources)

    def _limited(self, lines: list[ReportLine], what: str) -> list[ReportLine]:
        if len(lines) <= LIST_LIMIT:
            return lines
        return [*lines[:LIST_LIMIT], ReportLine(text=f"{len(lines) - LIST_LIMIT} {what}.")]


def offline_summary(
    facts: PeriodFacts,
    colour: StatusColour,
    reasons: list[StatusReason],
    sections: dict[str, list[ReportLine]],
    budget: ReportLine | None,
) -> list[ReportLine]:
    """A short summary composed from the report's own lines: status and its main reason,
    the week's flow, the top blocker, a moved milestone, the budget, and the first ask."""
    period = facts.period
    lines: list[ReportLine] = []
    main = reasons[0]
    lines.append(
        ReportLine(
            text=f"Overall status {colour.capitalize()}: {_lower_first(main.text)}",
            citations=main.citations,
        )
    )
    if not facts.has_activity:
        lines.append(
            ReportLine(
                text=f"No activity is recorded for {period.label}: no tickets completed or opened, "
                "no meetings and no decisions."
            )
        )
    else:
        completed = sections["accomplishments"]
        count = len(facts.completed)
        lines.append(
            ReportLine(
                text=f"{count} ticket{'s' if count != 1 else ''} completed and "
                f"{len(facts.opened)} opened in {period.label}; {len(facts.in_progress)} in "
                "progress.",
                citations=[c for line in completed[:3] for c in line.citations],
            )
        )
    for line in sections["blockers"][:1]:
        lines.append(ReportLine(text=f"Top blocker: {line.text}", citations=line.citations))
    moved = [
        m
        for m in sections["milestones"]
        if isinstance(m, MilestoneLine) and m.state in ("slipped", "under review")
    ]
    for line in moved[:2]:
        lines.append(ReportLine(text=line.text, citations=line.citations))
    if budget is not None:
        lines.append(budget)
    for line in sections["asks"][:1]:
        lines.append(ReportLine(text=f"Needed: {line.text}", citations=line.citations))
    return lines


def _milestone_state(milestone: MilestoneFact) -> tuple[str, str]:
    label = f"{milestone.id} {milestone.name}"
    if milestone.achieved:
        late = (
            f", {(milestone.achieved - milestone.baseline).days} days after its baseline "
            f"{milestone.baseline}"
            if milestone.baseline and milestone.achieved > milestone.baseline
            else ""
        )
        return "achieved", f"{label}: achieved {milestone.achieved}{late}."
    if milestone.under_review:
        return "under review", f"{label}: date under review (baseline {milestone.baseline})."
    if milestone.baseline and milestone.current and milestone.current > milestone.baseline:
        times = "once" if milestone.slips == 1 else f"{milestone.slips} times"
        return "slipped", (
            f"{label}: forecast {milestone.current}, baseline {milestone.baseline} "
            f"(slipped {times})."
        )
    return "on track", f"{label}: forecast {milestone.current or milestone.baseline}, on baseline."


def _is_ask(action: ActionItemFact) -> bool:
    words = action.task.lower()
    return any(w in words for w in ("decide", "approve", "sign off", "sign-off", "escalat"))


def _lower_first(text: str) -> str:
    # "M4 …" and "HBR-48 …" keep their capitals; "Forecast …" becomes "forecast …".
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text
