"""Expiring credentials and certificates: a certificate, token, key, licence or service
principal the record says expires, or must be renewed, by a date that is near, and that is not
yet reported renewed.

All of them make one risk: a register holds one line for "credentials expiring", with each
credential as evidence, rather than one line per token. The minutes of the last weeks count
(a list of upcoming expiries is written once and holds until the date), as do open tickets to
renew one and actions that do.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from assistant.domain.facts import ActionItemFact, TicketFact
from assistant.domain.risk import ProposalDraft
from assistant.grounding import TICKET_KEY
from assistant.risks.signals.assessment import Score
from assistant.risks.signals.base import LOOKBACK_DAYS, RiskSignal, content_words
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.outline import OutlineLine, plain, read_outline
from assistant.risks.signals.proposals import draft
from assistant.risks.signals.scan import SignalScan
from assistant.risks.signals.timing import DATE_WORDS, When, whens
from assistant.risks.signals.vocabulary import COMPLIANCE_TERMS, CREDENTIAL_TERMS, EXPIRY_TERMS
from assistant.text.dates import find_all_dates

CREDENTIAL_HORIZON_DAYS = 42  # an expiry this far past the period's end is already a risk
RENEWED = re.compile(
    r"\b(?:renewed|rotated|replaced|extended|already (?:have|got|received) the new)\b", re.I
)
LIST_HEADING = re.compile(r"\b(?:expirations|expiries|renewals)\b[^:]*:", re.IGNORECASE)
# What an expired credential stops, when the record says it is more than a build.
DEPENDS = re.compile(
    r"\b(?:production|prod|customers?|payments?|UAT|go-live|cannot start|outage)\b", re.I
)
# A line (or the lines under it) that shows the renewal is in hand: a ticket, an owner.
PLANNED = re.compile(
    r"/issues/\d+|/pull/\d+|#\d+\b|\b[A-Z][A-Z0-9]+-\d+\b|@\w+|\b(?:issue|ticket|owner|assigned)\b",
    re.IGNORECASE,
)
# Words every credential line has: they do not tell one credential from another.
COMMON = {
    "credential",
    "token",
    "key",
    "api",
    "certificate",
    "cert",
    "expire",
    "expir",
    "expiry",
    "expiring",
    "expiration",
    "renew",
    "renewal",
    "used",
    "secret",
    "password",
    "licence",
    "license",
}


@dataclass
class Expiry:
    """One credential and when it expires, with where the record says so."""

    name: str
    day: dt.date
    words: set[str]
    lines: list[OutlineLine] = field(default_factory=list)
    tickets: list[TicketFact] = field(default_factory=list)
    actions: list[ActionItemFact] = field(default_factory=list)
    shown: str = ""  # the date as a proposal writes it: ISO for a day, the words for a month

    @property
    def says_expiry(self) -> bool:
        return any(re.search(r"\bexpir", line.text, re.IGNORECASE) for line in self.lines)

    @property
    def newest(self) -> dt.date:
        return max((line.date for line in self.lines if line.date), default=dt.date.min)

    @property
    def planned(self) -> bool:
        """A renewal ticket, an action, or a line that names an issue or an owner."""
        return bool(self.tickets or self.actions) or any(
            PLANNED.search(" ".join([line.raw, *(below.raw for below in line.below)]))
            for line in self.lines
        )

    @property
    def references(self) -> set[str]:
        """Tickets its lines name ("(#42)", "HBR-119"): two lines naming one ticket are about
        one credential."""
        found: set[str] = set()
        for line in self.lines:
            found |= set(TICKET_KEY.findall(line.text)) | set(re.findall(r"#\d+\b", line.text))
        return found | {t.key for t in self.tickets}

    def same_as(self, other: Expiry) -> bool:
        if self.references & other.references:
            return True
        shared = self.words & other.words
        if self.day == other.day and (shared or not self.words or not other.words):
            return True
        return len(shared) >= 2 and len(shared) >= 0.6 * min(len(self.words), len(other.words))


def credential_name(text: str) -> str:
    """What expires, in the record's words: '2026-07-26: Azure Credential used by Packer Image
    builds expires' -> 'Azure Credential used by Packer Image builds'."""
    text = plain(text)
    if " | " in text:  # a table row: the cell that names the credential
        cells = [cell for cell in text.split(" | ") if CREDENTIAL_TERMS.search(cell)]
        text = cells[0] if cells else text
    text = DATE_WORDS.sub(" ", text).strip(" :-—–")
    text = re.sub(r"^\s*(?:\[[^\]]*\]\s*)+", "", text)  # leading tags: "[infra.ci]"
    text = re.sub(r"^(?:R|RSK|RISK)-?\d+\b\W*", "", text)  # a register id: "R-08 …"
    text = re.sub(r"\([^)]*\)|\s(?:=>|->|→)\s.*$", " ", text)  # "(detail)", "=> owner"
    text = re.sub(r"^\W*(?:renew(?:al of)?|rotate|the)\s+", "", text, flags=re.IGNORECASE)
    text = re.split(
        r"\s+(?:expir\w*|runs? out|is valid|valid until|must be renewed)\b|[;:]",
        text,
        maxsplit=1,
        flags=re.IGNORECASE,
    )[0]
    text = re.sub(r"\s+(?:by|before|on|on the|until|due)\s*$", "", text.strip(" .,-—–:"))
    return re.sub(r"\s+", " ", text).strip(" .,-—–:") or "A credential"


