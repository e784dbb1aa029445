"""People unavailable or leaving: "Dana is off from 8 to 15 July", "Omar on parental leave until
3 August", "Dana's last day is 30 June".

Absences in the same weeks make one risk, the team's capacity: it matters when several people
are away at once, a large share of the team, for long, or over a date the team must meet. A
person leaving makes a risk of their own. Someone whose leave the key-person family already
weighs (they hold critical work) is left to it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.domain.risk import ProposalDraft
from assistant.risks.signals.assessment import Score
from assistant.risks.signals.base import LOOKBACK_DAYS, RiskSignal, slug
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.outline import OutlineLine, read_outline
from assistant.risks.signals.proposals import draft
from assistant.risks.signals.scan import SignalScan
from assistant.risks.signals.vocabulary import ABSENCE_TERMS
from assistant.text.dates import find_all_dates

ABSENCE_HORIZON_DAYS = 21  # an absence starting this soon after the period counts
LONG_ABSENCE_DAYS = 7
TEAM_WEEKS = 6  # the team: people at two or more of the meetings of these last weeks
LEAVING = re.compile(
    r"\b(?:(?:is|are|will be) leaving|leav(?:es|ing) (?:the |our )?(?:team|company|project|"
    r"organi[sz]ation|us)|(?:'s|his|her|their) last day|resign\w*|hand(?:s|ing)? in (?:his|her|"
    r"their) notice|notice period|moving to another (?:team|project)|seconded|secondment)\b",
    re.IGNORECASE,
)
RETURNED = re.compile(
    r"\b(?:back (?:from|on|in|at)|is back|returned|came back|was (?:off|away))\b", re.I
)
WEEKDAY = re.compile(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s*$")
DEADLINE = re.compile(
    r"\b(?:release|launch|go-live|go live|deadline|due|milestone|cut-?over|demo|review|LTS|"
    r"UAT|freeze)\b",
    re.IGNORECASE,
)


@dataclass
class Absence:
    person: str  # as the minutes write them ("Herve")
    who: str  # the known person, or the written name
    line: OutlineLine
    until: dt.date | None
    starts: dt.date | None
    leaving: bool


def fold_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _people_before(scan: SignalScan, text: str, end: int) -> list[tuple[str, str]]:
    """(written name, person) for the known people named just before a phrase: 'Herve is off'
    names Hervé Le Meur; 'Dana and Omar are away' names both; 'Dana asked whether Omar is
    off' names Omar only."""
    start = max(0, end - 60)
    window = fold_accents(text[start:end])
    mentions: list[tuple[int, int, str]] = []
    for person in scan.people:
        folded = fold_accents(person)
        first = person.split()[0]
        names = [folded, *([fold_accents(first)] if scan.first_names.get(first) == person else [])]
        for name in names:
            found = list(re.finditer(rf"\b{re.escape(name)}\b", window))
            if found:
                mentions.append((found[-1].start(), found[-1].end(), person))
                break
    chosen: list[tuple[str, str]] = []
    until = len(window)
    for begin, finish, person in sorted(mentions, reverse=True):
        between = window[finish:until]
        joined = r"\s*(?:,|and|&)\s*" if chosen else r"(?:'s|’s)?\s*(?:\w+\s+){0,3}"
        if not re.fullmatch(joined, between):
            break
        chosen.append((text[start + begin : start + finish], person))
        until = begin
    return list(reversed(chosen))


def _absences(scan: SignalScan, lines: list[OutlineLine]) -> list[Absence]:
    found: list[Absence] = []
    for line in lines:
        if line.done or RETURNED.search(line.text):
            continue
        match = LEAVING.search(line.text) or ABSENCE_TERMS.search(line.text)
        if not match:
            continue
        people = _people_before(scan, line.text, match.start())
        if not people:
            continue
        starts, until = _span(line, match.start(), scan.period.end.year)
        leaving = bool(LEAVING.search(line.text))
        for written, person in people:
            found.append(Absence(written, person, line, until, starts, leaving))
    return found


