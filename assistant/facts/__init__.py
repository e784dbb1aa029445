"""Deterministic facts of a reporting period, computed from the parsed project record."""

from __future__ import annotations

from assistant.domain.facts import PeriodFacts
from assistant.domain.period import ReportPeriod
from assistant.facts.minutes import MinutesFacts
from assistant.facts.record import RecordSnapshot
from assistant.facts.tickets import TicketFacts


def period_facts(record: RecordSnapshot, period: ReportPeriod) -> PeriodFacts:
    tickets = TicketFacts(record, period)
    minutes = MinutesFacts(record, period)
    action_items = minutes.action_items()
    return PeriodFacts(
        project=record.project,
        period=period,
        completed=tickets.completed(),
        opened=tickets.opened(),
        in_progress=tickets.in_progress(),
        overdue=tickets.overdue(),
        blocked=tickets.blocked(),
        open_critical=tickets.open_critical(),
        due_next_period=tickets.due_next_period(),
        milestones=minutes.milestones(),
        decisions=minutes.decisions(),
        decisions_needed=minutes.decisions_needed(),
        action_items=action_items,
        actions_not_followed_up=minutes.not_followed_up,
        budget=minutes.budget(),
        stated_status=minutes.stated_status(),
        concerns=minutes.concerns(),
        meetings=minutes.meeting_titles(),
        meetings_held=minutes.meetings_held(),
        progress=minutes.progress(),
        kpis=tickets.kpis(minutes.baseline_date()),
        record_ends=record.newest_date(),
    )


__all__ = ["PeriodFacts", "RecordSnapshot", "ReportPeriod", "period_facts"]