def expire(name: str) -> str:
    """'expire' after a plural ('TLS certificates'), else 'expires'."""
    last = name.split()[-1].lower() if name.split() else ""
    return "expire" if last.endswith("s") and not last.endswith("ss") else "expires"


def _distinct_words(name: str) -> set[str]:
    return {w for w in content_words(name) if w not in COMMON and not w.isdigit()}


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    """Credentials the minutes, tickets or actions say expire between the period's start and
    six weeks after its end, not reported renewed since."""
    start = scan.period.start
    horizon = scan.period.end + dt.timedelta(days=CREDENTIAL_HORIZON_DAYS)
    outline = read_outline(scan, scan.period.end - dt.timedelta(days=LOOKBACK_DAYS))
    items: list[Expiry] = []

    def add(found: Expiry) -> Expiry:
        known = next((item for item in items if item.same_as(found)), None)
        if known is None:
            items.append(found)
            return found
        # The line that says "expires" names the credential and gives its date, over a line
        # that only says when to renew it; among those, the newest wording.
        if found.says_expiry and (not known.says_expiry or found.newest >= known.newest):
            known.name, known.day, known.shown = found.name, found.day, found.shown
            known.words |= found.words
        known.lines += [line for line in found.lines if line not in known.lines]
        known.tickets += [t for t in found.tickets if t not in known.tickets]
        return known

    renewed: list[tuple[dt.date | None, set[str]]] = []
    # "[ ] Dana Fox — renew the test certificates — due 13 Nov" is the action, attached below.
    tasks = [content_words(a.task) for a in scan.facts.action_items if a.state != "done"]
    for line in outline:
        if not CREDENTIAL_TERMS.search(line.text):
            continue
        if line.done or RENEWED.search(line.text):
            renewed.append((line.date, _distinct_words(credential_name(line.text))))
            continue
        says_expiry = bool(re.search(r"\bexpir", line.text, re.IGNORECASE))
        words = content_words(line.text)
        if not says_expiry and any(len(task) >= 2 and task <= words for task in tasks):
            continue
        if (line.below and line.text.endswith(":")) or LIST_HEADING.search(line.text):
            continue  # "Upcoming credential expirations:" heads the list, it is not one
        if not (EXPIRY_TERMS.search(line.text) or _has_date(scan, line)):
            continue  # "We already have the new certificate": a note under an expiry
        if any(RENEWED.search(below.text) for below in line.below):
            renewed.append((line.date, _distinct_words(credential_name(line.text))))
            continue
        if not EXPIRY_TERMS.search(line.context):
            continue
        dated = _expiry_day(scan, line)
        if dated is None or not start <= dated[0].day <= horizon:
            continue
        name = credential_name(line.text)
        when, source = dated
        lines = [line] if source is line else [line, source]
        add(Expiry(name, when.day, _distinct_words(name), lines=lines, shown=_shown(when)))
    for item in list(items):
        stated = min((line.date for line in item.lines if line.date), default=None)
        if any(
            _same_credential(words, item.words)
            and (when is None or stated is None or when >= stated)
            for when, words in renewed
        ):
            items.remove(item)  # reported renewed in a meeting since it was listed
    _add_tickets(scan, items, add, start, horizon)
    for action in scan.facts.action_items:
        if action.state == "done" or not CREDENTIAL_TERMS.search(action.task):
            continue
        words = _distinct_words(action.task)
        for item in items:
            if words & item.words or any(
                t.key in action.task or t.key.rpartition("#")[2] in action.task
                for t in item.tickets
            ):
                item.actions.append(action)
                break
    if not items:
        return []
    return [_signal(scan, sorted(items, key=lambda item: item.day))]


