"""The offline writer: one deterministic proposal per signal, from its facts and evidence.

Cause is composed from the facts; event, effect, scores, response, mitigation and trigger
follow documented rules per kind of signal and are marked as inferences. Where a source states
the consequence ("If they expire, … UAT cannot start"), that sentence is the effect.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.facts.tickets import priority_rank
from assistant.risks.schema import ProposalDraft
from assistant.risks.signals import COMPLIANCE_TERMS, RiskSignal

# "If they expire, Payflow callbacks to UAT fail and UAT cannot start."
STATED_EFFECT = re.compile(r"\bIf [^,.;]{3,80}, ([^.;]{8,160})[.;]")
# "Any further slip of M4 hits UAT start."
STATED_KNOCK_ON = re.compile(r"\b(?:Any further slip of \w+|If \w+ slips) ([^.;]{8,120})[.;]")

INFERRED_TEXT = "suggested by pmassist's rules, not stated in the record"
Citations = Callable[[RiskSignal], list[str]]


def write_offline(signal: RiskSignal, citations: list[str]) -> ProposalDraft:
    """The proposal for one signal; `citations` are the S# ids of its evidence."""
    writer = _WRITERS[signal.kind]
    draft = writer(signal)
    draft.citations = citations
    draft.confidence = _confidence(signal)
    stated = _stated_effect(signal)
    if stated:
        draft.effect = stated
    else:
        draft.inferred.setdefault("effect", "the writer's reading of the signal")
    draft.inferred.setdefault("event", "the writer's reading of the signal")
    for name in ("response", "mitigation", "trigger"):
        draft.inferred.setdefault(name, INFERRED_TEXT)
    if draft.owner:
        draft.inferred.setdefault(
            "owner", f"suggested: {signal.owner_basis or 'named in the evidence'}"
        )
    if draft.proximity_date:
        draft.inferred.setdefault("proximity_date", "the nearest date the evidence names")
    return draft


def _draft(signal: RiskSignal, **values: object) -> ProposalDraft:
    base: dict[str, object] = {
        "signal": signal.key,
        "category": signal.category,
        "owner": signal.owner,
        "proximity_date": signal.proximity.isoformat() if signal.proximity else None,
        "citations": [],
        "confidence": "medium",
    }
    base.update(values)
    return ProposalDraft.model_validate(base)


def _vendor(signal: RiskSignal) -> ProposalDraft:
    vendor = signal.vendor or "the vendor"
    days = int(signal.details.get("blocked_days", 0))
    tickets = signal.tickets
    keys = ", ".join(t.key for t in tickets) or "work"
    if tickets:
        first = tickets[0]
        cause = f"{first.key} {first.summary} is {first.blocked_text}, waiting on {vendor}"
        effect = f"{keys} misses its due date and the dates that depend on it move"
        title = (
            f"{vendor} dependency: {keys} blocked for {days} days"
            if days
            else f"{vendor} dependency: {keys} blocked"
        )
    else:
        cause = f"the minutes report waiting on {vendor}"
        effect = f"work that needs {vendor} is delayed"
        title = f"{vendor} dependency"
    likelihood = 4 if days >= 10 else 3 if days >= 5 else 2
    critical = any(priority_rank(t.priority) == 0 for t in tickets)
    return _draft(
        signal,
        title=title,
        cause=cause,
        event=f"{vendor} does not unblock the work in time",
        effect=effect,
        likelihood=likelihood,
        impact=4 if critical else 3,
        response="escalate" if days >= 10 else "mitigate",
        mitigation=[
            f"Escalate to {vendor}'s account management and ask for a committed date",
            f"Plan a fallback for {keys} that does not depend on {vendor}",
            "Review the dependency at every status meeting until it is cleared",
        ],
        trigger=f"{keys} still blocked at the next status meeting, or no committed date from "
        f"{vendor}",
        inferred={
            "likelihood": f"rule: blocked {days} days (4 from 10 days, 3 from 5)",
            "impact": "rule: 4 when the blocked work is Highest priority, else 3",
        },
    )


