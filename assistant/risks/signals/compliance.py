"""Compliance and security: data protection (GDPR, personal data, DPIA) and security (NIS2, DORA,
audit, access) work that is not closed, one risk per area."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from assistant.domain.risk import ProposalDraft
from assistant.facts.tickets import done_by, existed_by
from assistant.risks.signals.base import RiskSignal
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.proposals import draft
from assistant.risks.signals.scan import SignalScan
from assistant.risks.signals.sprints import current_sprint
from assistant.risks.signals.vocabulary import (
    COMPLIANCE_TERMS,
    FINDING_ID,
    PRIVACY_TERMS,
    SECURITY_TERMS,
)

COMPLIANCE_HORIZON_DAYS = 14  # compliance work due this soon and not done is a signal
FINDING_TERMS = re.compile(
    r"\b(?:finding|breach|unclear|no owner|not (?:yet )?(?:done|started|agreed|decided)|overdue|"
    r"realised|still|tight|missed|escalat\w*)\b",
    re.IGNORECASE,
)


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    """Data protection (GDPR, personal data, DPIA) and security (NIS2, DORA, audit, access)
    work that is not closed: one risk per area. Data-protection work due within two weeks
    counts; security work counts when overdue, unowned or named in a finding."""
    signals = []
    for area, terms, due_soon_counts in (
        ("data-protection", PRIVACY_TERMS, True),
        ("security", SECURITY_TERMS, False),
    ):
        signal = _compliance_area(scan, area, terms, due_soon_counts)
        if signal is not None:
            signals.append(signal)
    return signals


def _compliance_area(
    scan: SignalScan, area: str, terms: re.Pattern[str], due_soon_counts: bool
) -> RiskSignal | None:
    signal = RiskSignal(
        key=f"compliance:{area}",
        kind="compliance_finding",
        category="compliance/security",
        subjects={"compliance", area},
        details={"area": area},
    )
    horizon = scan.period.end + dt.timedelta(days=COMPLIANCE_HORIZON_DAYS)
    sprint = current_sprint(scan)
    for document, ticket in scan.record.tickets():
        text = f"{ticket.summary} {' '.join(ticket.labels)}"
        if not terms.search(text) or (ticket.type or "").lower() == "epic":
            continue
        if not existed_by(ticket, scan.period.end) or done_by(ticket, scan.period.end):
            continue
        fact = scan.ticket_fact(document, ticket)
        due_soon = due_soon_counts and fact.due is not None and fact.due <= horizon
        # Planned for the sprint under way and nobody on it: due now in all but name.
        unowned_now = sprint is not None and ticket.sprint == sprint and not ticket.assignee
        if fact.days_overdue is not None or due_soon or unowned_now:
            signal.tickets.append(fact)
            signal.subjects.add(fact.key)
            state = (
                f"overdue by {fact.days_overdue} days"
                if fact.days_overdue is not None
                else f"due {fact.due}"
                if due_soon
                else f"in {sprint} with no assignee"
            )
            signal.facts.append(f"{fact.key} {fact.summary}: {state}.")
            scan.cite_ticket(signal, fact)
            if fact.due and (signal.proximity is None or fact.due < signal.proximity):
                signal.proximity = fact.due
    for action in scan.facts.action_items:
        needs_follow_up = action.owner is None or action.state == "overdue"
        if action.state != "done" and needs_follow_up and terms.search(action.task):
            signal.actions.append(action)
            for chunk_id in action.sources:
                scan.cite_chunk(signal, chunk_id, action.task)
    for line in scan.minutes_lines(scan.period.start):
        term = terms.search(line.text)
        if term and FINDING_TERMS.search(line.text):
            scan.cite_line(signal, line, term.group(0))
            signal.notes.append(line.text)
            signal.subjects |= set(FINDING_ID.findall(line.text))
    if not signal.evidence:
        return None
    overdue = [t for t in signal.tickets if t.days_overdue is not None]
    signal.details["overdue"] = len(overdue)
    signal.details["unowned"] = sum(1 for a in signal.actions if a.owner is None)
    if signal.tickets:
        first = (overdue or signal.tickets)[0]
        signal.owner, signal.owner_basis = (
            scan.name_of(first.assignee),
            f"assignee of {first.key}",
        )
    return signal


def propose(signal: RiskSignal) -> ProposalDraft:
    text = " ".join([*signal.facts, *(e.excerpt for e in signal.evidence)])
    topics = list(dict.fromkeys(m.group(0) for m in COMPLIANCE_TERMS.finditer(text)))
    overdue = [t for t in signal.tickets if t.days_overdue is not None]
    unowned = [a for a in signal.actions if a.owner is None]
    parts = [f"{t.key} {t.summary} is overdue by {t.days_overdue} days" for t in overdue[:2]]
    due = [t for t in signal.tickets if t.days_overdue is None and t.due is not None]
    if due:
        parts.append(f"{len(due)} more compliance and security tasks are due soon")
    unassigned = [t for t in signal.tickets if t.days_overdue is None and t.due is None]
    if unassigned:
        parts.append(
            f"{len(unassigned)} planned for the sprint under way with no assignee: "
            + ", ".join(f"{t.key} {t.summary}" for t in unassigned[:3])
        )
    parts += [f"the action '{a.task}' has no owner" for a in unowned[:2]]
    if not parts and signal.notes:
        parts.append(signal.notes[0])
    focus = ", ".join(topics[:3]) or "compliance"
    area = (
        "Security and audit findings"
        if signal.details.get("area") == "security"
        else ("Data protection obligations")
    )
    return draft(
        signal,
        title=f"{area} not closed ({focus})",
        cause="; ".join(parts),
        event="a regulatory or security obligation is not met before go-live",
        effect="go-live is held back, or the organisation is exposed to a finding or a fine",
        likelihood=4 if overdue or unowned else 3,
        impact=4,
        response="mitigate",
        mitigation=[
            "Name an owner for every open compliance action",
            "Close the overdue items and have the compliance officer confirm them",
            "Make compliance sign-off a go-live criterion",
        ],
        trigger="A compliance item still open a week before UAT or go-live",
        inferred={
            "likelihood": "rule: 4 when an item is overdue or has no owner, else 3",
            "impact": "rule: 4 for compliance and security",
        },
    )


FAMILY = SignalFamily(kind="compliance_finding", generic=False, detect=detect, propose=propose)
