"""Ticket facts for a period: flow, overdue, blocked, critical defects, delivery KPIs.

A tracker export is a snapshot, so the state of a ticket at the end of a past period is rebuilt
from its dates: it existed if it was created by then, and was done if it was resolved by then.
Blocked status and its start come from the snapshot (status or flag, and the date the status
category last changed).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable

from assistant.domain.facts import DeliveryKpis, TicketFact, WeekFlow
from assistant.domain.period import ReportPeriod, period_between
from assistant.domain.record import Document, StatusCategory, Ticket, blocked_state
from assistant.facts.record import RecordSnapshot

SEVERITY_LEVEL = re.compile(r"(?:sev(?:erity)?|s|p)\s*-?\s*([1-5])\b", re.IGNORECASE)
SEVERITY_WORDS = {"blocker": 1, "critical": 1, "major": 2, "high": 2, "minor": 3, "trivial": 4}
DEFECT_TYPES = {"bug", "defect", "incident", "problem"}
SCOPE_LABELS = {"scope-add", "scope-change", "change-request", "change_request"}
WAITING = re.compile(
    r"\b(?:waiting|wait|blocked)\s+(?:on|for)\s+([A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)?)"
)
THROUGHPUT_WEEKS = 6
AGE_BUCKETS = ((14, "0-14 days"), (30, "15-30 days"), (60, "31-60 days"))


NOT_DELIVERED = {
    "won't do",
    "wont do",
    "won't fix",
    "wont fix",
    "not planned",
    "duplicate",
    "cannot reproduce",
    "declined",
    "rejected",
    "obsolete",
}


def severity_level(ticket: Ticket) -> int | None:
    """1 for Sev-1 / Critical / Blocker, 2 for Sev-2 / Major, …; None when not stated."""
    if ticket.severity:
        if ticket.severity.strip().isdigit():
            return int(ticket.severity.strip())
        if match := SEVERITY_LEVEL.search(ticket.severity):
            return int(match.group(1))
        for word, level in SEVERITY_WORDS.items():
            if word in ticket.severity.lower():
                return level
    return None


def is_defect(ticket: Ticket) -> bool:
    return (ticket.type or "").lower() in DEFECT_TYPES or severity_level(ticket) is not None


def delivered(ticket: Ticket) -> bool:
    """Closed as done, not closed as won't do, duplicate or not planned."""
    return (ticket.resolution or "").strip().lower() not in NOT_DELIVERED


def is_blocked(ticket: Ticket) -> bool:
    return blocked_state(ticket.status, ticket.flagged)


def existed_by(ticket: Ticket, day: dt.date) -> bool:
    return ticket.created is None or ticket.created.date() <= day


def done_by(ticket: Ticket, day: dt.date) -> bool:
    if ticket.resolved is not None:
        return ticket.resolved.date() <= day
    # Done without a resolution date: count it done once its status category changed.
    if ticket.status_category is StatusCategory.DONE:
        changed = ticket.status_category_changed or ticket.updated
        return changed is None or changed.date() <= day
    return False