def _span(
    line: OutlineLine, after: int, default_year: int
) -> tuple[dt.date | None, dt.date | None]:
    """When an absence starts and ends, as far as the line says: "from 23 November" starts it,
    "until 3 August" ends it, "on 14 July" is both, "8 to 15 July" ends on the 15th."""
    year = line.date.year if line.date else default_year
    text = line.text[after:]
    starts: list[dt.date] = []
    ends: list[dt.date] = []
    for day, position in find_all_dates(text, year):
        before = WEEKDAY.sub("", text[max(0, position - 24) : position].lower())
        if re.search(r"\b(?:until|till|through|to)\s*$|[-–]\s*$", before):
            ends.append(day)
        elif re.search(r"\b(?:from|starting|as of|after|since|between)\s*$", before):
            starts.append(day)
        else:
            starts.append(day)
            ends.append(day)
    return (min(starts) if starts else None), (max(ends) if ends else max(starts, default=None))


def _current(scan: SignalScan, absence: Absence) -> bool:
    """Still to come or going on in the period; an undated absence only in the period's own
    minutes."""
    period = scan.period
    horizon = period.end + dt.timedelta(days=ABSENCE_HORIZON_DAYS)
    if absence.until is None:
        return absence.line.date is not None and period.start <= absence.line.date <= period.end
    if absence.leaving:
        return absence.until >= period.start
    starts = absence.starts or absence.until
    return absence.until >= period.start and starts <= horizon


def team_of(scan: SignalScan) -> set[str]:
    """People at two or more of the recent meetings (all of them when there was one)."""
    since = scan.period.end - dt.timedelta(weeks=TEAM_WEEKS)
    meetings = [meeting for _, meeting in scan.meetings(since)]
    counts = Counter(person for meeting in meetings for person in set(meeting.attendees))
    least = 2 if len([m for m in meetings if m.attendees]) >= 2 else 1
    return {person for person, count in counts.items() if count >= least}


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    covered = {s.person for s in specific if s.kind == "key_person" and s.person}
    since = scan.period.end - dt.timedelta(days=LOOKBACK_DAYS)
    absences = [
        a
        for a in _absences(scan, read_outline(scan, since))
        if a.who not in covered and _current(scan, a)
    ]
    signals = [_leaving(scan, a) for a in _newest(a for a in absences if a.leaving)]
    away = _newest(a for a in absences if not a.leaving)
    team = team_of(scan) | {a.who for a in away}
    long_ones = [a for a in away if _days(scan, a) >= LONG_ABSENCE_DAYS]
    if len(away) >= 2 or long_ones:
        signals.append(_capacity(scan, away, team, specific))
    return signals


def _newest(absences: Iterable[Absence]) -> list[Absence]:
    """One absence per person: the newest statement of it."""
    latest: dict[str, Absence] = {}
    for absence in absences:
        known = latest.get(absence.who)
        if known is None or (absence.line.date or dt.date.min) >= (known.line.date or dt.date.min):
            latest[absence.who] = absence
    return list(latest.values())


def _days(scan: SignalScan, absence: Absence) -> int:
    if absence.until is None:
        return 0
    first = absence.starts if absence.starts and absence.starts < absence.until else None
    first = first or max(absence.line.date or scan.period.start, scan.period.start)
    return (absence.until - first).days + 1


def _capacity(
    scan: SignalScan, away: list[Absence], team: set[str], specific: Sequence[RiskSignal]
) -> RiskSignal:
    signal = RiskSignal(
        key="availability:team",
        kind="people_unavailable",
        category="resource",
        subjects={a.who for a in away} | {"availability"},
        details={"away": len(away), "team": len(team)},
    )
    for absence in sorted(away, key=lambda a: a.until or dt.date.max):
        signal.facts.append(absence.line.text)
        signal.texts.append(absence.line.text)
        scan.cite_line(signal, absence.line.as_minutes_line(), absence.person)
    dated = [a.until for a in away if a.until]
    upcoming = [d for d in dated if d >= scan.period.start]
    signal.proximity = min(upcoming) if upcoming else None
    longest = max(away, key=lambda a: _days(scan, a))
    signal.details["longest"] = f"{longest.person}:{_days(scan, longest)}"
    signal.details["names"] = ", ".join(a.person for a in away)
    deadline = _deadline_in(scan, away)
    if deadline is not None:
        signal.details["deadline"] = deadline.text
        scan.cite_line(signal, deadline.as_minutes_line(), deadline.text)
    return signal