def _key_person(signal: RiskSignal) -> ProposalDraft:
    person = signal.person or "one person"
    first = person.split()[0]
    parts = []
    sole = next((e.excerpt for e in signal.evidence if f"only {first}" in e.excerpt), None)
    if sole:
        parts.append(_clause(sole, f"only {first}"))
    critical = int(signal.details.get("critical_tickets", 0))
    if critical:
        keys = ", ".join(t.key for t in signal.tickets[:4])
        parts.append(f"{person} holds {critical} open Highest-priority tickets ({keys})")
    if signal.details.get("leave_from"):
        parts.append(f"{person} is on leave from {signal.details['leave_from']}")
    likelihood = min(
        5,
        2
        + int(bool(signal.details.get("sole_knowledge")))
        + int(float(signal.details.get("critical_share", 0)) >= 0.4)
        + int(bool(signal.details.get("leave"))),
    )
    covers = [a.owner for a in signal.actions if a.owner and a.owner != person]
    owner = covers[0] if covers else None
    draft = _draft(
        signal,
        title=f"Key-person dependency on {person}",
        cause="; ".join(parts) or f"critical knowledge rests with {person}",
        event=f"{person} is unavailable when the work needs them",
        effect="the work only they can do stops and the dates that depend on it slip",
        likelihood=likelihood,
        impact=4 if critical >= 2 else 3,
        owner=owner,
        response="mitigate",
        mitigation=[
            f"Write down what only {first} knows and have someone else use it before the absence",
            f"Pair a second person on {person}'s open critical tickets",
            "Agree cover for the absence and record it in the plan",
        ],
        trigger=f"Handover material not finished a week before {first} is away, or {first}'s "
        "open critical work keeps growing",
        inferred={
            "likelihood": "rule: 2, +1 for sole knowledge, +1 for 40% or more of the critical "
            "work, +1 for leave",
            "impact": "rule: 4 when two or more critical tickets depend on the person, else 3",
        },
    )
    if owner:
        draft.inferred["owner"] = "suggested: owner of the action to arrange cover"
    return draft


def _milestone(signal: RiskSignal) -> ProposalDraft:
    milestone = signal.milestone
    assert milestone is not None
    label = f"{milestone.id} {milestone.name}"
    final = "go-live" in milestone.name.lower() or "go live" in milestone.name.lower()
    if milestone.under_review:
        decider = str(signal.details.get("decider") or "") or None
        draft = _draft(
            signal,
            owner=decider or signal.owner,
            title=f"{label} date under review",
            cause=f"the {label} date (baseline {milestone.baseline}) is under review",
            event="the date moves later than the baseline",
            effect="plans, budget and commitments tied to the baseline date have to change",
            likelihood=4,
            impact=5 if final else 4,
            response="escalate",
            mitigation=[
                "Get the decision on the date from the sponsor and record it",
                "Cost each option before the decision",
                "Tell the teams and stakeholders who depend on the date as soon as it is set",
            ],
            trigger="No decision on the date by the day the sponsor set",
            inferred={
                "likelihood": "rule: 4 for a date under review",
                "impact": "rule: 5 for go-live, else 4",
            },
        )
        if decider:
            draft.inferred["owner"] = "suggested: named as the one to decide"
        return draft
    return _draft(
        signal,
        title=f"{label} keeps slipping ({milestone.slips} slips)",
        cause=f"{label} has moved {milestone.slips} times, from its baseline {milestone.baseline} "
        f"to {milestone.current}",
        event="it slips again",
        effect="the milestones after it and the go-live date move",
        likelihood=5 if milestone.slips >= 3 else 4,
        impact=5 if final else 4,
        response="mitigate",
        mitigation=[
            "List the conditions the new date rests on and check them weekly",
            "Re-plan the dependent milestones with contingency",
            "Take the choice between scope and date to the steering committee if it moves again",
        ],
        trigger=f"Any condition for {milestone.current} not met a week before the date",
        inferred={
            "likelihood": "rule: 4 after two slips, 5 after three or more",
            "impact": "rule: 5 for go-live, else 4",
        },
    )


