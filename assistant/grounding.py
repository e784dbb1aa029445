"""Grounding checks shared by reports, answers and the evals.

A statement is grounded when every citation resolves to a source it was given, and every ticket
key, person, date and amount it mentions appears in at least one of the sources it cites.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from assistant.domain.evidence import Evidence
from assistant.text.dates import find_all_dates
from assistant.text.injection import without_orders

TICKET_KEY = re.compile(r"\b[A-Z][A-Z0-9]{1,9}-\d{1,6}\b")
AMOUNT = re.compile(
    r"(?:(?P<currency>USD|EUR|GBP|CHF|\$|€|£)\s?(?P<number>\d[\d,]*(?:\.\d+)?)\s?(?P<unit>[kKmM]\b)?)"
    r"|(?P<percent>\d+(?:\.\d+)?)\s?%"
)


@dataclass(frozen=True)
class Mentions:
    ticket_keys: frozenset[str]
    people: frozenset[str]
    dates: frozenset[dt.date]
    amounts: frozenset[str]


def mentions(text: str, known_people: Collection[str], year: int | None = None) -> Mentions:
    """Ticket keys, known people, dates and amounts (money and percentages) in `text`."""
    return Mentions(
        ticket_keys=frozenset(TICKET_KEY.findall(text)),
        people=frozenset(name for name in known_people if _has_name(text, name)),
        dates=frozenset(when for when, _ in find_all_dates(text, year)),
        amounts=frozenset(_amounts(text)),
    )


def grounding_problems(
    text: str,
    citations: Collection[str],
    sources: Mapping[str, Evidence],
    known_people: Collection[str],
    year: int | None = None,
) -> list[str]:
    """Why a statement is not grounded in the sources it cites; empty when it is."""
    problems = [f"cites {c}, which is not among the sources" for c in citations if c not in sources]
    cited = [sources[c] for c in citations if c in sources]
    claimed = mentions(text, known_people, year)
    if not cited:
        if claimed.ticket_keys or claimed.people or claimed.dates or claimed.amounts:
            problems.append("states facts without a source")
        return problems
    found = [_source_mentions(source, known_people, year) for source in cited]
    source_text = " ".join(_searchable(source) for source in cited)
    for key in sorted(claimed.ticket_keys):
        if not any(key in f.ticket_keys for f in found):
            problems.append(f"ticket {key} is not in the cited sources")
    for person in sorted(claimed.people):
        if not _has_name(source_text, person, surname_ok=True):
            problems.append(f"{person} is not in the cited sources")
    for day in sorted(claimed.dates):
        if not any(day in f.dates for f in found):
            problems.append(f"date {day.isoformat()} is not in the cited sources")
    for amount in sorted(claimed.amounts):
        if not any(amount in f.amounts for f in found):
            problems.append(f"amount {amount} is not in the cited sources")
    return problems


def _source_mentions(source: Evidence, known_people: Collection[str], year: int | None) -> Mentions:
    """What a source mentions; its relative dates ("by tomorrow") count from the source's date."""
    text = _searchable(source)
    base = mentions(text, known_people, source.date.year if source.date else year)
    if source.date is None:
        return base
    relative = [when for when, _ in find_all_dates(text, None, source.date)]
    return Mentions(base.ticket_keys, base.people, base.dates | frozenset(relative), base.amounts)


def _searchable(source: Evidence) -> str:
    """The chunk text, plus the ticket key its locator names (a ticket chunk is its fields)."""
    key = source.locator.ticket_key or ""
    return f"{key} {source.title}\n{source.text}"


def _has_name(text: str, name: str, surname_ok: bool = False) -> bool:
    if re.search(rf"\b{re.escape(name)}\b", text):
        return True
    # Sources often name people by first name ("Tom escalated") or surname alone.
    parts = name.split()
    return (
        surname_ok
        and len(parts) > 1
        and any(re.search(rf"\b{re.escape(part)}\b", text) for part in (parts[0], parts[-1]))
    )


def _amounts(text: str) -> list[str]:
    """Amounts normalised so `USD 468k`, `$468,000` and `USD 468,000` compare equal."""
    found = []
    for match in AMOUNT.finditer(text):
        if match.group("percent") is not None:
            found.append(f"{float(match.group('percent')):g}%")
            continue
        currency = {"$": "USD", "€": "EUR", "£": "GBP"}.get(match.group("currency"))
        value = float(match.group("number").replace(",", ""))
        value *= {"k": 1_000, "m": 1_000_000}.get((match.group("unit") or "").lower(), 1)
        found.append(f"{currency or match.group('currency')} {value:,.0f}")
    return found


