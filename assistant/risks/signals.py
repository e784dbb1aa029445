"""Early-warning signals: deterministic detectors over the facts of a period and the record.

Each detector looks for one kind of threat a PM watches (see `SignalKind`) and returns
`RiskSignal`s that name their evidence (chunks and the words in them). Specific detectors
(vendor, key person, milestone, budget, scope, compliance, defects) each describe one risk;
generic ones (overdue critical work, ageing blockers, actions, stated concerns) are folded into
the specific risk they are about when they share a subject (a ticket key, a person, a vendor, a
milestone), merged with each other when they say the same thing, and stand alone otherwise.

No text in a source can do more than be evidence: detectors read facts and match words; nothing
they read is followed as an instruction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from assistant.facts.model import ActionItemFact, MilestoneFact, PeriodFacts, TicketFact
from assistant.facts.record import RecordSnapshot
from assistant.facts.tickets import (
    TicketFacts,
    done_by,
    existed_by,
    is_defect,
    priority_rank,
    severity_level,
)
from assistant.grounding import TICKET_KEY
from assistant.injection import gives_orders
from assistant.models import Chunk, Document, Meeting, Ticket
from assistant.risks.schema import RiskCategory
from ingest.loaders.dates import find_all_dates

SignalKind = Literal[
    "vendor_dependency",
    "key_person",
    "milestone_slip",
    "budget_variance",
    "scope_change",
    "compliance_finding",
    "defect_trend",
    "critical_defect",
    "overdue_critical",
    "blocked_ageing",
    "action_follow_up",
    "stated_concern",
]

# Tunables, named so the writer and the docs can say why a signal fired.
BLOCKED_DAYS = 5  # a blocker older than this is a risk, not an impediment of the day
MILESTONE_SLIPS = 2  # "slipped more than once"
LOOKBACK_DAYS = 28  # how far back key-person statements ("only Tom knows") still count
COMPLIANCE_HORIZON_DAYS = 14  # compliance work due this soon and not done is a signal
KEY_PERSON_SHARE = 0.4  # share of the open critical work on one person
KEY_PERSON_MIN_TICKETS = 3
MAX_EVIDENCE = 8


PRIVACY_TERMS = re.compile(
    r"\b(?:GDPR|personal data|patient data|health data|DPIA|DPO|data protection|privacy|"
    r"mask(?:ing|ed)?)\b",
    re.IGNORECASE,
)
SECURITY_TERMS = re.compile(
    r"\b(?:NIS2|DORA|audit(?:or|s)?|access review|PCI(?: DSS)?|penetration test|"
    r"vulnerabilit(?:y|ies)|security finding|breach|MFA|privileged access)\b",
    re.IGNORECASE,
)
COMPLIANCE_TERMS = re.compile(f"{PRIVACY_TERMS.pattern}|{SECURITY_TERMS.pattern}", re.IGNORECASE)
# Ids findings carry: "SEC-F-2027-03", "IG-2027-014".
FINDING_ID = re.compile(r"\b[A-Z]{2,5}(?:-[A-Z])?-\d{4}-\d{2,4}\b")
FINDING_TERMS = re.compile(
    r"\b(?:finding|breach|unclear|no owner|not (?:yet )?(?:done|started|agreed|decided)|overdue|"
    r"realised|still|tight|missed|escalat\w*)\b",
    re.IGNORECASE,
)
CONCERN_PHRASES = re.compile(
    r"\b(?:at risk|might slip|may slip|could slip|single point of failure|concern(?:ed|s)?|"
    r"worried|worry)\b",
    re.IGNORECASE,
)
ONLY_PERSON = re.compile(
    r"\bonly (?P<name>[A-Z][a-z]+(?: [A-Z][a-z]+)?) (?:knows|has worked|can|understands)\b"
    r"|\b(?P<name2>[A-Z][a-z]+(?: [A-Z][a-z]+)?) is the (?:only|single)\b"
)
# "certificates expire on 20 November", "the licence expires 2026-12-31"
EXPIRY = re.compile(r"\bexpir(?:e|es|y|ing|ed)\b", re.IGNORECASE)
KEY_PERSON_PHRASES = re.compile(r"\b(?:single point of failure|key[- ]person)\b", re.IGNORECASE)
LEAVE = re.compile(r"\b(?:on (?:annual |parental |sick )?leave|annual leave|holiday|vacation)\b")
VENDOR_TERMS = re.compile(
    r"\b(?:vendor|supplier|third[- ]party|contractor|support case|sandbox|SLA)\b", re.IGNORECASE
)
VENDOR_TROUBLE = re.compile(
    r"\b(?:waiting|no answer|no commitment|no uplift|throttl\w*|rate-limited|limit|escalat\w*|"
    r"missed|delay\w*|late)\b",
    re.IGNORECASE,
)
REOPENED = re.compile(r"\breopen(?:ed|s)?\b", re.IGNORECASE)
WAITING_ON = re.compile(
    r"\b(?:waiting|wait|blocked)\s+(?:on|for)\s+([A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)?)"
)
DECIDER = re.compile(r"\b([A-Z][a-z]+(?: [A-Z][a-z]+)?) (?:will|to|must) decide\b")
MILESTONE_ID = re.compile(r"M\d{1,2}")
STATUS_LINE = re.compile(r"^\W*(?:overall|project)\s+status\b", re.IGNORECASE)

# Category of a free-text concern, first match wins: specific words before general ones.
CATEGORY_WORDS: list[tuple[RiskCategory, re.Pattern[str]]] = [
    ("compliance/security", COMPLIANCE_TERMS),
    ("compliance/security", re.compile(r"\b(?:security|compliance)\b", re.IGNORECASE)),
    (
        "budget",
        re.compile(r"\b(?:budget|overspend|overrun|cost(?:s|ing)?|forecast at)\b", re.I),
    ),
    ("scope", re.compile(r"\b(?:change request|CR-\d+|scope)\b", re.IGNORECASE)),
    (
        "resource",
        re.compile(
            r"\b(?:leave|key[- ]person|single point of failure|only \w+ knows|staff\w*|"
            r"capacity|resourc\w*|hiring|sick)\b",
            re.IGNORECASE,
        ),
    ),
    ("vendor/external", VENDOR_TERMS),
    (
        "quality",
        re.compile(
            r"\b(?:defects?|bugs?|Sev-?\d|severity[- ]?\d|reopened|regression|quality|hazards?|"
            r"incidents?|failures?|fails)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "technical",
        re.compile(
            r"\b(?:certificates?|licen[cs]es?|environment|outage|infrastructure|performance|"
            r"integration|migration|extract|database|network|TLS)\b",
            re.IGNORECASE,
        ),
    ),
]

STOPWORDS = {
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "the",
    "and",
    "for",
    "with",
    "from",
    "that",
    "this",
    "are",
    "was",
    "were",
    "has",
    "have",
    "had",
    "not",
    "but",
    "all",
    "any",
    "its",
    "into",
    "our",
    "their",
    "they",
    "them",
    "will",
    "would",
    "should",
    "could",
    "can",
    "may",
    "might",
    "due",
    "now",
    "still",
    "than",
    "then",
    "there",
    "here",
    "what",
    "when",
    "who",
    "why",
    "how",
    "about",
    "after",
    "before",
    "over",
    "under",
    "until",
    "since",
    "also",
    "only",
    "one",
    "two",
    "per",
    "week",
    "weeks",
    "day",
    "days",
    "next",
    "last",
    "new",
    "high",
    "medium",
    "low",
}


@dataclass
class SignalEvidence:
    """A chunk the signal rests on, and the words in it that show the signal."""

    chunk_id: str
    document_id: str
    excerpt: str
    date: dt.date | None = None
    text: str = field(default="", repr=False)  # the whole chunk, for writers that need more


@dataclass
class RiskSignal:
    """One detected threat, before any writer turns it into a proposal."""

    key: str
    kind: SignalKind
    category: RiskCategory
    headline: str = ""
    facts: list[str] = field(default_factory=list, repr=False)
    evidence: list[SignalEvidence] = field(default_factory=list, repr=False)
    subjects: set[str] = field(default_factory=set, repr=False)
    tickets: list[TicketFact] = field(default_factory=list, repr=False)
    actions: list[ActionItemFact] = field(default_factory=list, repr=False)
    notes: list[str] = field(default_factory=list, repr=False)
    person: str | None = None
    vendor: str | None = None
    milestone: MilestoneFact | None = None
    proximity: dt.date | None = None
    owner: str | None = None
    owner_basis: str | None = None
    # The record's own words for what the signal is about (a task, a note, a summary).
    texts: list[str] = field(default_factory=list, repr=False)
    folded: list[RiskSignal] = field(default_factory=list, repr=False)
    details: dict[str, float | int | str] = field(default_factory=dict, repr=False)

    def add_evidence(self, item: SignalEvidence) -> None:
        if all(known.chunk_id != item.chunk_id for known in self.evidence):
            self.evidence.append(item)

    def absorb(self, other: RiskSignal, *, same_subjects: bool = False) -> None:
        """Fold a generic signal about the same thing into this one. A specific signal keeps
        its own subjects; two generic signals that say the same thing pool theirs."""
        self.folded.append(other)
        for item in other.evidence:
            self.add_evidence(item)
        known = {t.key for t in self.tickets}
        repeats_tickets = bool(other.tickets) and all(t.key in known for t in other.tickets)
        if not (repeats_tickets and other.kind in ("overdue_critical", "blocked_ageing")):
            self.facts.extend(fact for fact in other.facts if fact not in self.facts)
        self.texts.extend(text for text in other.texts if text not in self.texts)
        if same_subjects:
            self.subjects |= other.subjects
        self.tickets.extend(t for t in other.tickets if t.key not in known)
        self.actions.extend(a for a in other.actions if a not in self.actions)
        self.notes.extend(n for n in other.notes if n not in self.notes)
        if self.proximity is None:
            self.proximity = other.proximity
        if "decider" in other.details:
            self.details.setdefault("decider", other.details["decider"])
        if self.owner is None and other.owner is not None:
            self.owner = other.owner
            self.owner_basis = f"{other.owner_basis} ({other.kind.replace('_', ' ')})"

    @property
    def folded_kinds(self) -> set[str]:
        return {signal.kind for signal in self.folded}


@dataclass
class _Line:
    document: Document
    chunk: Chunk
    text: str


class SignalDetector:
    """Runs every detector over one period's facts and the record as of the period's end."""

    def __init__(self, facts: PeriodFacts, record: RecordSnapshot) -> None:
        self.facts = facts
        self.record = record
        self.period = facts.period
        self.people = _known_people(record)
        self.first_names = _unique_first_names(self.people)
        # Trackers name people by login ("icarvalho"); the minutes by name ("Ines Carvalho").
        self.login_people = _logins_to_people(
            {t.assignee for _, t in record.tickets() if t.assignee}, self.people
        )
        self._issue_numbers = _issue_numbers([t.key for _, t in record.tickets()])
        self._ticket_documents = {t.key: d for d, t in record.tickets()}
        self._ticket_facts = TicketFacts(record, facts.period)
        self._chunks = {
            chunk.id: (document, chunk)
            for document in record.documents
            for chunk in record.chunks_by_document.get(document.id, [])
        }

    # The whole run --------------------------------------------------------------------------

    def detect(self) -> list[RiskSignal]:
        specific = [
            *self.vendor_dependencies(),
            *self.key_person_dependencies(),
            *self.milestone_slips(),
            *self.budget_variance(),
            *self.scope_changes(),
            *self.compliance_findings(),
            *self.defect_trend(),
        ]
        generic = [
            *self.overdue_critical_work(),
            *self.ageing_blockers(specific),
            *self.actions_needing_follow_up(),
            *self.stated_concerns(),
        ]
        return specific + self._fold(specific, generic)

    # Specific detectors ---------------------------------------------------------------------

    def vendor_dependencies(self) -> list[RiskSignal]:
        """Work blocked on an external party, and minutes that say we are waiting on one."""
        signals: dict[str, RiskSignal] = {}
        for ticket in self.facts.blocked:
            vendor = ticket.waiting_on
            if not vendor or self._is_internal(vendor):
                continue
            signal = signals.setdefault(vendor.lower(), self._vendor_signal(vendor))
            signal.tickets.append(ticket)
            signal.facts.append(
                f"{ticket.key} {ticket.summary}: {ticket.blocked_text}, waiting on {vendor}."
            )
            self._cite_ticket(signal, ticket, f"waiting on {vendor}")
            signal.subjects.add(ticket.key)
            signal.details["blocked_days"] = max(
                int(signal.details.get("blocked_days", 0)), ticket.blocked_days or 0
            )
            if ticket.due and (signal.proximity is None or ticket.due < signal.proximity):
                signal.proximity = ticket.due
            if signal.owner is None and ticket.assignee:
                signal.owner = self._name(ticket.assignee)
                signal.owner_basis = f"assignee of the blocked ticket {ticket.key}"
        for line in self._minutes_lines(self.period.start):
            for match in WAITING_ON.finditer(line.text):
                vendor = match.group(1).strip().rstrip(".,;:")
                if self._is_internal(vendor) or vendor.lower() in {"a", "the", "it"}:
                    continue
                signals.setdefault(vendor.lower(), self._vendor_signal(vendor))
        for key, signal in list(signals.items()):
            name = signal.vendor or key
            for line in self._minutes_lines(self.period.start):
                if name.lower() in line.text.lower() and VENDOR_TROUBLE.search(line.text):
                    self._cite_line(signal, line, name)
            for item in signal.evidence:
                signal.subjects |= set(TICKET_KEY.findall(item.excerpt))
            if not signal.tickets and len(signal.evidence) < 2:
                del signals[key]  # one passing mention of waiting is not yet a dependency risk
                continue
            blocked = int(signal.details.get("blocked_days", 0))
            if signal.tickets and blocked < BLOCKED_DAYS and len(signal.evidence) < 2:
                del signals[key]
        return list(signals.values())

    def key_person_dependencies(self) -> list[RiskSignal]:
        """ "Only X knows", a key person's leave, or critical work concentrated on one person."""
        signals: dict[str, RiskSignal] = {}
        since = self.period.end - dt.timedelta(days=LOOKBACK_DAYS)

        def signal_for(person: str) -> RiskSignal:
            return signals.setdefault(
                person,
                RiskSignal(
                    key=f"key_person:{_slug(person)}",
                    kind="key_person",
                    category="resource",
                    person=person,
                    subjects={person},
                ),
            )

        leave: dict[str, list[_Line]] = {}
        leave_starts: dict[str, dt.date] = {}
        phrased: list[_Line] = []
        for line in self._minutes_lines(since):
            for match in ONLY_PERSON.finditer(line.text):
                person = self._person(match.group("name") or match.group("name2") or "")
                if person:
                    signal = signal_for(person)
                    self._cite_line(signal, line, match.group(0))
                    signal.details["sole_knowledge"] = 1
            if KEY_PERSON_PHRASES.search(line.text):
                phrased.append(line)
            for match in LEAVE.finditer(line.text):
                # The person on leave is the one named just before the word ("Tom's leave",
                # "Tom Okafor on leave", "Tom, you're on leave"), not everyone on the line.
                named = self._people_in(line.text[max(0, match.start() - 40) : match.start()])
                if named:
                    leave.setdefault(named[-1], []).append(line)
                    starts = self._upcoming_dates(line.text[match.end() :], line.document.date)
                    if starts:
                        leave_starts.setdefault(named[-1], starts[0])

        critical = self._open_work_by_person()
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
                self._cite_ticket(signal, ticket)
            for line in phrased:
                if person in self._people_in(line.text):
                    self._cite_line(signal, line, "single point of failure key person")
            for line in leave.get(person, []):
                self._cite_line(signal, line, "leave")
                signal.details["leave"] = 1
            if person in leave_starts:
                signal.proximity = leave_starts[person]
                signal.details["leave_from"] = leave_starts[person].isoformat()
        return [s for s in signals.values() if s.evidence]

    def milestone_slips(self) -> list[RiskSignal]:
        """Milestones not yet achieved that slipped more than once, or whose date is under
        review."""
        signals = []
        for milestone in self.facts.milestones:
            if milestone.achieved:
                continue
            if milestone.slips < MILESTONE_SLIPS and not milestone.under_review:
                continue
            signal = RiskSignal(
                key=f"milestone:{milestone.id.lower()}",
                kind="milestone_slip",
                category="schedule",
                milestone=milestone,
                subjects={milestone.id, *_milestone_phrases(milestone.name)},
                proximity=milestone.current or milestone.baseline,
            )
            if milestone.under_review:
                signal.facts.append(
                    f"{milestone.id} {milestone.name}: date under review (baseline "
                    f"{milestone.baseline})."
                )
            else:
                signal.facts.append(
                    f"{milestone.id} {milestone.name}: forecast {milestone.current}, baseline "
                    f"{milestone.baseline}, slipped {milestone.slips} times."
                )
            for chunk_id in milestone.sources:
                self._cite_chunk(signal, chunk_id, f"{milestone.id} {milestone.name}")
            owners = [
                t
                for t in self._open_tickets()
                if re.search(
                    rf"\b{re.escape(milestone.id)}\b", f"{t[1].summary} {t[1].description}"
                )
            ]
            if owners:
                document, ticket = min(owners, key=lambda pair: priority_rank(pair[1].priority))
                signal.owner = self._name(ticket.assignee)
                signal.owner_basis = f"assignee of {ticket.key}, which names {milestone.id}"
                self._cite_ticket(signal, self._ticket_fact(document, ticket), milestone.id)
            signals.append(signal)
        return signals

    def budget_variance(self) -> list[RiskSignal]:
        budget = self.facts.budget
        if budget is None or budget.variance_percent is None or budget.variance_percent <= 0:
            return []
        signal = RiskSignal(
            key="budget:forecast",
            kind="budget_variance",
            category="budget",
            subjects={"budget"},
            details={"variance_percent": round(budget.variance_percent, 1)},
        )
        signal.facts.append(budget.text)
        for chunk_id in budget.sources:
            self._cite_chunk(signal, chunk_id, "forecast at completion")
        named = self._people_in(budget.text)
        if named:
            signal.owner, signal.owner_basis = named[0], "named in the budget line"
        return [signal]

    def scope_changes(self) -> list[RiskSignal]:
        """Change requests still open, and scope added after the baseline."""
        kpis = self.facts.kpis
        open_requests = [
            fact
            for document, ticket in self.record.tickets()
            if (ticket.type or "").lower() == "change request"
            and existed_by(ticket, self.period.end)
            and not done_by(ticket, self.period.end)
            and (fact := self._ticket_fact(document, ticket))
        ]
        growth = kpis.scope_change_percent or 0.0
        if not open_requests and growth < 10:
            return []
        signal = RiskSignal(
            key="scope:change-requests",
            kind="scope_change",
            category="scope",
            subjects={"scope", *(t.key for t in open_requests)},
            tickets=open_requests,
            details={"open_requests": len(open_requests), "scope_added": kpis.scope_items_added},
        )
        if open_requests and open_requests[0].assignee:
            signal.owner = self._name(open_requests[0].assignee)
            signal.owner_basis = f"assignee of {open_requests[0].key}"
        for ticket in open_requests:
            signal.subjects |= set(re.findall(r"\bCR-\d+\b", ticket.summary))
            signal.facts.append(f"{ticket.key} {ticket.summary}: {ticket.status or 'open'}.")
            self._cite_ticket(signal, ticket)
        if growth:
            signal.details["scope_percent"] = round(growth)
        return [signal] if signal.evidence else []

    def compliance_findings(self) -> list[RiskSignal]:
        """Data protection (GDPR, personal data, DPIA) and security (NIS2, DORA, audit, access)
        work that is not closed: one risk per area. Data-protection work due within two weeks
        counts; security work counts when overdue, unowned or named in a finding."""
        signals = []
        for area, terms, due_soon_counts in (
            ("data-protection", PRIVACY_TERMS, True),
            ("security", SECURITY_TERMS, False),
        ):
            signal = self._compliance_area(area, terms, due_soon_counts)
            if signal is not None:
                signals.append(signal)
        return signals

    def _compliance_area(
        self, area: str, terms: re.Pattern[str], due_soon_counts: bool
    ) -> RiskSignal | None:
        signal = RiskSignal(
            key=f"compliance:{area}",
            kind="compliance_finding",
            category="compliance/security",
            subjects={"compliance", area},
            details={"area": area},
        )
        horizon = self.period.end + dt.timedelta(days=COMPLIANCE_HORIZON_DAYS)
        for document, ticket in self.record.tickets():
            text = f"{ticket.summary} {' '.join(ticket.labels)}"
            if not terms.search(text) or (ticket.type or "").lower() == "epic":
                continue
            if not existed_by(ticket, self.period.end) or done_by(ticket, self.period.end):
                continue
            fact = self._ticket_fact(document, ticket)
            due_soon = due_soon_counts and fact.due is not None and fact.due <= horizon
            if fact.days_overdue is not None or due_soon:
                signal.tickets.append(fact)
                signal.subjects.add(fact.key)
                state = (
                    f"overdue by {fact.days_overdue} days"
                    if fact.days_overdue is not None
                    else f"due {fact.due}"
                )
                signal.facts.append(f"{fact.key} {fact.summary}: {state}.")
                self._cite_ticket(signal, fact)
                if fact.due and (signal.proximity is None or fact.due < signal.proximity):
                    signal.proximity = fact.due
        for action in self.facts.action_items:
            needs_follow_up = action.owner is None or action.state == "overdue"
            if action.state != "done" and needs_follow_up and terms.search(action.task):
                signal.actions.append(action)
                for chunk_id in action.sources:
                    self._cite_chunk(signal, chunk_id, action.task)
        for line in self._minutes_lines(self.period.start):
            term = terms.search(line.text)
            if term and FINDING_TERMS.search(line.text):
                self._cite_line(signal, line, term.group(0))
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
                self._name(first.assignee),
                f"assignee of {first.key}",
            )
        return signal

    def defect_trend(self) -> list[RiskSignal]:
        """Open severity-1 defects (a risk of their own), and the trend of the rest: reopened
        defects and overdue severity-2 ones."""
        end = self.period.end
        reopened: list[TicketFact] = []
        overdue_major: list[TicketFact] = []
        for document, ticket in self.record.tickets():
            if not is_defect(ticket) or not existed_by(ticket, end) or done_by(ticket, end):
                continue
            fact = self._ticket_fact(document, ticket)
            if fact.severity_level == 1:
                continue
            recent = [
                c
                for c in ticket.comments
                if c.created
                and c.created.date() <= end
                and (end - c.created.date()).days <= LOOKBACK_DAYS
            ]
            if (ticket.status or "").lower() == "reopened" or any(
                REOPENED.search(c.body) for c in recent
            ):
                reopened.append(fact)
            elif fact.severity_level == 2 and fact.days_overdue is not None:
                overdue_major.append(fact)
        signals = []
        critical = self.facts.open_critical
        if critical:
            signal = RiskSignal(
                key="quality:severity-1",
                kind="critical_defect",
                category="quality",
                details={"open_sev1": len(critical)},
            )
            for fact in critical:
                when = (
                    f"{fact.days_overdue} days past its due date {fact.due}"
                    if fact.days_overdue is not None
                    else f"due {fact.due}"
                )
                signal.facts.append(f"{fact.key} {fact.summary}: open severity-1, {when}.")
                signal.tickets.append(fact)
                signal.subjects.add(fact.key)
                signal.texts.append(fact.summary)
                self._cite_ticket(signal, fact)
            lead = critical[0]
            signal.owner, signal.owner_basis = self._name(lead.assignee), f"assignee of {lead.key}"
            signal.proximity = lead.due
            signals.append(signal)
        if not reopened and len(overdue_major) < 2:
            return signals
        signal = RiskSignal(
            key="quality:defects",
            kind="defect_trend",
            category="quality",
            details={"reopened": len(reopened), "overdue_sev2": len(overdue_major)},
        )
        for fact in reopened:
            signal.facts.append(f"{fact.key} {fact.summary}: reopened.")
        for fact in overdue_major:
            signal.facts.append(
                f"{fact.key} {fact.summary}: severity-2, overdue by {fact.days_overdue} days."
            )
        for fact in [*reopened, *overdue_major]:
            signal.tickets.append(fact)
            signal.subjects.add(fact.key)
            self._cite_ticket(signal, fact, "reopened" if fact in reopened else None)
        lead = (reopened or overdue_major)[0]
        signal.owner, signal.owner_basis = self._name(lead.assignee), f"assignee of {lead.key}"
        signals.append(signal)
        return signals

    # Generic detectors ----------------------------------------------------------------------

    def overdue_critical_work(self) -> list[RiskSignal]:
        return [
            self._ticket_signal(
                ticket,
                "overdue_critical",
                f"{ticket.priority or 'critical'}, overdue by {ticket.days_overdue} days "
                f"(due {ticket.due})",
            )
            for ticket in self.facts.overdue
            if _is_critical(ticket)
        ]

    def ageing_blockers(self, specific: list[RiskSignal]) -> list[RiskSignal]:
        covered = {t.key for s in specific if s.kind == "vendor_dependency" for t in s.tickets}
        return [
            self._ticket_signal(
                ticket,
                "blocked_ageing",
                ticket.blocked_text,
                {"blocked_days": ticket.blocked_days or 0},
            )
            for ticket in self.facts.blocked
            if ticket.key not in covered and (ticket.blocked_days or 0) >= BLOCKED_DAYS
        ]

    def _ticket_signal(
        self,
        ticket: TicketFact,
        kind: SignalKind,
        state: str,
        details: dict[str, float | int | str] | None = None,
    ) -> RiskSignal:
        signal = RiskSignal(
            key=f"{kind.split('_')[0]}:{ticket.key.lower()}",
            kind=kind,
            category=classify(ticket.summary, default="schedule"),
            subjects=self._subjects(f"{ticket.key} {ticket.summary}") | {ticket.key},
            tickets=[ticket],
            texts=[ticket.summary],
            proximity=ticket.due,
            owner=self._name(ticket.assignee),
            owner_basis=f"assignee of {ticket.key}" if ticket.assignee else None,
            details=details or {},
        )
        signal.facts.append(f"{ticket.key} {ticket.summary}: {state}.")
        self._cite_ticket(signal, ticket)
        return signal

    def actions_needing_follow_up(self) -> list[RiskSignal]:
        signals = []
        for action in self.facts.action_items:
            if action.state == "done" or (action.owner and action.state != "overdue"):
                continue
            problem = "has no owner" if action.owner is None else f"is past due ({action.due})"
            signal = RiskSignal(
                key=f"action:{_text_key(action.task)}",
                kind="action_follow_up",
                category=classify(action.task, default="schedule"),
                subjects=self._subjects(action.task),
                actions=[action],
                texts=[action.task],
                proximity=action.due,
                owner=action.owner,
                owner_basis="owner of the action" if action.owner else None,
            )
            signal.facts.append(f"Action '{action.task}' {problem}.")
            for chunk_id in action.sources:
                self._cite_chunk(signal, chunk_id, action.task)
            signals.append(signal)
        return signals

    def stated_concerns(self) -> list[RiskSignal]:
        """Items of the minutes' risk sections, lines that voice a concern, and lines that say
        something expires on a date."""
        seen: set[str] = set()
        signals = []
        for note in [*self.facts.concerns, *self.facts.decisions_needed]:
            if _words_key(note.text) in seen or _only_no_change(note.text):
                continue
            if gives_orders(note.text):
                continue  # text that orders an assistant about is not a concern of the team
            seen.add(_words_key(note.text))
            signals.append(self._concern_signal(note.text, note.sources, note.date))
        for line in self._minutes_lines(self.period.start):
            text = line.text
            expires = EXPIRY.search(text) and self._upcoming_dates(text, line.document.date)
            if not (CONCERN_PHRASES.search(text) or expires) or _words_key(text) in seen:
                continue
            if gives_orders(text):
                continue
            if STATUS_LINE.match(text):
                continue  # the stated status is read by the status rules, not here
            seen.add(_words_key(text))
            signals.append(self._concern_signal(text, [line.chunk.id], line.document.date))
        return signals

    # Folding generic signals into specific ones -------------------------------------------

    def _fold(self, specific: list[RiskSignal], generic: list[RiskSignal]) -> list[RiskSignal]:
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
            same_category = [s for s in allowed if s.category == signal.category]
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
                if key in self._ticket_documents and key not in {t.key for t in signal.tickets}:
                    document = self._ticket_documents[key]
                    ticket = self._ticket_facts.fact(document, document.record)  # type: ignore[arg-type]
                    signal.tickets.append(ticket)
                    self._cite_ticket(signal, ticket)
                    if signal.owner is None and ticket.assignee:
                        signal.owner = self._name(ticket.assignee)
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

    # Helpers --------------------------------------------------------------------------------

    def _vendor_signal(self, vendor: str) -> RiskSignal:
        return RiskSignal(
            key=f"vendor:{_slug(vendor)}",
            kind="vendor_dependency",
            category="vendor/external",
            vendor=vendor,
            subjects={vendor.lower()},
        )

    def _concern_signal(self, text: str, sources: list[str], date: dt.date | None) -> RiskSignal:
        signal = RiskSignal(
            key=f"concern:{_text_key(text)}",
            kind="stated_concern",
            category=classify(text, default="schedule"),
            subjects=self._subjects(text),
            notes=[text],
            texts=[text],
        )
        signal.facts.append(f"Minutes of {date}: {text}" if date else text)
        for chunk_id in sources:
            self._cite_chunk(signal, chunk_id, text)
        upcoming = self._upcoming_dates(text, date)
        signal.proximity = min(upcoming) if upcoming else None
        decider = DECIDER.search(text)
        named = self._people_in(text)
        if decider and (person := self._person(decider.group(1))):
            signal.owner, signal.owner_basis = person, "named as the one to decide"
            signal.details["decider"] = person
        elif named:
            signal.owner, signal.owner_basis = named[0], "named in the concern"
        return signal

    def _name(self, assignee: str | None) -> str | None:
        """A tracker assignee as the person the minutes name, when the login says who."""
        return self.login_people.get(assignee, assignee) if assignee else None

    def _upcoming_dates(self, text: str, written_on: dt.date | None) -> list[dt.date]:
        """Dates a text names that fall on or after the period's start, in the order written."""
        year = written_on.year if written_on else self.period.end.year
        return [day for day, _ in find_all_dates(text, year) if day >= self.period.start]

    def _subjects(self, text: str) -> set[str]:
        found = set(TICKET_KEY.findall(text))
        # "#44" in minutes is the issue the tracker calls "beacon#44".
        found |= {
            self._issue_numbers[n]
            for n in re.findall(r"(?<![\w#])#(\d+)\b", text)
            if n in self._issue_numbers
        }
        found |= set(self._people_in(text))
        lowered = text.lower()
        for milestone in self.facts.milestones:
            if re.search(rf"\b{re.escape(milestone.id)}\b", text):
                found.add(milestone.id)
            found |= {p for p in _milestone_phrases(milestone.name) if p in lowered}
        for ticket in self.facts.blocked:
            if ticket.waiting_on and ticket.waiting_on.lower() in lowered:
                found.add(ticket.waiting_on.lower())
        if re.search(r"\b(?:budget|overspend|forecast at completion)\b", lowered):
            found.add("budget")
        if PRIVACY_TERMS.search(text):
            found.add("data-protection")
        if SECURITY_TERMS.search(text):
            found.add("security")
        return found

    def _people_in(self, text: str) -> list[str]:
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

    def _person(self, name: str) -> str | None:
        if name in self.people:
            return name
        return self.first_names.get(name.split()[0]) if name else None

    def _is_internal(self, name: str) -> bool:
        return self._person(name) is not None

    def _open_tickets(self) -> list[tuple[Document, Ticket]]:
        end = self.period.end
        return [
            (document, ticket)
            for document, ticket in self.record.tickets()
            if (ticket.type or "").lower() != "epic"
            and existed_by(ticket, end)
            and not done_by(ticket, end)
        ]

    def _open_work_by_person(self) -> dict[str, list[TicketFact]]:
        """Open Highest-priority or severity-1 tickets per assignee, as of the period's end."""
        found: dict[str, list[TicketFact]] = {}
        for document, ticket in self._open_tickets():
            if not ticket.assignee:
                continue
            level = severity_level(ticket)
            if level == 1 or priority_rank(ticket.priority) == 0:
                person = self.login_people.get(ticket.assignee, ticket.assignee)
                found.setdefault(person, []).append(self._ticket_fact(document, ticket))
        return found

    def _ticket_fact(self, document: Document, ticket: Ticket) -> TicketFact:
        known = next(
            (
                t
                for t in [*self.facts.overdue, *self.facts.blocked, *self.facts.in_progress]
                if t.key == ticket.key
            ),
            None,
        )
        return known if known is not None else self._ticket_facts.fact(document, ticket)

    def _cite_ticket(
        self, signal: RiskSignal, ticket: TicketFact, words: str | None = None
    ) -> None:
        document = self._ticket_documents.get(ticket.key)
        if document is None:
            return
        chunks = self.record.chunks_by_document.get(document.id, [])
        chosen = chunks[0] if chunks else None
        if words and chunks:
            wanted = _content_words(words)
            chosen = max(
                chunks,
                key=lambda c: (
                    words.lower() in c.text.lower(),
                    len(wanted & _content_words(c.text)),
                ),
            )
        if chosen is None:
            return
        excerpt = _excerpt(chosen.text, words) if words else f"{ticket.key}: {ticket.summary}"
        signal.add_evidence(
            SignalEvidence(chosen.id, document.id, excerpt, document.date, chosen.text)
        )
        if chosen is not chunks[0]:
            # The ticket's first chunk holds its key, status, assignee and dates.
            first = chunks[0]
            summary = f"{ticket.key}: {ticket.summary}"
            signal.add_evidence(SignalEvidence(first.id, document.id, summary, None, first.text))

    def _cite_chunk(self, signal: RiskSignal, chunk_id: str, words: str) -> None:
        if found := self._chunks.get(chunk_id):
            document, chunk = found
            excerpt = _excerpt(chunk.text, words)
            signal.add_evidence(
                SignalEvidence(chunk.id, document.id, excerpt, document.date, chunk.text)
            )

    def _cite_line(self, signal: RiskSignal, line: _Line, words: str | None = None) -> None:
        excerpt = _sentence(line.text, words) if words else line.text
        signal.add_evidence(
            SignalEvidence(
                line.chunk.id, line.document.id, excerpt, line.document.date, line.chunk.text
            )
        )

    def _minutes_lines(self, since: dt.date) -> Iterator[_Line]:
        """Lines of the minutes held between `since` and the end of the period."""
        for document, _meeting in self._meetings(since):
            for chunk in self.record.chunks_by_document.get(document.id, []):
                # The first line of a chunk is its header (title, date, section).
                for text in chunk.text.split("\n")[1:]:
                    if re.match(r"^\s*(?:[-*+]\s*)?\[[xX]\]", text):
                        continue  # a ticked-off action is done, not a sign of anything
                    text = _clean(text)
                    if text:
                        yield _Line(document, chunk, text)

    def _meetings(self, since: dt.date) -> list[tuple[Document, Meeting]]:
        return [
            (document, meeting)
            for document, meeting in self.record.meetings()
            if document.date is not None and since <= document.date <= self.period.end
        ]


