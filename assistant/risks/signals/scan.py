"""The record as the signal detectors read it for one period: its facts, its people (by name,
first name and tracker login), its minutes line by line, and how to cite a ticket, a chunk or a
line as a signal's evidence."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.domain.facts import PeriodFacts, TicketFact
from assistant.domain.record import Chunk, Document, Meeting, Ticket
from assistant.facts.record import RecordSnapshot
from assistant.facts.tickets import TicketFacts, done_by, existed_by, priority_rank, severity_level
from assistant.grounding import TICKET_KEY
from assistant.risks.signals.base import (
    RiskSignal,
    SignalEvidence,
    clean_line,
    content_words,
    excerpt,
    milestone_phrases,
    sentence_with,
)
from assistant.risks.signals.vocabulary import (
    CREDENTIAL_TERMS,
    EXPIRY_TERMS,
    FINDING_ID,
    HANDOVER_TERMS,
    PRIVACY_TERMS,
    SECURITY_TERMS,
    classify,
)
from assistant.text.dates import find_all_dates


@dataclass
class MinutesLine:
    document: Document
    chunk: Chunk
    text: str


class SignalScan:
    """One period's facts and the record as of the period's end, with what every detector needs
    to read them."""

    def __init__(self, facts: PeriodFacts, record: RecordSnapshot) -> None:
        self.facts = facts
        self.record = record
        self.period = facts.period
        self.people = known_people(record)
        self.first_names = unique_first_names(self.people)
        # Trackers name people by login ("icarvalho"); the minutes by name ("Ines Carvalho").
        self.login_people = logins_to_people(
            {t.assignee for _, t in record.tickets() if t.assignee}, self.people
        )
        self.issue_numbers = issue_numbers_of([t.key for _, t in record.tickets()])
        self.ticket_documents = {t.key: d for d, t in record.tickets()}
        self.ticket_facts = TicketFacts(record, facts.period)
        self.chunks = {
            chunk.id: (document, chunk)
            for document in record.documents
            for chunk in record.chunks_by_document.get(document.id, [])
        }

    def ticket_signal(
        self,
        ticket: TicketFact,
        kind: str,
        state: str,
        details: dict[str, float | int | str] | None = None,
    ) -> RiskSignal:
        signal = RiskSignal(
            key=f"{kind.split('_')[0]}:{ticket.key.lower()}",
            kind=kind,
            category=classify(ticket.summary, default="schedule"),
            subjects=self.subjects_of(f"{ticket.key} {ticket.summary}") | {ticket.key},
            tickets=[ticket],
            texts=[ticket.summary],
            proximity=ticket.due,
            owner=self.name_of(ticket.assignee),
            owner_basis=f"assignee of {ticket.key}" if ticket.assignee else None,
            details=details or {},
        )
        signal.facts.append(f"{ticket.key} {ticket.summary}: {state}.")
        self.cite_ticket(signal, ticket)
        return signal

    def name_of(self, assignee: str | None) -> str | None:
        """A tracker assignee as the person the minutes name, when the login says who."""
        return self.login_people.get(assignee, assignee) if assignee else None

    def upcoming_dates(self, text: str, written_on: dt.date | None) -> list[dt.date]:
        """Dates a text names that fall on or after the period's start, in the order written."""
        year = written_on.year if written_on else self.period.end.year
        return [day for day, _ in find_all_dates(text, year) if day >= self.period.start]

    def subjects_of(self, text: str) -> set[str]:
        found = set(TICKET_KEY.findall(text))
        # "#44" in minutes is the issue the tracker calls "beacon#44".
        found |= {
            self.issue_numbers[n]
            for n in re.findall(r"(?<![\w#])#(\d+)\b", text)
            if n in self.issue_numbers
        }
        found |= set(self.people_in(text))
        lowered = text.lower()
        for milestone in self.facts.milestones:
            if re.search(rf"\b{re.escape(milestone.id)}\b", text):
                found.add(milestone.id)
            found |= {p for p in milestone_phrases(milestone.name) if p in lowered}
        for ticket in self.facts.blocked:
            if ticket.waiting_on and ticket.waiting_on.lower() in lowered:
                found.add(ticket.waiting_on.lower())
        if re.search(r"\b(?:budget|overspend|forecast at completion)\b", lowered):
            found.add("budget")
        if CREDENTIAL_TERMS.search(text) and EXPIRY_TERMS.search(text):
            found.add("credential-expiry")
        if HANDOVER_TERMS.search(text):
            found.add("handover")
        found |= set(FINDING_ID.findall(text))
        if PRIVACY_TERMS.search(text):
            found.add("data-protection")
        if SECURITY_TERMS.search(text):
            found.add("security")
        return found

    def people_in(self, text: str) -> list[str]:
        """Known people a text names (full name, or a first name only one person has), in the
        order they appear."""
        where: dict[str, int] = {}
        for person in self.people:
            if match := re.search(rf"\b{re.escape(person)}\b", text):
                where[person] = match.start()
        for first, person in self.first_names.items():
            if person not in where and (match := re.search(rf"\b{re.escape(first)}\b", text)):
                where[person] = match.start()
        return sorted(where, key=lambda person: where[person])

    def person(self, name: str) -> str | None:
        if name in self.people:
            return name
        return self.first_names.get(name.split()[0]) if name else None

    def is_internal(self, name: str) -> bool:
        return self.person(name) is not None

    def open_tickets(self) -> list[tuple[Document, Ticket]]:
        end = self.period.end
        return [
            (document, ticket)
            for document, ticket in self.record.tickets()
            if (ticket.type or "").lower() != "epic"
            and existed_by(ticket, end)
            and not done_by(ticket, end)
        ]

    def open_work_by_person(self) -> dict[str, list[TicketFact]]:
        """Open Highest-priority or severity-1 tickets per assignee, as of the period's end."""
        found: dict[str, list[TicketFact]] = {}
        for document, ticket in self.open_tickets():
            if not ticket.assignee:
                continue
            level = severity_level(ticket)
            if level == 1 or priority_rank(ticket.priority) == 0:
                person = self.login_people.get(ticket.assignee, ticket.assignee)
                found.setdefault(person, []).append(self.ticket_fact(document, ticket))
        return found

    def ticket_fact(self, document: Document, ticket: Ticket) -> TicketFact:
        known = next(
            (
                t
                for t in [*self.facts.overdue, *self.facts.blocked, *self.facts.in_progress]
                if t.key == ticket.key
            ),
            None,
        )
        return known if known is not None else self.ticket_facts.fact(document, ticket)

    def cite_ticket(self, signal: RiskSignal, ticket: TicketFact, words: str | None = None) -> None:
        document = self.ticket_documents.get(ticket.key)
        if document is None:
            return
        chunks = self.record.chunks_by_document.get(document.id, [])
        chosen = chunks[0] if chunks else None
        if words and chunks:
            wanted = content_words(words)
            chosen = max(
                chunks,
                key=lambda c: (
                    words.lower() in c.text.lower(),
                    len(wanted & content_words(c.text)),
                ),
            )
        if chosen is None:
            return
        quoted = excerpt(chosen.text, words) if words else f"{ticket.key}: {ticket.summary}"
        signal.add_evidence(
            SignalEvidence(chosen.id, document.id, quoted, document.date, chosen.text)
        )
        if chosen is not chunks[0]:
            # The ticket's first chunk holds its key, status, assignee and dates.
            first = chunks[0]
            summary = f"{ticket.key}: {ticket.summary}"
            signal.add_evidence(SignalEvidence(first.id, document.id, summary, None, first.text))

    def cite_chunk(self, signal: RiskSignal, chunk_id: str, words: str) -> None:
        if found := self.chunks.get(chunk_id):
            document, chunk = found
            signal.add_evidence(
                SignalEvidence(
                    chunk.id, document.id, excerpt(chunk.text, words), document.date, chunk.text
                )
            )

    def cite_line(self, signal: RiskSignal, line: MinutesLine, words: str | None = None) -> None:
        quoted = sentence_with(line.text, words) if words else line.text
        signal.add_evidence(
            SignalEvidence(
                line.chunk.id, line.document.id, quoted, line.document.date, line.chunk.text
            )
        )

    def minutes_lines(self, since: dt.date) -> Iterator[MinutesLine]:
        """Lines of the minutes held between `since` and the end of the period."""
        for document, _meeting in self.meetings(since):
            for chunk in self.record.chunks_by_document.get(document.id, []):
                # The first line of a chunk is its header (title, date, section).
                for text in chunk.text.split("\n")[1:]:
                    if re.match(r"^\s*(?:[-*+]\s*)?\[[xX]\]", text):
                        continue  # a ticked-off action is done, not a sign of anything
                    text = clean_line(text)
                    if text:
                        yield MinutesLine(document, chunk, text)

    def meetings(self, since: dt.date) -> list[tuple[Document, Meeting]]:
        return [
            (document, meeting)
            for document, meeting in self.record.meetings()
            if document.date is not None and since <= document.date <= self.period.end
        ]


