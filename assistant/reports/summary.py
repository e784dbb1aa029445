"""The offline executive summary, composed from the report's own lines. The summary is the only
prose of a report: a model writes it when one is configured (`model_writer`), otherwise this
module does, from the same lines."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.domain.facts import PeriodFacts
from assistant.domain.report import MilestoneLine, ReportLine, SectionLine, status_label

if TYPE_CHECKING:
    from assistant.reports.status_judgement import StatusJudgement

# The first screen of a report: a PM reads this much before the details.
SUMMARY_LINES = 6
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*[-#]\d+\b")


def offline_summary(
    facts: PeriodFacts,
    judgement: StatusJudgement,
    sections: dict[str, list[SectionLine]],
) -> list[ReportLine]:
    """A short summary composed from the report's own lines, the first screen of the report:
    the status and its main reason, the meetings held and what they report, the tickets' flow
    (or that the record has no ticket export), the top blocker, a moved milestone, the budget,
    and the first ask."""
    period = facts.period
    status = _status_line(judgement)
    if not facts.has_activity:
        return [
            status,
            ReportLine(
                text=f"No activity is recorded for {period.label}: no tickets completed or opened, "
                "no meetings and no decisions."
            ),
        ]
    # (rank, line): the most pressing lines win a place on the first screen; they are shown
    # in the order composed here.
    ranked: list[tuple[int, ReportLine]] = []
    held = facts.meetings_held
    if held:
        done = sum(m.done for m in held)
        going = sum(m.in_progress for m in held)
        new = sum(m.new for m in held)
        named = "; ".join(m.label for m in held[:3])
        more = f" and {len(held) - 3} more" if len(held) > 3 else ""
        counts = (
            f": {done} done, {going} in progress, {new} new items reported"
            if done + going + new
            else ""
        )
        meetings_cited = [c for line in sections.get("meetings", [])[:3] for c in line.citations]
        ranked.append(
            (
                5,
                ReportLine(
                    text=f"{_count(len(held), 'meeting')} held: {named}{more}{counts}.",
                    citations=meetings_cited,
                ),
            )
        )
    for rank, key, lead in ((7, "accomplishments", "Done"), (8, "in_progress", "Under way")):
        team = [line for line in sections.get(key, []) if not _KEY.match(line.text)]
        if held and team:
            text = f"{lead}: " + "; ".join(line.text.rstrip(".") for line in team[:3]) + "."
            cited = list(dict.fromkeys(c for line in team[:3] for c in line.citations))
            ranked.append((rank, ReportLine(text=text, citations=cited)))
    if facts.has_tickets:
        completed = sections.get("accomplishments", [])
        count = len(facts.completed)
        ticket_lines = [line for line in completed if _KEY.match(line.text)]
        ranked.append(
            (
                6,
                ReportLine(
                    text=f"{_count(count, 'ticket')} completed and {len(facts.opened)} opened in "
                    f"{period.label}; {len(facts.in_progress)} in progress.",
                    citations=[c for line in ticket_lines[:3] for c in line.citations],
                ),
            )
        )
    else:
        ranked.append((9, ReportLine(text="No ticket export in this record: no ticket figures.")))
    for line in sections.get("blockers", [])[:1]:
        ranked.append((2, ReportLine(text=f"Top blocker: {line.text}", citations=line.citations)))
    moved = [
        m
        for m in sections.get("milestones", [])
        if isinstance(m, MilestoneLine) and m.state in ("slipped", "under review")
    ]
    for line in moved[:2]:
        ranked.append((3, ReportLine(text=line.text, citations=line.citations)))
    for line in sections.get("budget", [])[:1]:
        ranked.append((4, ReportLine(text=line.text, citations=line.citations)))
    for line in sections.get("asks", [])[:1]:
        ranked.append((1, ReportLine(text=f"Needed: {line.text}", citations=line.citations)))
    kept = sorted(range(len(ranked)), key=lambda i: ranked[i][0])[: SUMMARY_LINES - 1]
    return [status, *(ranked[i][1] for i in sorted(kept))]


def _status_line(judgement: StatusJudgement) -> ReportLine:
    main = judgement.reasons[0]
    if judgement.overall == "not_assessed":
        return ReportLine(
            text="Overall status not assessed: no status is stated and the record holds "
            "nothing the status rules read; the PM sets it on approval."
        )
    colour = judgement.overall.capitalize()
    if judgement.stated is not None:
        rules = (
            f"; the rules rate {status_label(judgement.rules)} (see the status challenge)"
            if judgement.challenge is not None
            else ""
        )
        return ReportLine(
            text=f"Overall status {colour}, as the minutes of {judgement.stated.stated_on} "
            f"state{rules}.",
            citations=judgement.stated.citations,
        )
    return ReportLine(
        text=f"Overall status {colour}: {lower_first(main.text)}", citations=main.citations
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


def lower_first(text: str) -> str:
    # "M4 …" and "HBR-48 …" keep their capitals; "Forecast …" becomes "forecast …".
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text
