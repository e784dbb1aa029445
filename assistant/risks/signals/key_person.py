"""Key-person dependency: "only X knows", a key person's leave, or critical work concentrated on
one person."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from assistant.domain.risk import ProposalDraft
from assistant.risks.signals.assessment import Score
from assistant.risks.signals.base import LOOKBACK_DAYS, RiskSignal, slug
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.proposals import draft
from assistant.risks.signals.scan import MinutesLine, SignalScan

KEY_PERSON_SHARE = 0.4  # share of the open critical work on one person
KEY_PERSON_MIN_TICKETS = 3
ONLY_PERSON = re.compile(
    r"\bonly (?P<name>[A-Z][a-z]+(?: [A-Z][a-z]+)?) (?:knows|has worked|can|understands)\b"
    r"|\b(?P<name2>[A-Z][a-z]+(?: [A-Z][a-z]+)?) is the (?:only|single)\b"
)
KEY_PERSON_PHRASES = re.compile(r"\b(?:single point of failure|key[- ]person)\b", re.IGNORECASE)
LEAVE = re.compile(r"\b(?:on (?:annual |parental |sick )?leave|annual leave|holiday|vacation)\b")


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    """ "Only X knows", a key person's leave, or critical work concentrated on one person."""
    signals: dict[str, RiskSignal] = {}
    since = scan.period.end - dt.timedelta(days=LOOKBACK_DAYS)

    def signal_for(person: str) -> RiskSignal:
        return signals.setdefault(
            person,
            RiskSignal(
                key=f"key_person:{slug(person)}",
                kind="key_person",
                category="resource",
                person=person,
                # Handover and knowledge-transfer work is the answer to this risk.
                subjects={person, "handover"},
            ),
        )

    leave: dict[str, list[MinutesLine]] = {}
    leave_starts: dict[str, dt.date] = {}
    phrased: list[MinutesLine] = []
    for line in scan.minutes_lines(since):
        for match in ONLY_PERSON.finditer(line.text):
            person = scan.person(match.group("name") or match.group("name2") or "")
            if person:
                signal = signal_for(person)
                scan.cite_line(signal, line, match.group(0))
                signal.details["sole_knowledge"] = 1
        if KEY_PERSON_PHRASES.search(line.text):
            phrased.append(line)
        for match in LEAVE.finditer(line.text):
            # The person on leave is the one named just before the word ("Tom's leave",
            # "Tom Okafor on leave", "Tom, you're on leave"), not everyone on the line.
            named = scan.people_in(line.text[max(0, match.start() - 40) : match.start()])
            if named:
                leave.setdefault(named[-1], []).append(line)
                starts = scan.upcoming_dates(line.text[match.end() :], line.document.date)
                if starts:
                    leave_starts.setdefault(named[-1], starts[0])

    critical = scan.open_work_by_person()
    total = sum(len(items) for items in critical.values())
    for person, tickets in critical.items():
        share = len(tickets) / total if total else 0.0
        concentrated = len(tickets) >= KEY_PERSON_MIN_TICKETS and share >= KEY_PERSON_SHARE
        if concentrated or (person in leave and len(tickets) >= 2):
            signal_for(person).details["critical_share"] = round(share, 2)
    for person, signal in signals.items():
        tickets = critical.get(person, [])
        signal.details["critical_tickets"] = len(tickets)
        signal.subjects |= {t.key for t in tickets}
        signal.tickets.extend(tickets)
        if tickets:
            keys = ", ".join(t.key for t in tickets[:6])
            signal.facts.append(
                f"{person} holds {len(tickets)} of the {total} open Highest-priority or "
                f"severity-1 tickets ({keys})."
            )
        for ticket in tickets[:3]:
            scan.cite_ticket(signal, ticket)
        for line in phrased:
            if person in scan.people_in(line.text):
                scan.cite_line(signal, line, "single point of failure key person")
        for line in leave.get(person, []):
            scan.cite_line(signal, line, "leave")
            signal.details["leave"] = 1
        if person in leave_starts:
            signal.proximity = leave_starts[person]
            signal.details["leave_from"] = leave_starts[person].isoformat()
    return [s for s in signals.values() if s.evidence]


def propose(signal: RiskSignal) -> ProposalDraft:
    person = signal.person or "one person"
    first = person.split()[0]
    parts = []
    sole = next((e.excerpt for e in signal.evidence if f"only {first}" in e.excerpt), None)
    if sole:
        parts.append(clause(sole, f"only {first}"))
    critical = int(signal.details.get("critical_tickets", 0))
    if critical:
        keys = ", ".join(t.key for t in signal.tickets[:4])
        parts.append(f"{person} holds {critical} open Highest-priority tickets ({keys})")
    if signal.details.get("leave_from"):
        parts.append(f"{person} is on leave from {signal.details['leave_from']}")
    chance = Score(2, "critical work rests on one person")
    if signal.details.get("sole_knowledge"):
        chance.add(1, f"the record says only {first} knows it")
    share = float(signal.details.get("critical_share", 0))
    if share >= 0.4:
        chance.add(1, f"{person} holds {share:.0%} of the open critical work")
    if signal.details.get("leave"):
        chance.add(1, f"{first} will be on leave")
    harm = Score(3, "the work only they can do waits")
    if critical >= 2:
        harm.add(1, f"{critical} open critical tickets depend on {first}")
    covers = [a.owner for a in signal.actions if a.owner and a.owner != person]
    owner = covers[0] if covers else None
    proposal = draft(
        signal,
        title=f"Key-person dependency on {person}",
        cause="; ".join(parts) or f"critical knowledge rests with {person}",
        event=f"{person} is unavailable when the work needs them",
        effect="the work only they can do stops and the dates that depend on it slip",
        likelihood=chance.value,
        impact=harm.value,
        owner=owner,
        response="mitigate",
        mitigation=[
            f"Write down what only {first} knows and have someone else use it before the absence",
            f"Pair a second person on {person}'s open critical tickets",
            "Agree cover for the absence and record it in the plan",
        ],
        trigger=f"Handover material not finished a week before {first} is away, or {first}'s "
        "open critical work keeps growing",
        inferred={"likelihood": chance.reason(), "impact": harm.reason()},
    )
    if owner:
        proposal.inferred["owner"] = "suggested: owner of the action to arrange cover"
    return proposal


def clause(text: str, words: str) -> str:
    """The clause of a sentence that holds `words`: 'only Tom knows the BX-400 extract format'."""
    for part in re.split(r"[;:]\s+|\.\s+", text):
        if words in part:
            return part.strip(" .")
    return text.strip(" .")


FAMILY = SignalFamily(kind="key_person", generic=False, detect=detect, propose=propose)