def _same_credential(done: set[str], listed: set[str]) -> bool:
    """A finished line is about a listed credential when it shares most of its words (a
    vendor's name alone, "azure", is not enough)."""
    shared = done & listed
    if len(listed) <= 1:
        return bool(listed) and listed <= done
    return len(shared) >= 2 and len(shared) >= 0.6 * len(listed)


def _expiry_day(scan: SignalScan, line: OutlineLine) -> tuple[When, OutlineLine] | None:
    """The date (or month) the line, or the nearest line above it, gives; and the line that
    gives it."""
    year = line.date.year if line.date else scan.period.end.year
    for source in [line, *reversed(line.above)]:
        found = whens(source.text, source.date, year, spans=False)
        if found:
            upcoming = [when for when in found if when.day >= scan.period.start]
            return min(upcoming or found, key=lambda when: when.day), source
    return None


def _has_date(scan: SignalScan, line: OutlineLine) -> bool:
    year = line.date.year if line.date else scan.period.end.year
    return bool(whens(line.text, line.date, year, spans=False))


def _shown(when: When) -> str:
    """How a proposal writes the date: ISO when the record wrote a day, else its words."""
    return when.day.isoformat() if when.exact else when.words


def _add_tickets(
    scan: SignalScan,
    items: list[Expiry],
    add: Callable[[Expiry], Expiry],
    start: dt.date,
    horizon: dt.date,
) -> None:
    """Open tickets to renew a credential: beside the minutes line that names them, or as an
    expiry of their own when their text gives a date (or their due date) in the window."""
    for document, ticket in scan.open_tickets():
        if not CREDENTIAL_TERMS.search(ticket.summary):
            continue
        text = f"{ticket.summary}\n{ticket.description}"
        expiring = [
            sentence
            for sentence in re.split(r"(?<=[.!?])\s+|\n", ticket.description)
            if CREDENTIAL_TERMS.search(sentence) and re.search(r"\bexpir", sentence, re.I)
        ]
        if not (EXPIRY_TERMS.search(ticket.summary) or expiring):
            continue  # "Secrets management: vault": about secrets, not one that expires
        fact = scan.ticket_fact(document, ticket)
        named = [
            item
            for item in items
            if any(_names_ticket(line.text, ticket.key) for line in item.lines)
        ]
        if named:
            named[0].tickets.append(fact)
            continue
        year = (ticket.created or ticket.updated or dt.datetime(scan.period.end.year, 1, 1)).year
        days = [day for day, _ in find_all_dates(text, year) if start <= day <= horizon]
        day = min(days) if days else fact.due
        if day is None or not start <= day <= horizon:
            continue
        name = credential_name(ticket.summary)
        add(Expiry(name, day, _distinct_words(name), tickets=[fact], shown=day.isoformat()))


def _names_ticket(text: str, key: str) -> bool:
    if key in text:
        return True
    number = key.rpartition("#")[2]
    return "#" in key and bool(re.search(rf"(?<![\w#])#{number}\b", text))