def _budget(signal: RiskSignal) -> ProposalDraft:
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
    return _draft(
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


def _scope(signal: RiskSignal) -> ProposalDraft:
    tickets = signal.tickets
    open_requests = int(signal.details.get("open_requests", 0))
    added = int(signal.details.get("scope_added", 0))
    parts = []
    if tickets:
        parts.append(
            f"{open_requests} change requests are still open ("
            + ", ".join(f"{t.key} {t.summary}" for t in tickets[:4])
            + ")"
        )
    if added:
        parts.append(f"{added} items were added after the baseline")
    return _draft(
        signal,
        title=f"Scope growth: {open_requests} open change requests",
        cause="; ".join(parts),
        event="changes add work without moving dates or budget",
        effect="the plan and the budget no longer hold",
        likelihood=4 if open_requests >= 3 else 3,
        impact=3,
        response="mitigate",
        mitigation=[
            "Assess each open change request for cost and schedule before deciding",
            "Defer what go-live does not need to a later phase",
            "Keep a change log with each approved impact",
        ],
        trigger="A change request approved without its impact on date and budget",
        inferred={
            "likelihood": "rule: 3, 4 from three open change requests",
            "impact": "rule: 3 for scope growth",
        },
    )


def _compliance(signal: RiskSignal) -> ProposalDraft:
    text = " ".join([*signal.facts, *(e.excerpt for e in signal.evidence)])
    topics = list(dict.fromkeys(m.group(0) for m in COMPLIANCE_TERMS.finditer(text)))
    overdue = [t for t in signal.tickets if t.days_overdue is not None]
    unowned = [a for a in signal.actions if a.owner is None]
    parts = [f"{t.key} {t.summary} is overdue by {t.days_overdue} days" for t in overdue[:2]]
    due = [t for t in signal.tickets if t.days_overdue is None]
    if due:
        parts.append(f"{len(due)} more compliance and security tasks are due soon")
    parts += [f"the action '{a.task}' has no owner" for a in unowned[:2]]
    if not parts and signal.notes:
        parts.append(signal.notes[0])
    focus = ", ".join(topics[:3]) or "compliance"
    area = (
        "Security and audit findings"
        if signal.details.get("area") == "security"
        else ("Data protection obligations")
    )
    return _draft(
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


def _critical_defect(signal: RiskSignal) -> ProposalDraft:
    lead = signal.tickets[0]
    late = lead.days_overdue is not None
    more = f" and {len(signal.tickets) - 1} more" if len(signal.tickets) > 1 else ""
    return _draft(
        signal,
        title=f"Open severity-1 defect {lead.key}{more}: {lead.summary}",
        cause="; ".join(fact.rstrip(".") for fact in signal.facts[:3]),
        event="the defect is not fixed before the tests and the release that depend on it",
        effect="testing stops or repeats and the release is held back",
        likelihood=4 if late else 3,
        impact=4,
        response="escalate" if late else "mitigate",
        mitigation=[
            "Agree a fix date and a daily check on the severity-1 defect",
            "Plan the retest and the tests it blocks",
            "Tell the steering committee if the fix date passes",
        ],
        trigger="The fix fails its retest, or its fix date passes",
        inferred={
            "likelihood": "rule: 4 when the severity-1 is past its due date, else 3",
            "impact": "rule: 4 for an open severity-1",
        },
    )


def _defects(signal: RiskSignal) -> ProposalDraft:
    critical = int(signal.details.get("open_sev1", 0))
    reopened = int(signal.details.get("reopened", 0))
    overdue = int(signal.details.get("overdue_sev2", 0))
    counts = [
        f"{critical} open severity-1" if critical else "",
        f"{reopened} reopened" if reopened else "",
        f"{overdue} severity-2 overdue" if overdue else "",
    ]
    return _draft(
        signal,
        title="Defect trend: " + ", ".join(c for c in counts if c),
        cause="; ".join(fact.rstrip(".") for fact in signal.facts[:4]),
        event="defects are not fixed, or come back, before testing and go-live",
        effect="test cycles repeat and the quality needed for go-live is not reached",
        likelihood=4 if critical else 3 + int(overdue >= 3 and reopened > 0),
        impact=4 if critical else 3,
        response="mitigate",
        mitigation=[
            "Find the root cause of reopened defects before closing them again",
            "Agree a fix date for every overdue severity-1 and severity-2 defect",
            "Track open defects by severity at every status meeting",
        ],
        trigger="Another defect reopened, or the count of open severity-2 defects rises",
        inferred={
            "likelihood": "rule: 4 with an open severity-1; else 3, +1 for reopened work "
            "with three or more severity-2 overdue",
            "impact": "rule: 4 with an open severity-1, else 3",
        },
    )


def _generic(signal: RiskSignal) -> ProposalDraft:
    """Overdue critical work, ageing blockers, loose actions and stated concerns."""
    note = signal.notes[0] if signal.notes else None
    ticket = signal.tickets[0] if signal.tickets else None
    if signal.kind == "action_follow_up" and len(signal.actions) > 1 and not note:
        title = f"{len(signal.actions)} actions past due or without an owner"
    elif note:
        title = _title_from(note)
    elif ticket:
        title = f"{ticket.key} {ticket.summary}"
        if signal.kind == "blocked_ageing":
            title = f"{title}: blocked for {ticket.blocked_days} days"
        elif ticket.days_overdue is not None:
            title = f"{title}: overdue"
    else:
        title = _title_from(signal.texts[0] if signal.texts else signal.key)
    cause = "; ".join(_distinct(signal.facts)[:3])
    urgent = signal.kind in ("overdue_critical", "blocked_ageing")
    return _draft(
        signal,
        title=title,
        cause=cause,
        event="the concern is not dealt with before the date it matters"
        if note
        else "the work is not finished in time for what depends on it",
        effect="the work that depends on it is delayed",
        likelihood=4 if urgent else 3,
        impact=4 if urgent else 3,
        response="mitigate",
        mitigation=[
            "Confirm an owner and a date for dealing with it",
            "Check it at the next status meeting",
        ],
        trigger="No progress by the next status meeting",
        inferred={
            "likelihood": "rule: 4 for overdue or blocked critical work, 3 for a stated concern",
            "impact": "rule: 4 for overdue or blocked critical work, else 3",
        },
    )


_WRITERS: dict[str, Callable[[RiskSignal], ProposalDraft]] = {
    "vendor_dependency": _vendor,
    "key_person": _key_person,
    "milestone_slip": _milestone,
    "budget_variance": _budget,
    "scope_change": _scope,
    "compliance_finding": _compliance,
    "defect_trend": _defects,
    "critical_defect": _critical_defect,
    "overdue_critical": _generic,
    "blocked_ageing": _generic,
    "action_follow_up": _generic,
    "stated_concern": _generic,
}


def _distinct(facts: list[str]) -> list[str]:
    """Facts without their "Minutes of …:" prefix, leaving out one that repeats a longer one."""
    cleaned = [re.sub(r"^Minutes of [\d-]+: ", "", fact).rstrip(". ") for fact in facts]
    words = [set(re.findall(r"[a-z0-9]{3,}", fact.lower())) for fact in cleaned]
    kept = []
    for index, fact in enumerate(cleaned):
        repeats = any(
            other != index
            and words[index] <= words[other]
            and len(words[other]) > len(words[index])
            for other in range(len(cleaned))
        )
        if not repeats and fact not in kept:
            kept.append(fact)
    return kept


def _confidence(signal: RiskSignal) -> str:
    documents = {item.document_id for item in signal.evidence}
    return "high" if len(documents) >= 3 else "medium" if len(documents) == 2 else "low"


def _stated_effect(signal: RiskSignal) -> str | None:
    """A consequence the record itself states: in the evidence's own words, or in the text of a
    ticket the signal cites (a ticket is about one thing, so its "If …" is about this)."""
    texts = [item.excerpt for item in signal.evidence]
    texts += [item.text for item in signal.evidence if item.document_id.startswith("ticket:")]
    for text in texts:
        for pattern in (STATED_EFFECT, STATED_KNOCK_ON):
            if match := pattern.search(" ".join(text.split())):
                return match.group(1).strip()
    return None


def _clause(text: str, words: str) -> str:
    """The clause of a sentence that holds `words`: 'only Tom knows the BX-400 extract format'."""
    for part in re.split(r"[;:]\s+|\.\s+", text):
        if words in part:
            return part.strip(" .")
    return text.strip(" .")


def _title_from(text: str) -> str:
    """A short title from a line of the record: its first clause, without bracketed detail; for
    a table row (`M6 Go-live | 2026-12-14 | At risk`) its first and last cells."""
    if " | " in text:
        cells = [cell.strip() for cell in text.split(" | ") if cell.strip()]
        text = f"{cells[0]}: {cells[-1]}" if len(cells) > 1 else cells[0]
        return text[:120]
    text = re.sub(r"\s*\([^)]*\)", "", text)
    first = re.split(r"[;:.]\s+|\s+[—–]\s+", text, maxsplit=1)[0].strip(" .")
    return (first[:1].upper() + first[1:])[:120] if first else text[:120]
