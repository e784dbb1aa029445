"""A risk signal: one detected threat, with the evidence it rests on, before a writer turns it
into a proposal. Also the tunables the detectors share and the plain-text helpers they use."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from assistant.domain.facts import ActionItemFact, MilestoneFact, TicketFact
from assistant.domain.risk import RiskCategory
from assistant.facts.tickets import priority_rank

# Tunables, named so the writer and the docs can say why a signal fired.
BLOCKED_DAYS = 5  # a blocker older than this is a risk, not an impediment of the day
LOOKBACK_DAYS = 28  # how far back statements ("only Tom knows", a reopened defect) still count
MAX_EVIDENCE = 8  # evidence items a proposal cites at most

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
    kind: str  # the family that found it (`SignalFamily.kind`)
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
    as_of: dt.date | None = None  # the end of the period it was found in
    # Things the signal lists, each with its date: the credentials that expire, and when.
    dated: list[tuple[str, dt.date]] = field(default_factory=list, repr=False)

    @property
    def today(self) -> dt.date:
        """The day the signal is judged on: the period's end (the newest evidence before one is
        set, as in a detector's own tests)."""
        dates = [e.date for e in self.evidence if e.date is not None]
        return self.as_of or max(dates, default=dt.date.today())

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


def only_no_change(text: str) -> bool:
    """'R-001 (Payflow) unchanged. R-002 unchanged.': a status line that reports no change."""
    if not re.search(r"\b(?:unchanged|no change)\b", text, re.IGNORECASE):
        return False
    rest = re.sub(r"\b(?:R-\d+|unchanged|no change)\b|\([^)]*\)", " ", text, flags=re.IGNORECASE)
    return len(content_words(rest)) <= 3


def content_words(text: str) -> set[str]:
    words = re.findall(r"[a-z][a-z0-9-]{2,}", text.lower())
    return {w.rstrip("s") for w in words if w not in STOPWORDS and not w.startswith("minute")}


def words_key(text: str) -> str:
    return " ".join(sorted(content_words(text)))


def milestone_phrases(name: str) -> set[str]:
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


def is_critical(ticket: TicketFact) -> bool:
    return ticket.severity_level == 1 or priority_rank(ticket.priority) == 0


def text_key(text: str) -> str:
    """A stable key for a line of the record that does not repeat its words: keys are written
    to the append-only history, which must not hold text a `forget` would have to erase."""
    return hashlib.sha256(slug(text).encode("utf-8")).hexdigest()[:12]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def clean_line(text: str) -> str:
    """A line of a chunk as plain words: no bullet, no bold marks; table cells kept apart."""
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", text)
    text = text.replace("**", "").strip()
    if text.startswith("|"):
        cells = [cell.strip() for cell in text.strip("|").split("|")]
        text = " | ".join(cell for cell in cells if cell)
    return re.sub(r"\s+", " ", text)


def excerpt(text: str, words: str | None, width: int = 240) -> str:
    """The line of a chunk that holds `words` (or the first words), for the evidence list."""
    lines = [clean_line(line) for line in text.split("\n")[1:]] or [clean_line(text)]
    lines = [line for line in lines if line]
    if words and lines:
        wanted = content_words(words)
        best = max(
            lines,
            key=lambda line: (words.lower() in line.lower(), len(wanted & content_words(line))),
        )
        return sentence_with(best, words)[:width]
    return (lines[0] if lines else text)[:width]


def sentence_with(line: str, words: str | None, width: int = 240) -> str:
    """A long line cut to the sentence that holds `words`."""
    if len(line) <= width or not words:
        return line[:width]
    sentences = re.split(r"(?<=[.;!?])\s+", line)
    wanted = content_words(words)
    best = max(
        sentences,
        key=lambda part: (words.lower() in part.lower(), len(wanted & content_words(part))),
    )
    return best[:width]
