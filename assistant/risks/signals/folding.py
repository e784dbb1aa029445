"""Folding generic signals into specific ones, so one threat gives one proposal."""

from __future__ import annotations

import re

from assistant.grounding import TICKET_KEY
from assistant.risks.signals.base import RiskSignal, content_words
from assistant.risks.signals.scan import SignalScan
from assistant.risks.signals.vocabulary import stated_category

MILESTONE_ID = re.compile(r"M\d{1,2}")


def fold(
    scan: SignalScan, specific: list[RiskSignal], generic: list[RiskSignal]
) -> list[RiskSignal]:
    """Generic signals folded into the specific risk they are about (a shared subject, mostly
    the same words, or the only risk of their category), merged with each other when they say the
    same thing; the rest stand alone, and loose actions become one follow-up risk."""
    standalone: list[RiskSignal] = []
    for signal in generic:
        # A line about M6 is not about M4, whatever else it shares with it.
        named = {s for s in signal.subjects if MILESTONE_ID.fullmatch(s)}
        allowed = [
            s
            for s in specific
            if not (named and s.milestone is not None and s.milestone.id not in named)
        ]
        # A line whose words name another kind of risk (a certificate that expires, beside a
        # vendor's name) joins a risk of that other kind only when more than a name is shared.
        own = stated_category(" ".join(signal.texts))
        if own is not None and signal.kind == "stated_concern":
            allowed = [s for s in allowed if s.category == own or _shared(signal, s) >= 2]
        target = _best_overlap(signal, allowed) or _same_words(signal, allowed)
        # A ticket of its own is about that ticket: it joins a risk that names it or says
        # what it says, not the one risk that happens to share its category.
        about_a_ticket = signal.kind in ("overdue_critical", "blocked_ageing")
        same_category = [s for s in allowed if s.category == signal.category and not about_a_ticket]
        if target is None and len(same_category) == 1:
            target = same_category[0]
        elif target is None and same_category:
            # Several risks of its category: the one whose words it shares most, if any.
            target = _most_words(signal, same_category)
        if target is not None:
            target.absorb(signal)
            continue
        twin = next((s for s in standalone if _same_concern(s, signal)), None)
        if twin is not None:
            twin.absorb(signal, same_subjects=True)
        else:
            standalone.append(signal)
    for signal in standalone:
        for key in sorted(k for k in signal.subjects if TICKET_KEY.fullmatch(k)):
            if key in scan.ticket_documents and key not in {t.key for t in signal.tickets}:
                document = scan.ticket_documents[key]
                ticket = scan.ticket_facts.fact(document, document.record)  # type: ignore[arg-type]
                signal.tickets.append(ticket)
                scan.cite_ticket(signal, ticket)
                if signal.owner is None and ticket.assignee:
                    signal.owner = scan.name_of(ticket.assignee)
                    signal.owner_basis = f"assignee of {ticket.key}"
        if signal.tickets and signal.kind in ("stated_concern", "action_follow_up"):
            # Keyed by the ticket it is about, so next week's wording still matches.
            signal.key = f"topic:{signal.tickets[0].key.lower()}"
    # Loose actions become one follow-up risk rather than one risk each.
    actions = [
        s
        for s in standalone
        if s.kind == "action_follow_up"
        and not s.tickets
        and all(f.kind == "action_follow_up" for f in s.folded)
    ]
    if len(actions) > 1:
        first = actions[0]
        first.key = "actions:follow-up"
        first.category = "schedule"
        for other in actions[1:]:
            first.absorb(other, same_subjects=True)
            standalone.remove(other)
    return standalone


def _shared(signal: RiskSignal, other: RiskSignal) -> int:
    return len(signal.subjects & other.subjects)


def _best_overlap(signal: RiskSignal, specific: list[RiskSignal]) -> RiskSignal | None:
    best: tuple[int, RiskSignal] | None = None
    for candidate in specific:
        shared = len(signal.subjects & candidate.subjects)
        if shared and (best is None or shared > best[0]):
            best = (shared, candidate)
    return best[1] if best else None


def _same_words(signal: RiskSignal, specific: list[RiskSignal]) -> RiskSignal | None:
    """The specific signal whose facts say mostly what a generic one says ("R-07 Double
    booking, clinical hazard H-12" and the severity-1 double-booking defect)."""
    mine = content_words(" ".join(signal.texts))
    best: tuple[float, RiskSignal] | None = None
    for candidate in specific:
        theirs = content_words(" ".join([*candidate.facts, *candidate.texts]))
        shared = mine & theirs
        ratio = len(shared) / max(1, len(mine))
        if len(shared) >= 2 and ratio >= 0.5 and (best is None or ratio > best[0]):
            best = (ratio, candidate)
    return best[1] if best else None


def _most_words(signal: RiskSignal, candidates: list[RiskSignal]) -> RiskSignal | None:
    mine = content_words(" ".join(signal.texts))
    scored = [
        (len(mine & content_words(" ".join([*c.facts, *c.texts]))), index, c)
        for index, c in enumerate(candidates)
    ]
    best = max(scored, key=lambda item: (item[0], -item[1]), default=None)
    return best[2] if best and best[0] > 0 else None


def _same_concern(first: RiskSignal, second: RiskSignal) -> bool:
    """Two generic signals say the same thing: a shared ticket key, or mostly the same words."""
    keys = {s for s in first.subjects if TICKET_KEY.fullmatch(s)}
    if keys & second.subjects:
        return True
    one, two = content_words(" ".join(first.texts)), content_words(" ".join(second.texts))
    shared = one & two
    return len(shared) >= 2 and len(shared) / max(1, min(len(one), len(two))) >= 0.5