@dataclass(frozen=True)
class RecordEntities:
    """Every ticket key, date and amount the project record mentions anywhere: what a draft may
    name at all. Anything else in a draft is invented (hallucinated), cited or not."""

    ticket_keys: frozenset[str]
    dates: frozenset[dt.date]
    amounts: frozenset[str]

    @classmethod
    def of(cls, texts: Sequence[tuple[str, dt.date | None]]) -> RecordEntities:
        keys: set[str] = set()
        dates: set[dt.date] = set()
        amounts: set[str] = set()
        for text, written_on in texts:
            found = mentions(text, (), written_on.year if written_on else None)
            keys |= found.ticket_keys
            dates |= found.dates
            amounts |= found.amounts
            if written_on is not None:
                dates |= {when for when, _ in find_all_dates(text, None, written_on)}
                dates.add(written_on)
        return cls(frozenset(keys), frozenset(dates), frozenset(amounts))

    def invented(self, text: str, year: int | None) -> list[str]:
        """What `text` names that the record never does."""
        claimed = mentions(text, (), year)
        found = [f"ticket {key}" for key in sorted(claimed.ticket_keys - self.ticket_keys)]
        found += [f"date {day.isoformat()}" for day in sorted(claimed.dates - self.dates)]
        found += [f"amount {amount}" for amount in sorted(claimed.amounts - self.amounts)]
        return found


# The PM's calls, which model text must not make for them: the overall status ("overall status
# is GREEN", "we are green") and closing risks ("all risks are closed", "resolve the risks").
STATUS_CLAIM = re.compile(
    r"\b(?:overall|project|rag|delivery)?\s*status\b[^.;\n]{0,30}?\b(?P<a>green|amber|yellow|red)\b"
    r"|\b(?P<b>green|amber|yellow|red)\b[^.;\n]{0,15}?\bstatus\b"
    r"|\b(?:we are|we're|project is|is now|remains|stays)\s+(?P<c>green|amber|yellow|red)\b",
    re.IGNORECASE,
)
RISKS_CLOSED = re.compile(
    r"\brisks?\b[^.;\n]{0,40}?\b(?:is|are|was|were|be|been|now)\s+(?:all\s+|now\s+)?"
    r"(?:closed|resolved|retired|eliminated|cleared|no longer relevant)\b"
    r"|\b(?:close|closed|closing|resolve|resolved|retire|retired|clear|cleared)\s+"
    r"(?:[\w-]+\s+){0,3}?risks?\b"
    r"|\bno (?:open |remaining )?risks? (?:remain|left|are open)\b",
    re.IGNORECASE,
)
CLOSED_WORDS = re.compile(r"\b(?:closed|resolved|retired)\b", re.IGNORECASE)


def stated_status(text: str) -> str | None:
    """The overall status a sentence states ("amber" for yellow), or None."""
    match = STATUS_CLAIM.search(text)
    if match is None:
        return None
    colour = (match.group("a") or match.group("b") or match.group("c")).lower()
    return "amber" if colour == "yellow" else colour


def judgement_problems(
    text: str, cited_texts: Sequence[str], overall_status: str | None = None
) -> list[str]:
    """Why a sentence of model text makes a call that is the PM's: it states an overall status
    other than the one the rules gave (`overall_status`), or, with no such status to compare,
    one its cited sources do not give; or it says risks are closed or resolved when no cited
    source says so. Cited text is read as the model was given it: lines that give an assistant
    orders do not count."""
    readable = "\n".join(without_orders(source, "") for source in cited_texts)
    problems = []
    colour = stated_status(text)
    if colour is not None:
        if overall_status is not None and colour != overall_status.lower():
            problems.append(
                f"states the overall status as {colour}; the rules give {overall_status.lower()}"
            )
        elif overall_status is None and not any(
            stated_status(line) == colour for line in readable.splitlines()
        ):
            problems.append(f"states the overall status as {colour}, which no cited source does")
    if RISKS_CLOSED.search(text) and not CLOSED_WORDS.search(readable):
        problems.append("says risks are closed or resolved, which no cited source does")
    return problems
