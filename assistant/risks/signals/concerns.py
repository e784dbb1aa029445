"""Stated concerns: the minutes' risk items, lines that voice a concern, and lines that say
something expires on a date."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from assistant.domain.risk import ProposalDraft
from assistant.grounding import TICKET_KEY
from assistant.risks.signals.base import (
    LOOKBACK_DAYS,
    RiskSignal,
    content_words,
    only_no_change,
    text_key,
    words_key,
)
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.outline import OutlineLine, plain, read_outline
from assistant.risks.signals.proposals import generic_proposal
from assistant.risks.signals.scan import SignalScan
from assistant.risks.signals.vocabulary import CREDENTIAL_TERMS, classify, stated_category
from assistant.text.injection import gives_orders

CONCERN_PHRASES = re.compile(
    r"\b(?:at risk|might slip|may slip|could slip|single point of failure|concern(?:ed|s)?|"
    r"worried|worry)\b",
    re.IGNORECASE,
)
# "certificates expire on 20 November", "the licence expires 2026-12-31"
EXPIRY = re.compile(r"\bexpir(?:e|es|y|ing|ed)\b", re.IGNORECASE)
LINK_TAG = re.compile(
    r"^(?:[-*+]|\d+[.)])?\s*\**\s*(?:concerns?|risks?|issues?|blockers?)\s*\**\s*:\s*\**\s*"
    r"\[[^\]]*\]\([^)]*\)\W*(?:,.*)?$",
    re.IGNORECASE,
)
NO_CONCERN = re.compile(r"\bno (?:\w+ )?(?:concerns?|worries)\b|\bnot (?:a )?concern", re.I)
SAME_CONCERN_SHARE = 0.7  # words an earlier line shares with a concern to be the same one
EXPIRY_HORIZON_DAYS = 90  # "the credit line expires in 2028" is not a risk of this quarter
STATUS_LINE = re.compile(r"^\W*(?:overall|project)\s+status\b", re.IGNORECASE)
DECIDER = re.compile(r"\b([A-Z][a-z]+(?: [A-Z][a-z]+)?) (?:will|to|must) decide\b")


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    """Items of the minutes' risk sections, lines that voice a concern, and lines that say
    something expires on a date."""
    seen: set[str] = set()
    signals = []
    outline = read_outline(scan, scan.period.start)
    # "concern: [needs-champion](link)": a reference to where a concern is discussed.
    seen |= {words_key(plain(line.raw)) for line in outline if LINK_TAG.match(line.raw)}
    seen |= {words_key(line.text.partition(":")[2]) for line in outline if LINK_TAG.match(line.raw)}
    for note in [*scan.facts.concerns, *scan.facts.decisions_needed]:
        if words_key(note.text) in seen or only_no_change(note.text):
            continue
        if tags_only(note.text) or (
            len(note.text.split()) < 3 and not TICKET_KEY.search(note.text)
        ):
            continue  # 'needs-champion': a tag on a proposal, not a concern in words
        if gives_orders(note.text):
            continue  # text that orders an assistant about is not a concern of the team
        seen.add(words_key(note.text))
        signals.append(_concern_signal(scan, note.text, note.sources, note.date))
    for line in outline:
        text = line.text
        if line.done or not_a_concern(line):
            continue  # finished work, a tag or a heading, not something the team fears
        horizon = scan.period.end + dt.timedelta(days=EXPIRY_HORIZON_DAYS)
        expires = EXPIRY.search(text) and any(
            day <= horizon for day in scan.upcoming_dates(text, line.document.date)
        )
        if not (CONCERN_PHRASES.search(text) or expires) or words_key(text) in seen:
            continue
        if expires and not CONCERN_PHRASES.search(text) and CREDENTIAL_TERMS.search(text):
            continue  # an expiring credential is the credentials family's to weigh
        if gives_orders(text):
            continue
        if STATUS_LINE.match(text):
            continue  # the stated status is read by the status rules, not here
        seen.add(words_key(text))
        signal = _concern_signal(scan, text, [line.chunk.id], line.document.date)
        if stated_category(text) is None:
            # "Still really high, ci is at risk": the lines above it say what it is about.
            heading = line.section.partition(" — ")[2].rpartition(" · ")[0]
            signal.category = classify(" ".join([heading, *line.parents]), "schedule")
        signals.append(signal)
    _earlier_mentions(scan, signals)
    return signals


def _earlier_mentions(scan: SignalScan, signals: list[RiskSignal]) -> None:
    """The same concern in the weeks before: cited beside this week's words, so a worry that
    keeps coming back weighs more (the likelihood counts the meetings)."""
    since = scan.period.start - dt.timedelta(days=LOOKBACK_DAYS)
    earlier = [
        line
        for line in read_outline(scan, since)
        if line.date is not None and line.date < scan.period.start and not line.done
    ]
    for signal in signals:
        mine = content_words(" ".join(signal.texts))
        if len(mine) < 3:
            continue
        same = [
            line
            for line in earlier
            if len(shared := mine & content_words(line.text)) >= 3
            and len(shared) >= SAME_CONCERN_SHARE * len(mine)
        ]
        for line in sorted(same, key=lambda line: line.date or dt.date.min, reverse=True)[:3]:
            scan.cite_line(signal, line.as_minutes_line(), signal.texts[0])


def tags_only(text: str) -> bool:
    """'should-apply-to-closures (by Dana) inhibit-opts (by Omar)': the names of concerns
    raised on a review tool, each a slug with who raised it; no worry in words."""
    rest = re.sub(r"\(by [^)]*\)", " ", text.partition(":")[2] or text)
    words = rest.split()
    return bool(words) and all(re.fullmatch(r"[\w.]+(?:[-_][\w.]+)+[,;]?", w) for w in words)


def not_a_concern(line: OutlineLine) -> bool:
    """'concern: needs-champion' (a label and a tag), 'no pending concerns', or a short
    heading over a list ('MCPs blocked on unresolved concerns:')."""
    text = line.text
    if NO_CONCERN.search(text) or tags_only(text):
        return True
    # "some concerns were raised", "the concerns you raised?": a review's concerns reported,
    # not what they are ("Dana raised a concern that the hosts exceed the licence" says it).
    concern = re.search(r"\bconcern(?:s|ed)?\b", text, re.IGNORECASE)
    if concern and not CONCERN_PHRASES.search(text[: concern.start()] + text[concern.end() :]):
        after = text[concern.end() :]
        if not re.match(r"\s*(?:that|about|over|with|regarding|on|is|was|for|the|[:—–-])", after):
            return True
    label, colon, rest = text.partition(":")
    if colon and CONCERN_PHRASES.search(label) and len(rest.split()) < 3:
        return True
    return bool(line.below) and (text.endswith(":") or len(text.split()) <= 6)


def _concern_signal(
    scan: SignalScan, text: str, sources: list[str], date: dt.date | None
) -> RiskSignal:
    signal = RiskSignal(
        key=f"concern:{text_key(text)}",
        kind="stated_concern",
        category=classify(text, default="schedule"),
        subjects=scan.subjects_of(text),
        notes=[text],
        texts=[text],
    )
    signal.facts.append(f"Minutes of {date}: {text}" if date else text)
    for chunk_id in sources:
        scan.cite_chunk(signal, chunk_id, text)
    upcoming = scan.upcoming_dates(text, date)
    signal.proximity = min(upcoming) if upcoming else None
    decider = DECIDER.search(text)
    named = scan.people_in(text)
    if decider and (person := scan.person(decider.group(1))):
        signal.owner, signal.owner_basis = person, "named as the one to decide"
        signal.details["decider"] = person
    elif named:
        signal.owner, signal.owner_basis = named[0], "named in the concern"
    return signal


def propose(signal: RiskSignal) -> ProposalDraft:
    return generic_proposal(signal)


FAMILY = SignalFamily(kind="stated_concern", generic=True, detect=detect, propose=propose)