def _signal(scan: SignalScan, items: list[Expiry]) -> RiskSignal:
    context = " ".join(line.context for item in items for line in item.lines)
    context += " ".join(t.summary for item in items for t in item.tickets)
    signal = RiskSignal(
        key="credentials:expiry",
        kind="credential_expiry",
        category="compliance/security" if COMPLIANCE_TERMS.search(context) else "technical",
        subjects={"credential-expiry"},
        proximity=items[0].day,
        details={"credentials": len(items)},
    )
    for item in items:
        on = "on" if item.shown[:1].isdigit() else "in"
        signal.facts.append(f"{item.name} {expire(item.name)} {on} {item.shown or item.day}.")
        signal.texts.append(item.name)
        item.lines.sort(key=lambda line: line.date or dt.date.min, reverse=True)
        for line in item.lines:
            signal.subjects |= set(TICKET_KEY.findall(line.text)) | set(scan.people_in(line.text))
    # Each credential's newest line and its tickets first, so that every credential is among
    # the sources a proposal cites; older lines after.
    for item in items:
        if item.lines:
            scan.cite_line(signal, item.lines[0].as_minutes_line(), "expir")
        for ticket in item.tickets:
            signal.tickets.append(ticket)
            signal.subjects.add(ticket.key)
            scan.cite_ticket(signal, ticket)
            if signal.owner is None and ticket.assignee:
                signal.owner = scan.name_of(ticket.assignee)
                signal.owner_basis = f"assignee of {ticket.key}"
        for action in item.actions:
            signal.actions.append(action)
            for chunk_id in action.sources:
                scan.cite_chunk(signal, chunk_id, action.task)
            if action.owner and not signal.owner:
                signal.owner, signal.owner_basis = action.owner, "owner of the renewal action"
    for item in items:
        for line in item.lines[1:3]:
            scan.cite_line(signal, line.as_minutes_line(), "expir")
    signal.details["unplanned"] = sum(1 for item in items if not item.planned)
    signal.dated = [(item.name, item.day) for item in items]
    signal.details["last_shown"] = items[-1].shown or items[-1].day.isoformat()
    signal.details["first_shown"] = items[0].shown or items[0].day.isoformat()
    return signal


def propose(signal: RiskSignal) -> ProposalDraft:
    named = signal.dated
    first = named[0][1] if named else signal.proximity
    if len(named) == 1:
        shown = str(signal.details.get("first_shown", named[0][1]))
        on = "on" if shown[:1].isdigit() else "in"
        title = f"{named[0][0]} {expire(named[0][0])} {on} {shown}"
    else:
        title = f"{len(named)} credentials expire by {signal.details.get('last_shown')}: "
        names = [name for name, _ in named]
        while len(names) > 1 and len(title + ", ".join(names)) > 140:
            names.pop()
        more = f" and {len(named) - len(names)} more" if len(names) < len(named) else ""
        title += ", ".join(names) + more
    chance = Score(2, "a stated expiry; renewals are routine work")
    days = (first - signal.today).days if first else None
    unplanned = int(signal.details.get("unplanned", 0))
    if days is not None and days <= 21:
        chance.add(1, f"the first expires within 21 days of the period's end ({first})")
    if unplanned:
        chance.add(1, f"{unplanned} with no renewal ticket, action or owner named")
    harm = Score(3, "what uses the credential stops working")
    text = " ".join([*signal.facts, *(e.text for e in signal.evidence)])
    if len(named) >= 3:
        harm.add(1, f"{len(named)} credentials expire in the same weeks")
    elif found := DEPENDS.search(text):
        harm.add(1, f"the record names what stops ('{found.group(0)}')")
    return draft(
        signal,
        title=title[:160],
        cause="; ".join(f.rstrip(".") for f in signal.facts[: min(4, len(named) or 1)]),
        event="a credential expires before it is renewed",
        effect="the builds, deployments or integrations that use it stop working",
        likelihood=chance.value,
        impact=harm.value,
        response="mitigate",
        mitigation=[
            "Give every expiring credential an owner and a renewal ticket",
            "Renew each one at least a week before it expires and check what uses it",
            "Keep a calendar of expiry dates and review it at every status meeting",
        ],
        trigger="A credential within a week of expiry and not renewed",
        inferred={"likelihood": chance.reason(), "impact": harm.reason()},
    )


FAMILY = SignalFamily(kind="credential_expiry", generic=False, detect=detect, propose=propose)
