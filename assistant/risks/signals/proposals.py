"""What every offline proposal rule shares: a draft with the signal's key, category, owner and
date filled in, and the one rule for generic signals (overdue work, blockers, actions, concerns).

Rules are documented: each draft's `inferred` says which rule set a score and why."""

from __future__ import annotations

import re

from assistant.domain.risk import ProposalDraft
from assistant.risks.signals.assessment import assess
from assistant.risks.signals.base import RiskSignal, is_critical


def draft(signal: RiskSignal, **values: object) -> ProposalDraft:
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


def generic_proposal(signal: RiskSignal) -> ProposalDraft:
    """Overdue critical work, ageing blockers, loose actions and stated concerns."""
    note = signal.notes[0] if signal.notes else None
    ticket = signal.tickets[0] if signal.tickets else None
    if signal.kind == "action_follow_up" and len(signal.actions) > 1 and not note:
        title = f"{len(signal.actions)} actions past due or without an owner"
    elif note:
        title = title_from(note)
    elif ticket:
        title = f"{ticket.key} {ticket.summary}"
        if signal.kind == "blocked_ageing":
            days = ticket.blocked_days
            title = f"{title}: blocked for {days} days" if days else f"{title}: blocked"
        elif ticket.days_overdue is not None:
            title = f"{title}: overdue"
    else:
        title = title_from(signal.texts[0] if signal.texts else signal.key)
    cause = "; ".join(distinct(signal.facts)[:3])
    urgent = signal.kind in ("overdue_critical", "blocked_ageing")
    likelihood, impact = assess(
        signal,
        signal.today,
        (4, "overdue or blocked work") if urgent else (3, "a stated concern or open action"),
        (4, "Highest-priority or severity-1 work")
        if any(is_critical(t) for t in signal.tickets)
        else (3, "the rule's default"),
    )
    return draft(
        signal,
        title=title,
        cause=cause,
        event="the concern is not dealt with before the date it matters"
        if note
        else "the work is not finished in time for what depends on it",
        effect="the work that depends on it is delayed",
        likelihood=likelihood.value,
        impact=impact.value,
        response="mitigate",
        mitigation=[
            "Confirm an owner and a date for dealing with it",
            "Check it at the next status meeting",
        ],
        trigger="No progress by the next status meeting",
        inferred={"likelihood": likelihood.reason(), "impact": impact.reason()},
    )


def distinct(facts: list[str]) -> list[str]:
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


def title_from(text: str) -> str:
    """A short title from a line of the record: its first clause, without bracketed detail; for
    a table row (`M6 Go-live | 2026-12-14 | At risk`) its first and last cells."""
    if " | " in text:
        cells = [cell.strip() for cell in text.split(" | ") if cell.strip()]
        text = f"{cells[0]}: {cells[-1]}" if len(cells) > 1 else cells[0]
        return text[:120]
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = re.sub(r"\s*\([^)]*\)", "", _URL.sub(" ", text))
    text = re.sub(r"\s{2,}", " ", text).strip(" .—–:;")
    clauses = [c.strip(" .,") for c in re.split(r"[;:.]\s+|\s+[—–]\s+", text) if c.strip(" .,")]
    # A clause that is only a date or a reference ("2026-06-24", "#4001") names nothing: the
    # title is the first clause that says what is at risk.
    first = next((c for c in clauses if _says_something(c)), text.strip(" ."))
    return (first[:1].upper() + first[1:])[:120] if first else text[:120]


_URL = re.compile(r"<?https?://\S+>?")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _says_something(clause: str) -> bool:
    rest = re.sub(r"\b\d{4}-\d{2}-\d{2}\b|#\d+|\b\d+\b", " ", clause)
    rest = re.sub(r"\b(?:today|tomorrow|yesterday|next week|this week)\b", " ", rest, flags=re.I)
    return len(re.findall(r"[^\W\d_]{2,}", rest)) >= 2
