"""Service terms that end: a free trial, a subscription or a support contract the record says
expires on a date that is near, with the switch to a paid plan or a renewal not yet done. When
it lapses the team loses the service, or its content, until someone signs.

Licences, certificates and keys are the credentials family's; this one is the commercial side,
the team's dependency on an outside provider's terms (category vendor/external).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from assistant.domain.risk import ProposalDraft
from assistant.risks.signals.assessment import Score
from assistant.risks.signals.base import LOOKBACK_DAYS, RiskSignal, clean_line, slug
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.outline import read_outline
from assistant.risks.signals.proposals import draft
from assistant.risks.signals.scan import SignalScan
from assistant.risks.signals.vocabulary import CREDENTIAL_TERMS
from assistant.text.dates import find_all_dates

TERMS = re.compile(
    r"\b(?:(?:free )?trials?|subscriptions?|(?:support|service|hosting|maintenance) "
    r"(?:contracts?|agreements?|plans?)|contracts?|(?:free|paid|pro|team|business|enterprise|"
    r"pricing) (?:plans?|tiers?))\b",
    re.IGNORECASE,
)
ENDS = re.compile(r"\b(?:expir\w*|ends?|ending|runs? out|lapses?|terminat\w*)\b", re.IGNORECASE)
# "9/11/23": two-digit years, which either reading (day or month first) may mean.
SHORT_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2})\b")
HORIZON_DAYS = 42
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    start = scan.period.start
    horizon = scan.period.end + dt.timedelta(days=HORIZON_DAYS)
    signals: dict[str, RiskSignal] = {}
    for document, ticket in scan.open_tickets():
        year = (ticket.created or ticket.updated or dt.datetime(scan.period.end.year, 1, 1)).year
        for sentence in SENTENCE.split(f"{ticket.summary}.\n{ticket.description}"):
            day = _ending(sentence, year, start, horizon)
            if day is None:
                continue
            fact = scan.ticket_fact(document, ticket)
            key = f"term:{fact.key.lower()}"
            if key in signals:
                continue
            signal = _signal(key, clean_line(sentence), day)
            signal.tickets.append(fact)
            signal.subjects.add(fact.key)
            signal.facts.append(f"{fact.key} {fact.summary} is {fact.status or 'open'}.")
            scan.cite_ticket(signal, fact, sentence[:60])
            if fact.assignee:
                signal.owner = scan.name_of(fact.assignee)
                signal.owner_basis = f"assignee of {fact.key}"
            signals[key] = signal
    outline = read_outline(scan, scan.period.end - dt.timedelta(days=LOOKBACK_DAYS))
    for line in outline:
        if line.done:
            continue
        day = _ending(line.text, (line.date or scan.period.end).year, start, horizon)
        if day is None:
            continue
        key = f"term:{slug(line.text)[:50]}"
        if key not in signals:
            signals[key] = _signal(key, line.text, day)
        scan.cite_line(signals[key], line.as_minutes_line(), line.text)
    return list(signals.values())


def _ending(text: str, year: int, start: dt.date, horizon: dt.date) -> dt.date | None:
    """The day a trial, subscription or contract the text names ends, when it falls between
    the period's start and the horizon."""
    if not (TERMS.search(text) and ENDS.search(text)) or CREDENTIAL_TERMS.search(text):
        return None
    days = [day for day, _ in find_all_dates(text, year)]
    for match in SHORT_DATE.finditer(text):
        first, second, short = (int(n) for n in match.groups())
        for month, day in ((second, first), (first, second)):
            try:
                days.append(dt.date(2000 + short, month, day))
            except ValueError:
                continue
    inside = sorted(day for day in days if start <= day <= horizon)
    return inside[0] if inside else None


def _signal(key: str, sentence: str, day: dt.date) -> RiskSignal:
    signal = RiskSignal(
        key=key,
        kind="service_term_ending",
        category="vendor/external",
        subjects={key},
        texts=[sentence],
        # The date stays as the record writes it ("9/11/23"): a reading of it is not evidence.
        details={"ends": day.isoformat()},
    )
    signal.headline = sentence
    signal.facts.append(sentence.rstrip(".") + ".")
    return signal


def _clause(sentence: str) -> str:
    """What ends and when, from the sentence: '… before our free trial expires on 9/11/23.'
    -> 'Free trial expires on 9/11/23'."""
    end = ENDS.search(sentence)
    terms = [t for t in TERMS.finditer(sentence) if end and t.start() < end.start()]
    if not terms:
        return sentence.rstrip(".")
    clause = sentence[terms[-1].start() :].rstrip(" .")
    return clause[:1].upper() + clause[1:]


def propose(signal: RiskSignal) -> ProposalDraft:
    day = dt.date.fromisoformat(str(signal.details["ends"]))
    chance = Score(2, "a stated end date; renewals are routine")
    if (day - signal.today).days <= 14:
        chance.add(1, "it ends within 14 days of the period's end")
    if not signal.owner:
        chance.add(1, "nobody named to renew it")
    harm = Score(3, "the team loses the service, or what it holds, until it is renewed")
    ticket = signal.tickets[0] if signal.tickets else None
    title = _clause(signal.headline)
    if ticket:
        title += f": {ticket.key} {ticket.summary} ({ticket.status or 'open'})"
    return draft(
        signal,
        title=title[:160],
        cause=" ".join(signal.facts[:2]),
        event="the trial, subscription or contract lapses before it is renewed or upgraded",
        effect="the service stops, or its content becomes unavailable, while the team needs it",
        likelihood=chance.value,
        impact=harm.value,
        response="mitigate",
        mitigation=[
            "Name who signs the renewal or upgrade, and do it a week before the end date",
            "Export what the service holds before the date",
        ],
        trigger="A week before the end date without the renewal confirmed",
        inferred={"likelihood": chance.reason(), "impact": harm.reason()},
    )


FAMILY = SignalFamily(kind="service_term_ending", generic=False, detect=detect, propose=propose)