def _deadline_in(scan: SignalScan, away: list[Absence]) -> OutlineLine | None:
    """A line of the same minutes that names a release or deadline inside an absence."""
    for absence in away:
        if absence.until is None:
            continue
        # Within the absence, and not before the period: a release already out is no risk.
        first = max(absence.starts or absence.line.date or scan.period.start, scan.period.start)
        for line in read_outline(scan, absence.line.date or scan.period.start):
            if line.document is not absence.line.document or line.done or line is absence.line:
                continue
            if not DEADLINE.search(line.text) or ABSENCE_TERMS.search(line.text):
                continue
            year = line.date.year if line.date else scan.period.end.year
            if any(first <= day <= absence.until for day, _ in find_all_dates(line.text, year)):
                return line
    return None


def _leaving(scan: SignalScan, absence: Absence) -> RiskSignal:
    signal = RiskSignal(
        key=f"leaving:{slug(absence.who)}",
        kind="people_unavailable",
        category="resource",
        person=absence.who,
        subjects={absence.who},
        proximity=absence.until,
        details={"leaving": 1, "names": absence.person},
    )
    signal.facts.append(absence.line.text)
    signal.texts.append(absence.line.text)
    scan.cite_line(signal, absence.line.as_minutes_line(), absence.person)
    held = [
        t
        for person, tickets in scan.open_work_by_person().items()
        if person == absence.who
        for t in tickets
    ]
    for ticket in held[:3]:
        signal.tickets.append(ticket)
        scan.cite_ticket(signal, ticket)
    return signal


def propose(signal: RiskSignal) -> ProposalDraft:
    names = str(signal.details.get("names", ""))
    if signal.details.get("leaving"):
        chance = Score(4, "the record says they are leaving")
        harm = Score(3, "their work and knowledge need a new owner")
        if signal.tickets:
            harm.add(1, f"they hold {len(signal.tickets)} open critical tickets")
        return draft(
            signal,
            title=f"{names} leaving: work and knowledge need a new owner",
            cause=signal.facts[0].rstrip("."),
            event=f"{names} leaves before the work and knowledge are handed over",
            effect="work they carry stalls and what only they know is lost",
            likelihood=chance.value,
            impact=harm.value,
            response="mitigate",
            mitigation=[
                f"List what {names} owns and agree a successor for each item",
                "Plan the handover sessions before the last day and record them",
                "Start the replacement or backfill now",
            ],
            trigger="Handover items without a successor two weeks before the last day",
            inferred={"likelihood": chance.reason(), "impact": harm.reason()},
        )
    away, team = int(signal.details.get("away", 0)), int(signal.details.get("team", 0))
    share = away / team if team else 0.0
    written, _, days = str(signal.details.get("longest", ":0")).rpartition(":")
    chance = Score(3, "the absences are stated; work slows while people are away")
    harm = Score(2, "the team's capacity drops for a time")
    if team and share >= 0.5:
        chance.add(1, f"{away} of the {team} people in the recent meetings are away")
        harm.add(1, "half the team or more")
    if int(days or 0) >= LONG_ABSENCE_DAYS:
        harm.add(1, f"{written} away for {days} days")
    if deadline := signal.details.get("deadline"):
        chance.add(1, f"a date falls in the absence ('{deadline}')")
    if away > 1:
        who = f"{away} of {team} people" if team and share >= 0.5 else f"{away} people"
        title = f"Team capacity: {who} away ({names})"
    else:
        title = f"Team capacity: {names} away"
    return draft(
        signal,
        title=title,
        cause="; ".join(fact.rstrip(".") for fact in signal.facts[:4]),
        event="the work planned for those weeks is not done, or is done by too few people",
        effect="dates in the absence slip and the people left carry the support load",
        likelihood=chance.value,
        impact=harm.value,
        response="mitigate",
        mitigation=[
            "Check the plan for the absence weeks and move or cover what cannot wait",
            "Name cover for each absent person's duties and hand over before they go",
            "Keep releases and risky changes out of the weeks with the fewest people",
        ],
        trigger="Work due in the absence weeks without a named person to do it",
        inferred={"likelihood": chance.reason(), "impact": harm.reason()},
    )


FAMILY = SignalFamily(kind="people_unavailable", generic=False, detect=detect, propose=propose)
