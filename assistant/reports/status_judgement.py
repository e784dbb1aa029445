"""The overall status a draft proposes: the team's stated status when the record has one, the
rules' view beside it, and a challenge when the rules find worse.

The PM is in charge of the status. A status the period's minutes state (steering notes, a weekly
status meeting; never a ticket) is the team's judgement, and the draft proposes it. The rules
(`status_rules`) still run: their finding is shown beside the stated status, and when it is worse
the draft carries a status challenge naming the rules and their evidence, which the PM must answer
(keep or change the status, with a reason) before approving. With no stated status the rules
decide; with nothing to judge by, the status is "not assessed", never Green by default.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.domain.facts import PeriodFacts
from assistant.domain.report import (
    STATUS_ORDER,
    OverallStatus,
    ReportLine,
    StatedStatus,
    StatusReason,
    status_label,
)
from assistant.facts.sources import SourceBook
from assistant.reports.status_rules import FiredRule, rules_status
from assistant.reports.summary import lower_first

NOT_ASSESSED_TEXT = (
    "Not assessed: no meeting of the period states an overall status, and the record holds no "
    "tickets, milestones or budget line for the rules to judge by. Choose the status when "
    'approving, or state it in the minutes ("Overall status: Amber").'
)


@dataclass
class StatusJudgement:
    overall: OverallStatus
    rules: OverallStatus
    fired: list[FiredRule] = field(default_factory=list)
    stated: StatedStatus | None = None
    reasons: list[StatusReason] = field(default_factory=list)
    challenge: ReportLine | None = None


def judge_status(facts: PeriodFacts, book: SourceBook) -> StatusJudgement:
    rules, fired = rules_status(facts)
    rule_reasons = _rule_reasons(rules, fired, book)
    fact = facts.stated_status
    if fact is None:
        return StatusJudgement(overall=rules, rules=rules, fired=fired, reasons=rule_reasons)
    stated = StatedStatus(
        text=f"{fact.meeting} ({fact.stated_on}) states {fact.colour.capitalize()}.",
        citations=book.cite(fact.sources),
        colour=fact.colour,
        stated_on=fact.stated_on,
        meeting=fact.meeting,
    )
    reasons = [
        StatusReason(
            text=f"Stated by the team: the minutes of {fact.stated_on} ({fact.meeting}) state "
            f"{fact.colour.capitalize()}.",
            citations=stated.citations,
            rule="S",
            colour=fact.colour,
        ),
        *(reason for reason in rule_reasons if reason.rule != "G"),
    ]
    challenge = None
    if STATUS_ORDER[rules] > STATUS_ORDER[fact.colour]:
        worse = [rule for rule in fired if STATUS_ORDER[rule.colour] > STATUS_ORDER[fact.colour]]
        evidence = "; ".join(f"{rule.rule} {lower_first(rule.text.rstrip('.'))}" for rule in worse)
        challenge = ReportLine(
            text=f"Status challenge: the rules rate {status_label(rules)} ({evidence}); the "
            f"minutes of {fact.stated_on} state {status_label(fact.colour)}. Keep or change the "
            "status, with a reason, when approving.",
            citations=list(
                dict.fromkeys(
                    [c for rule in worse for c in book.cite(rule.sources)] + stated.citations
                )
            ),
        )
    return StatusJudgement(
        overall=fact.colour,
        rules=rules,
        fired=fired,
        stated=stated,
        reasons=reasons,
        challenge=challenge,
    )


def _rule_reasons(
    colour: OverallStatus, fired: list[FiredRule], book: SourceBook
) -> list[StatusReason]:
    if colour == "not_assessed":
        return [StatusReason(text=NOT_ASSESSED_TEXT, rule="N", colour="not_assessed")]
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
