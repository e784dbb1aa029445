"""Platform and vendor changes: a service, product or platform the team relies on is deprecated,
retired, reaches end of life, changes its plan or price, or the team must move off it, by a date
that is near ("by 9 June", "in March 2027", "within a week or two").

A change with no date, or one years away, is not yet a risk for the register; one already past
is the team's issue to report, not a risk. The same change repeated in several meetings, or in
a meeting and a ticket, is one risk.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.domain.facts import TicketFact
from assistant.domain.risk import ProposalDraft
from assistant.risks.signals.assessment import assess
from assistant.risks.signals.base import LOOKBACK_DAYS, RiskSignal, content_words, text_key
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.outline import OutlineLine, finished, read_outline
from assistant.risks.signals.proposals import draft, title_from
from assistant.risks.signals.scan import SignalScan
from assistant.risks.signals.timing import When, whens
from assistant.risks.signals.vocabulary import (
    CHANGE_TERMS,
    CREDENTIAL_TERMS,
    EXPIRY_TERMS,
    VENDOR_TERMS,
)

PLATFORM_HORIZON_DAYS = 120  # a change this soon after the period is a risk now
# A move the team must make by a date: "migrate to the new images by 9 June".
FORCED_MOVE = re.compile(
    r"\b(?:migrat\w*|switch\w*|convert\w*|upgrad\w*|mov(?:e|es|ing) (?:off|away|to|from))\b"
    r"[^.;:!?]{0,80}?\b(?:by|before)\s+",
    re.IGNORECASE,
)
# "leaving" that is not about a platform: "leaving as it is", "leaving a comment", a person.
NOT_A_PLATFORM = re.compile(
    r"\bleaving\s+(?:as|a|an|it|them|us|him|her|this|that|room|(?:the |our )?(?:team|company|"
    r"project|organi[sz]ation))\b",
    re.IGNORECASE,
)
SAME_DAY = re.compile(r"today|tonight|tomorrow|this week|end of (?:the )?week|EOW", re.I)
COMMERCIAL = re.compile(r"\b(?:pric\w*|billing|plan|contract|subscription|tier)\b", re.I)


@dataclass
class Change:
    text: str
    when: When
    words: set[str]
    lines: list[OutlineLine] = field(default_factory=list)
    tickets: list[TicketFact] = field(default_factory=list)


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    """Changes to a platform the team relies on, dated between the period's start and four
    months after its end; one signal per change."""
    since = scan.period.end - dt.timedelta(days=LOOKBACK_DAYS)
    changes: list[Change] = []

    def add(found: Change) -> Change:
        for known in changes:
            shared = known.words & found.words
            same_day = known.when.day == found.when.day and len(shared) >= 2
            if same_day or (
                len(shared) >= 3 and len(shared) >= 0.5 * min(len(known.words), len(found.words))
            ):
                known.lines += found.lines
                known.tickets += [t for t in found.tickets if t not in known.tickets]
                return known
        changes.append(found)
        return found

    outline = read_outline(scan, since)
    for line in outline:
        if line.done:
            continue
        if CREDENTIAL_TERMS.search(line.text) and EXPIRY_TERMS.search(line.text):
            continue  # "renew the GPG key before March": the credentials family's
        when = _when(scan, line.text, line.date)
        if when is not None and not finished(outline, content_words(line.text), line.date):
            add(Change(line.text, when, _words(line.text), lines=[line]))
    for document, ticket in scan.open_tickets():
        written = ticket.created.date() if ticket.created else None
        when = _when(scan, ticket.summary, written, ticket.due)
        if when is not None:
            fact = scan.ticket_fact(document, ticket)
            add(Change(ticket.summary, when, _words(ticket.summary), tickets=[fact]))
    return [_signal(scan, change) for change in changes]


def _words(text: str) -> set[str]:
    """Words that tell one change from another ("ingress-nginx" is "ingress" and "nginx")."""
    words = content_words(re.sub(r"[-_/.]", " ", text))
    return {w for w in words if not CHANGE_TERMS.fullmatch(w)} - {"inform", "announce"}


def _when(
    scan: SignalScan, text: str, written: dt.date | None, due: dt.date | None = None
) -> When | None:
    """The date a change line names, when the line is about a change and the date is near."""
    change = CHANGE_TERMS.search(text)
    forced = FORCED_MOVE.search(text)
    if change is None and forced is None:
        return None
    leaving = change is not None and change.group(0).lower() == "leaving"
    if leaving and forced is None and NOT_A_PLATFORM.search(text):
        return None
    start = min(m.start() for m in (change, forced) if m is not None)
    if scan.people_in(text[:start]):
        return None  # "Dana is leaving": a person, the availability family's
    year = written.year if written else scan.period.end.year
    found = whens(text[start:], written, year) or whens(text, written, year)
    # "later today to discuss the deprecation" dates the meeting, not the change.
    found = [w for w in found if w.exact or not SAME_DAY.fullmatch(w.words)]
    if due is not None:
        found.append(When(due, due.isoformat(), exact=True))
    horizon = scan.period.end + dt.timedelta(days=PLATFORM_HORIZON_DAYS)
    near = [w for w in found if scan.period.start <= w.day <= horizon]
    return near[0] if near else None  # the first written after the change's words


def _signal(scan: SignalScan, change: Change) -> RiskSignal:
    text = change.text  # the first statement of it: the fullest, before it became a label
    commercial = VENDOR_TERMS.search(text) or COMMERCIAL.search(text)
    signal = RiskSignal(
        key=f"platform:{text_key(' '.join(sorted(change.words)))}",
        kind="platform_change",
        category="vendor/external" if commercial else "technical",
        subjects={"platform-change"} | scan.subjects_of(text) - {"security", "budget"},
        texts=[text],
        notes=[text],
        proximity=change.when.day if change.when.exact else None,
        details={"when": change.when.words, "exact": int(change.when.exact)},
    )
    for line in sorted(change.lines, key=lambda line: line.date or dt.date.min, reverse=True):
        signal.facts.append(f"Minutes of {line.date}: {line.text}" if line.date else line.text)
        scan.cite_line(signal, line.as_minutes_line(), change.when.words)
    for ticket in change.tickets:
        signal.tickets.append(ticket)
        signal.subjects.add(ticket.key)
        signal.facts.append(f"{ticket.key} {ticket.summary}.")
        scan.cite_ticket(signal, ticket)
        if signal.owner is None and ticket.assignee:
            signal.owner = scan.name_of(ticket.assignee)
            signal.owner_basis = f"assignee of {ticket.key}"
    return signal


def propose(signal: RiskSignal) -> ProposalDraft:
    text = signal.notes[0] if signal.notes else signal.texts[0]
    when = str(signal.details.get("when", ""))
    likelihood, impact = assess(
        signal,
        signal.today,
        (3, "a stated change the team does not control"),
        (3, "what runs on the platform must change with it"),
    )
    title = title_from(text)
    if when and when.lower() not in title.lower():
        title = f"{title} ({when})"
    return draft(
        signal,
        title=title[:160],
        cause=text.rstrip("."),
        event="the change lands before the team has moved what depends on it",
        effect="builds, services or integrations on the old platform stop working or cost more",
        likelihood=likelihood.value,
        impact=impact.value,
        response="mitigate",
        mitigation=[
            "List what depends on the changing platform and who owns each part",
            "Plan the move with a date well before the change and track it weekly",
            "Keep a fallback until the move is verified",
        ],
        trigger="Dependent work not moved a month before the change",
        inferred={"likelihood": likelihood.reason(), "impact": impact.reason()},
    )


FAMILY = SignalFamily(kind="platform_change", generic=False, detect=detect, propose=propose)