class TicketFacts:
    def __init__(self, record: RecordSnapshot, period: ReportPeriod) -> None:
        self.record = record
        self.period = period
        self.tickets = [
            (document, ticket)
            for document, ticket in record.tickets()
            if existed_by(ticket, period.end) and (ticket.type or "").lower() != "epic"
        ]

    def fact(self, document: Document, ticket: Ticket) -> TicketFact:
        end = self.period.end
        overdue = (
            (end - ticket.due).days
            if ticket.due and ticket.due < end and not done_by(ticket, end)
            else None
        )
        status = ticket.status
        blocked_since = None
        if ticket.history is not None:
            # A synced ticket's changelog says what its status was at the end of the period
            # and exactly since when it has been blocked.
            status, flagged = ticket.state_on(end)
            blocked = blocked_state(status, flagged) and not done_by(ticket, end)
            since = ticket.blocked_since(end) if blocked else None
            blocked_since = since.date() if since else None
        else:
            blocked = is_blocked(ticket) and not done_by(ticket, end)
            if blocked and ticket.status_category_changed is not None:
                blocked_since = ticket.status_category_changed.date()
                if blocked_since > end:
                    blocked, blocked_since = False, None
        # Without a history or a status-change date (GitHub issues) the record does not say
        # since when: blocked as of the snapshot, with no day count rather than a wrong one.
        waiting = WAITING.search(
            " ".join([ticket.summary, ticket.description, *(c.body for c in ticket.comments)])
        )
        return TicketFact(
            key=ticket.key,
            summary=ticket.summary,
            type=ticket.type,
            status=status,
            priority=ticket.priority,
            severity=ticket.severity,
            severity_level=severity_level(ticket),
            assignee=ticket.assignee,
            created=ticket.created.date() if ticket.created else None,
            resolved=ticket.resolved.date() if ticket.resolved else None,
            due=ticket.due,
            days_overdue=overdue,
            blocked=blocked,
            blocked_since=blocked_since,
            blocked_days=(end - blocked_since).days if blocked_since else None,
            waiting_on=waiting.group(1).rstrip(".,;:") if waiting and blocked else None,
            sources=self.record.cite_document(document.id),
        )

    def completed(self) -> list[TicketFact]:
        return self._select(
            lambda t: (
                t.resolved is not None
                and self.period.contains(t.resolved)
                and done_by(t, self.period.end)
                and delivered(t)
            )
        )

    def opened(self) -> list[TicketFact]:
        return self._select(lambda t: self.period.contains(t.created))

    def in_progress(self) -> list[TicketFact]:
        end = self.period.end

        def started(ticket: Ticket) -> bool:
            if done_by(ticket, end):
                return False
            if ticket.status_category is StatusCategory.IN_PROGRESS:
                changed = ticket.status_category_changed
                return changed is None or changed.date() <= end
            # Done now but not by the end of the period: it was being worked on then.
            return ticket.status_category is StatusCategory.DONE

        return self._select(started)

    def overdue(self) -> list[TicketFact]:
        facts = [f for f in self._all() if f.days_overdue is not None]
        return sorted(facts, key=lambda f: (_priority_rank(f), -(f.days_overdue or 0)))

    def blocked(self) -> list[TicketFact]:
        facts = [f for f in self._all() if f.blocked]
        return sorted(facts, key=lambda f: -(f.blocked_days or 0))

    def open_critical(self) -> list[TicketFact]:
        return [
            f
            for f in self._all()
            if f.severity_level == 1 and not (f.resolved and f.resolved <= self.period.end)
        ]

    def due_next_period(self) -> list[TicketFact]:
        following = self.period.next()
        return sorted(
            (
                f
                for f in self._all()
                if f.due
                and following.contains(f.due)
                and f.days_overdue is None
                and not (f.resolved and f.resolved <= self.period.end)
            ),
            key=lambda f: (f.due, f.key),
        )

    def kpis(self, baseline: dt.date | None) -> DeliveryKpis:
        end = self.period.end
        throughput: list[WeekFlow] = []
        week = self.period
        for _ in range(THROUGHPUT_WEEKS):
            throughput.append(
                WeekFlow(
                    week=week.label,
                    completed=sum(
                        1
                        for _, t in self.tickets
                        if t.resolved and week.contains(t.resolved) and done_by(t, end)
                    ),
                    opened=sum(1 for _, t in self.tickets if week.contains(t.created)),
                )
            )
            week = week.previous()
        throughput.reverse()

        done_in_period = [
            t for _, t in self.tickets if t.resolved and self.period.contains(t.resolved) and t.due
        ]
        on_time = [t for t in done_in_period if t.resolved and t.resolved.date() <= (t.due or end)]
        done_to_date = [t for _, t in self.tickets if t.due and done_by(t, end) and t.resolved]
        on_time_to_date = [
            t for t in done_to_date if t.resolved and t.due and t.resolved.date() <= t.due
        ]

        added = [
            t
            for _, t in self.tickets
            if baseline
            and t.created
            and t.created.date() > baseline
            and (
                (t.type or "").lower() == "change request"
                or SCOPE_LABELS & {label.lower() for label in t.labels}
            )
        ]
        at_baseline = [
            t for _, t in self.tickets if baseline and t.created and t.created.date() <= baseline
        ]
        defects: Counter[str] = Counter()
        ages: Counter[str] = Counter()
        for _, ticket in self.tickets:
            if done_by(ticket, end):
                continue
            if is_defect(ticket):
                level = severity_level(ticket)
                defects[f"Sev-{level}" if level else "unrated"] += 1
            if ticket.created:
                ages[_age_bucket((end - ticket.created.date()).days)] += 1
        return DeliveryKpis(
            throughput=throughput,
            due_in_period=len(done_in_period),
            done_on_time_in_period=len(on_time),
            on_time_share=len(on_time) / len(done_in_period) if done_in_period else None,
            on_time_share_to_date=(
                len(on_time_to_date) / len(done_to_date) if done_to_date else None
            ),
            baseline_date=baseline,
            scope_items_at_baseline=len(at_baseline),
            scope_items_added=len(added),
            scope_added_keys=sorted((t.key for t in added), key=_key_order),
            change_requests=sorted(
                (t.key for t in added if (t.type or "").lower() == "change request"),
                key=_key_order,
            ),
            open_defects_by_severity=dict(sorted(defects.items())),
            open_items_by_age={
                label: ages[label] for label in [b for _, b in AGE_BUCKETS] + ["over 60 days"]
            },
            tickets_considered=len(self.tickets),
        )

    def _all(self) -> list[TicketFact]:
        return [self.fact(d, t) for d, t in self.tickets]

    def _select(self, keep: Callable[[Ticket], bool]) -> list[TicketFact]:
        facts = [self.fact(d, t) for d, t in self.tickets if keep(t)]
        return sorted(facts, key=lambda f: (_priority_rank(f), _key_order(f.key)))


def _age_bucket(days: int) -> str:
    for limit, label in AGE_BUCKETS:
        if days <= limit:
            return label
    return "over 60 days"


def _priority_rank(fact: TicketFact) -> int:
    if fact.severity_level is not None:
        return fact.severity_level - 1
    return priority_rank(fact.priority)


def priority_rank(priority: str | None) -> int:
    """0 for Highest / Blocker / Critical / P0 / P1, 1 for High / P2, 2 for Medium, 3 for Low."""
    order = {
        "blocker": 0,
        "highest": 0,
        "critical": 0,
        "p0": 0,
        "p1": 0,
        "high": 1,
        "p2": 1,
        "medium": 2,
        "p3": 2,
        "low": 3,
        "p4": 3,
        "lowest": 3,
    }
    return order.get((priority or "").lower(), 2)


def _key_order(key: str) -> tuple[str, int]:
    prefix, _, number = key.rpartition("-")
    return (prefix, int(number)) if number.isdigit() else (key, 0)


__all__ = ["TicketFacts", "period_between", "severity_level"]
