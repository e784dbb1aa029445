"""Funding running out: cloud credits, a grant, a sponsorship or a budget that the record says
will be used up before the date it was meant to last until, or within the next months.

The budget family weighs the stated forecast against the approved budget; this one reads the
runway: "credits left: $35.7k until 01/31/2028" above "at current rate we shall deplete credits
on January 2027" is money that runs out a year early. One risk per source of funding, however
many meetings repeat the forecast.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.domain.risk import ProposalDraft
from assistant.risks.signals.assessment import Score
from assistant.risks.signals.base import LOOKBACK_DAYS, RiskSignal, slug
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.outline import OutlineLine, read_outline
from assistant.risks.signals.proposals import draft
from assistant.risks.signals.scan import SignalScan
from assistant.risks.signals.timing import When, whens
from assistant.risks.signals.vocabulary import DEPLETION_TERMS, FUNDING_TERMS

FUNDING_HORIZON_DAYS = 90  # money running out this soon after the period is a risk
EARLY_DAYS = 30  # running out this much before the funding's end date is a risk
ENDS_ON = re.compile(
    r"\b(?:until|till|through|valid to|ends?(?: on)?|expir\w*(?: on)?|available to)\s+$", re.I
)
DONE_WELL = re.compile(r"\b(?:will not|won't|no risk|enough|covered)\b", re.IGNORECASE)


@dataclass
class Runway:
    source: str  # "AWS", "Azure Sponsored subscription", or "Funding"
    noun: str  # the record's word for the money: credits, grant, budget
    runs_out: When
    ends: tuple[When, OutlineLine] | None
    line: OutlineLine


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    """Sources of funding forecast to run out early or soon, one signal per source."""
    since = scan.period.end - dt.timedelta(days=LOOKBACK_DAYS)
    horizon = scan.period.end + dt.timedelta(days=FUNDING_HORIZON_DAYS)
    signals: dict[str, RiskSignal] = {}
    for line in read_outline(scan, since):
        runway = _runway(scan, line)
        if runway is None:
            continue
        early = runway.ends is not None and (
            (runway.ends[0].day - runway.runs_out.day).days >= EARLY_DAYS
        )
        soon = scan.period.start <= runway.runs_out.day <= horizon
        if not (early or soon):
            continue
        key = f"funding:{slug(runway.source)}"
        signal = signals.get(key)
        if signal is None:
            signal = signals[key] = RiskSignal(
                key=key,
                kind="funding_runway",
                category="budget",
                subjects={"funding", runway.source.lower()},
            )
        _add(scan, signal, runway, early)
    return list(signals.values())


def _runway(scan: SignalScan, line: OutlineLine) -> Runway | None:
    if line.done or DONE_WELL.search(line.text):
        return None
    depletion = DEPLETION_TERMS.search(line.text)
    noun = FUNDING_TERMS.search(line.text) or next(
        (found for text in reversed(line.parents) if (found := FUNDING_TERMS.search(text))), None
    )
    if depletion is None or noun is None:
        return None
    year = line.date.year if line.date else scan.period.end.year
    after = whens(line.text[depletion.start() :], line.date, year)
    if not after:
        return None
    ends = None
    for above in [line, *reversed(line.above)]:
        for when in whens(above.text, above.date, year):
            start = above.text.find(when.words)
            if start > 0 and ENDS_ON.search(above.text[:start]) and when != after[0]:
                ends = (when, above)
                break
        if ends:
            break
    return Runway(_source(line), noun.group(0).lower(), after[0], ends, line)


def _source(line: OutlineLine) -> str:
    """What the money is: the top line of its block ("AWS:"), or the line's own first words."""
    text = line.parents[0] if line.parents else line.text
    name = re.split(r"\s*(?::|\s-\s|\(|,)\s*", text, maxsplit=1)[0].strip(" *")
    return name[:60] if len(name) >= 2 else "Funding"


def _add(scan: SignalScan, signal: RiskSignal, runway: Runway, early: bool) -> None:
    line = runway.line
    signal.facts.append(f"{line.date}: {line.text}" if line.date else line.text)
    signal.texts.append(line.text)
    scan.cite_line(signal, line.as_minutes_line(), runway.runs_out.words)
    newest = int(str(signal.details.get("newest", "0")).replace("-", "") or 0)
    stated = int(str(line.date or "0").replace("-", ""))
    if stated >= newest:
        # The newest forecast is the one the proposal states.
        signal.details.update(
            source=runway.source,
            noun=runway.noun,
            runs_out=runway.runs_out.words,
            runs_out_day=runway.runs_out.day.isoformat(),
            newest=str(line.date or "0"),
            early=int(early),
        )
        signal.proximity = runway.runs_out.day if runway.runs_out.exact else None
        if runway.ends is not None:
            when, above = runway.ends
            signal.details["ends"] = when.day.isoformat() if when.exact else when.words
            signal.details["ends_day"] = when.day.isoformat()
            signal.details["ends_line"] = above.text
    if runway.ends is not None:
        when, above = runway.ends
        if above is not line:
            scan.cite_line(signal, above.as_minutes_line(), when.words)


def propose(signal: RiskSignal) -> ProposalDraft:
    details = signal.details
    source, noun = str(details.get("source", "Funding")), str(details.get("noun", "funding"))
    runs_out = str(details.get("runs_out", ""))
    on = "on" if re.match(r"\d", runs_out) else "in"
    runs_out_day = dt.date.fromisoformat(str(details["runs_out_day"]))
    verb = "run" if noun.endswith("s") else "runs"
    meetings = sorted({e.date for e in signal.evidence if e.date})
    chance = Score(3, "the team's own forecast says so")
    if len(meetings) >= 2:
        chance.add(1, f"repeated in {len(meetings)} meetings ({meetings[0]} to {meetings[-1]})")
    if (runs_out_day - signal.today).days <= FUNDING_HORIZON_DAYS:
        chance.add(1, f"runs out within {FUNDING_HORIZON_DAYS} days")
    harm = Score(3, "the work it pays for needs other money")
    if "ends" in details:
        ends_day = dt.date.fromisoformat(str(details["ends_day"]))
        months = (ends_day - runs_out_day).days // 30
        title = f"{source}: {noun} {verb} out {on} {runs_out}, before they end on {details['ends']}"
        cause = (
            f"{source} {noun} are available until {details['ends']}, but at the current rate "
            f"they {verb.rstrip('s')} out {on} {runs_out}"
        )
        if months >= 6:
            harm.add(1, f"about {months} months with no {noun} left")
    else:
        title = f"{source}: {noun} {verb} out {on} {runs_out}"
        cause = f"the record forecasts that {source} {noun} {verb} out {on} {runs_out}"
    return draft(
        signal,
        title=title[:160],
        cause=cause,
        event=f"the {noun} are used up before the work they pay for is done or re-funded",
        effect="costs move to a budget that did not plan for them, or services must be cut",
        likelihood=chance.value,
        impact=harm.value,
        response="mitigate",
        mitigation=[
            "Cut the largest costs now and track the burn rate at every meeting",
            f"Ask the sponsor early for more {noun} or a bridge",
            "Decide what moves or stops when the money runs out",
        ],
        trigger="The monthly burn rate rises, or the forecast date moves earlier",
        inferred={"likelihood": chance.reason(), "impact": harm.reason()},
    )


FAMILY = SignalFamily(kind="funding_runway", generic=False, detect=detect, propose=propose)