def classify(text: str, default: RiskCategory) -> RiskCategory:
    """The category a line of text speaks of, by its words."""
    return stated_category(text) or default


def stated_category(text: str) -> RiskCategory | None:
    for category, pattern in CATEGORY_WORDS:
        if pattern.search(text):
            return category
    return None


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
    mine = _content_words(" ".join(signal.texts))
    best: tuple[float, RiskSignal] | None = None
    for candidate in specific:
        theirs = _content_words(" ".join([*candidate.facts, *candidate.texts]))
        shared = mine & theirs
        ratio = len(shared) / max(1, len(mine))
        if len(shared) >= 2 and ratio >= 0.5 and (best is None or ratio > best[0]):
            best = (ratio, candidate)
    return best[1] if best else None


def _most_words(signal: RiskSignal, candidates: list[RiskSignal]) -> RiskSignal | None:
    mine = _content_words(" ".join(signal.texts))
    scored = [
        (len(mine & _content_words(" ".join([*c.facts, *c.texts]))), index, c)
        for index, c in enumerate(candidates)
    ]
    best = max(scored, key=lambda item: (item[0], -item[1]), default=None)
    return best[2] if best and best[0] > 0 else None


def _same_concern(first: RiskSignal, second: RiskSignal) -> bool:
    """Two generic signals say the same thing: a shared ticket key, or mostly the same words."""
    keys = {s for s in first.subjects if TICKET_KEY.fullmatch(s)}
    if keys & second.subjects:
        return True
    one, two = _content_words(" ".join(first.texts)), _content_words(" ".join(second.texts))
    shared = one & two
    return len(shared) >= 2 and len(shared) / max(1, min(len(one), len(two))) >= 0.5


