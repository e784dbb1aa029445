"""The overall status's reasons and the offline executive summary, composed from the report's
own lines. The summary is the only prose of a report: a model writes it when one is configured
(`model_writer`), otherwise this module does, from the same lines."""

from __future__ import annotations

from assistant.domain.facts import PeriodFacts
from assistant.domain.report import (
    MilestoneLine,
    ReportLine,
    SectionLine,
    StatusColour,
    StatusReason,
)
from assistant.facts.sources import SourceBook
from assistant.reports.status_rules import FiredRule


def status_reasons(
    colour: StatusColour, fired: list[FiredRule], book: SourceBook
) -> list[StatusReason]:
    if not fired:
        return [
            StatusReason(
                text="No Amber or Red rule applies to this period.", rule="G", colour="green"
            )
        ]
    ordered = sorted(fired, key=lambda r: (r.colour != colour, r.colour != "red", r.rule))
    return [
        StatusReason(
            text=rule.text, citations=book.cite(rule.sources), rule=rule.rule, colour=rule.colour
        )
        for rule in ordered
    ]


def offline_summary(
    facts: PeriodFacts,
    colour: StatusColour,
    reasons: list[StatusReason],
    sections: dict[str, list[SectionLine]],
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
        completed = sections.get("accomplishments", [])
        count = len(facts.completed)
        lines.append(
            ReportLine(
                text=f"{count} ticket{'s' if count != 1 else ''} completed and "
                f"{len(facts.opened)} opened in {period.label}; {len(facts.in_progress)} in "
                "progress.",
                citations=[c for line in completed[:3] for c in line.citations],
            )
        )
    for line in sections.get("blockers", [])[:1]:
        lines.append(ReportLine(text=f"Top blocker: {line.text}", citations=line.citations))
    moved = [
        m
        for m in sections.get("milestones", [])
        if isinstance(m, MilestoneLine) and m.state in ("slipped", "under review")
    ]
    for line in moved[:2]:
        lines.append(ReportLine(text=line.text, citations=line.citations))
    for line in sections.get("budget", [])[:1]:
        lines.append(ReportLine(text=line.text, citations=line.citations))
    for line in sections.get("asks", [])[:1]:
        lines.append(ReportLine(text=f"Needed: {line.text}", citations=line.citations))
    return lines


def _lower_first(text: str) -> str:
    # "M4 …" and "HBR-48 …" keep their capitals; "Forecast …" becomes "forecast …".
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text