def logins_to_people(logins: set[str], people: list[str]) -> dict[str, str]:
    """Logins that plainly belong to one known person: icarvalho, ines.carvalho, carvalho."""

    def plain(text: str) -> str:
        return re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", text).lower())

    found: dict[str, str] = {}
    for login in logins:
        if login in people:
            continue
        key = plain(login)
        matches = []
        for person in people:
            parts = [plain(p) for p in person.split() if plain(p)]
            if len(parts) < 2:
                continue
            first, last = parts[0], parts[-1]
            if key in {first[0] + last, first + last, last + first[0], last, first + last[0]}:
                matches.append(person)
        if len(matches) == 1:
            found[login] = matches[0]
    return found


def issue_numbers_of(keys: list[str]) -> dict[str, str]:
    """'44' -> 'beacon#44' for tracker keys written as repo#number, when unambiguous."""
    numbers: dict[str, list[str]] = {}
    for key in keys:
        if "#" in key:
            numbers.setdefault(key.rpartition("#")[2], []).append(key)
    return {number: found[0] for number, found in numbers.items() if len(found) == 1}


def known_people(record: RecordSnapshot) -> list[str]:
    people: set[str] = set()
    for document in record.documents:
        people.update(p.strip() for p in document.people if " " in p.strip())
    return sorted(people)


def unique_first_names(people: list[str]) -> dict[str, str]:
    counts = Counter(person.split()[0] for person in people)
    return {p.split()[0]: p for p in people if counts[p.split()[0]] == 1}