def _only_no_change(text: str) -> bool:
    """'R-001 (Payflow) unchanged. R-002 unchanged.': a status line that reports no change."""
    if not re.search(r"\b(?:unchanged|no change)\b", text, re.IGNORECASE):
        return False
    rest = re.sub(r"\b(?:R-\d+|unchanged|no change)\b|\([^)]*\)", " ", text, flags=re.IGNORECASE)
    return len(_content_words(rest)) <= 3


def _content_words(text: str) -> set[str]:
    words = re.findall(r"[a-z][a-z0-9-]{2,}", text.lower())
    return {w.rstrip("s") for w in words if w not in STOPWORDS and not w.startswith("minute")}


def _words_key(text: str) -> str:
    return " ".join(sorted(_content_words(text)))


def _milestone_phrases(name: str) -> set[str]:
    """Words a line uses for a milestone: 'load test' for 'Performance / load test complete'."""
    phrases = set()
    for part in name.lower().split("/"):
        words = part.split()
        while words and words[-1] in {"complete", "start", "sign-off", "done", "1", "2"}:
            words.pop()
        phrase = " ".join(words)
        if len(phrase) >= 4 and phrase not in {"performance", "solution", "data"}:
            phrases.add(phrase)
    return phrases


def _is_critical(ticket: TicketFact) -> bool:
    return ticket.severity_level == 1 or priority_rank(ticket.priority) == 0


def _logins_to_people(logins: set[str], people: list[str]) -> dict[str, str]:
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


def _issue_numbers(keys: list[str]) -> dict[str, str]:
    """'44' -> 'beacon#44' for tracker keys written as repo#number, when unambiguous."""
    numbers: dict[str, list[str]] = {}
    for key in keys:
        if "#" in key:
            numbers.setdefault(key.rpartition("#")[2], []).append(key)
    return {number: found[0] for number, found in numbers.items() if len(found) == 1}


def _known_people(record: RecordSnapshot) -> list[str]:
    people: set[str] = set()
    for document in record.documents:
        people.update(p.strip() for p in document.people if " " in p.strip())
    return sorted(people)


def _unique_first_names(people: list[str]) -> dict[str, str]:
    counts = Counter(person.split()[0] for person in people)
    return {p.split()[0]: p for p in people if counts[p.split()[0]] == 1}


def _text_key(text: str) -> str:
    """A stable key for a line of the record that does not repeat its words: keys are written
    to the append-only history, which must not hold text a `forget` would have to erase."""
    return hashlib.sha256(_slug(text).encode("utf-8")).hexdigest()[:12]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _clean(text: str) -> str:
    """A line of a chunk as plain words: no bullet, no bold marks; table cells kept apart."""
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", text)
    text = text.replace("**", "").strip()
    if text.startswith("|"):
        cells = [cell.strip() for cell in text.strip("|").split("|")]
        text = " | ".join(cell for cell in cells if cell)
    return re.sub(r"\s+", " ", text)


def _excerpt(text: str, words: str | None, width: int = 240) -> str:
    """The line of a chunk that holds `words` (or the first words), for the evidence list."""
    lines = [_clean(line) for line in text.split("\n")[1:]] or [_clean(text)]
    lines = [line for line in lines if line]
    if words and lines:
        wanted = _content_words(words)
        best = max(
            lines,
            key=lambda line: (words.lower() in line.lower(), len(wanted & _content_words(line))),
        )
        return _sentence(best, words)[:width]
    return (lines[0] if lines else text)[:width]


def _sentence(line: str, words: str | None, width: int = 240) -> str:
    """A long line cut to the sentence that holds `words`."""
    if len(line) <= width or not words:
        return line[:width]
    sentences = re.split(r"(?<=[.;!?])\s+", line)
    wanted = _content_words(words)
    best = max(
        sentences,
        key=lambda part: (words.lower() in part.lower(), len(wanted & _content_words(part))),
    )
    return best[:width]
