"""Work nobody owns: a share of the open work with no one assigned to it. Teams write it in two
ways. Minutes count it ("66 high-priority issues", under it "52 of those are unassigned"); a
tracker shows it, as items of the current sprint or iteration with no assignee.

A handful of unowned tickets is normal triage; a third or more of the current sprint, or dozens
of high-priority issues without an owner, is a capacity risk a PM logs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from assistant.domain.facts import TicketFact
from assistant.domain.risk import ProposalDraft
from assistant.facts.tickets import done_by
from assistant.risks.signals.assessment import Score
from assistant.risks.signals.base import LOOKBACK_DAYS, RiskSignal, slug
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.outline import OutlineLine, read_outline
from assistant.risks.signals.proposals import draft
from assistant.risks.signals.scan import SignalScan
from assistant.risks.signals.sprints import current_sprint

# "52 of those are unassigned", "12 issues without an owner", "3 of 9 tasks have no assignee".
UNOWNED_COUNT = re.compile(
    r"\b(\d+)\s+(?:of\s+(?:those|them|these|which|the\s+\w+)?\s*(?:\d+\s+)?)?"
    r"(?:[\w-]+\s+){0,3}?(?:are\s+|is\s+|still\s+)*"
    r"(?:unassigned|unowned|without\s+(?:an?\s+)?(?:owner|assignee)s?|"
    r"(?:with|have|has)\s+no\s+(?:owner|assignee)s?)\b",
    re.IGNORECASE,
)
# The total the count is a share of: the first number of the line, or of the line above.
COUNTED = re.compile(r"^\W*(\d+)\s+(.+?)\s*$")
URGENT = re.compile(r"\b(?:P-?(?:critical|high|0|1)|critical|high[- ]priority|urgent)\b", re.I)
MIN_UNOWNED = 5  # fewer unowned items than this is ordinary triage
MIN_SHARE = 1 / 3
MAX_CITED = 6


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    return _stated_in_minutes(scan) + _seen_in_sprint(scan)


def _stated_in_minutes(scan: SignalScan) -> list[RiskSignal]:
    """The newest meeting's counts of unowned work (an older count is superseded by it)."""
    outline = read_outline(scan, scan.period.end - dt.timedelta(days=LOOKBACK_DAYS))
    counted = [line for line in outline if UNOWNED_COUNT.search(line.text)]
    if not counted:
        return []
    newest = max(line.date or dt.date.min for line in counted)
    signals = []
    for line in counted:
        if (line.date or dt.date.min) != newest:
            continue
        found = _count(line)
        if found is None:
            continue
        unowned, total, what = found
        if unowned < MIN_UNOWNED or (total and unowned / total < MIN_SHARE):
            continue
        share = f"{unowned} of {total} {what}" if total else f"{unowned} {what}"
        signal = RiskSignal(
            key=f"unowned:{slug(what)[:50]}",
            kind="unowned_work",
            category="resource",
            subjects={f"unowned:{slug(what)[:50]}"},
            texts=[what],
            details={"unowned": unowned, "total": total, "urgent": int(bool(URGENT.search(what)))},
        )
        signal.headline = f"{share} have no owner"
        signal.facts.append(f"{share} are unassigned (minutes of {line.date}).")
        scan.cite_line(signal, line.as_minutes_line(), line.text)
        for above in line.above[-1:]:
            scan.cite_line(signal, above.as_minutes_line(), above.text)
        signals.append(signal)
    return signals


def _count(line: OutlineLine) -> tuple[int, int, str] | None:
    """(unowned, total, what is counted): '52 of those are unassigned' under '66 P-high
    issues' is (52, 66, 'P-high issues')."""
    match = UNOWNED_COUNT.search(line.text)
    if match is None:
        return None
    unowned = int(match.group(1))
    in_line = re.search(
        r"\b\d+\s+of\s+(\d+)\s+([\w -]+?)\s+(?:are|is|have|has|without)\b", line.text
    )
    if in_line:
        return unowned, int(in_line.group(1)), in_line.group(2)
    for above in reversed(line.above):
        total = COUNTED.match(above.text)
        if total and int(total.group(1)) >= unowned:
            return unowned, int(total.group(1)), total.group(2).rstrip(":").strip()
    what = line.text[match.end() :].strip(" :.-") or "open items"
    return unowned, 0, what


def _seen_in_sprint(scan: SignalScan) -> list[RiskSignal]:
    """Open items of the current sprint with no assignee."""
    sprint = current_sprint(scan)
    if sprint is None:
        return []
    end = scan.period.end
    items = [(d, t) for d, t in scan.record.tickets() if t.sprint == sprint]
    open_items = [(d, t) for d, t in items if not done_by(t, end)]
    unowned = [scan.ticket_fact(d, t) for d, t in open_items if not t.assignee]
    if len(unowned) < MIN_UNOWNED or len(unowned) / len(items) < MIN_SHARE:
        return []
    signal = RiskSignal(
        key=f"unowned:{slug(sprint)}",
        kind="unowned_work",
        category="resource",
        subjects={f"unowned:{slug(sprint)}"} | {t.key for t in unowned},
        tickets=unowned,
        texts=[sprint],
        details={"unowned": len(unowned), "total": len(items), "urgent": 0},
    )
    signal.headline = f"{len(unowned)} of {len(items)} items of {sprint} have no assignee"
    keys = ", ".join(t.key for t in unowned[:MAX_CITED])
    more = f" and {len(unowned) - MAX_CITED} more" if len(unowned) > MAX_CITED else ""
    signal.facts.append(f"{signal.headline}: {keys}{more}.")
    loads = _loads(unowned, [scan.ticket_fact(d, t) for d, t in open_items])
    if loads:
        signal.facts.append(loads)
    for ticket in unowned[:MAX_CITED]:
        scan.cite_ticket(signal, ticket)
    return [signal]


def _loads(unowned: list[TicketFact], open_items: list[TicketFact]) -> str:
    """Who carries the assigned part: the owner of the most open items, when it is a lot."""
    counts: dict[str, int] = {}
    for ticket in open_items:
        if ticket.assignee:
            counts[ticket.assignee] = counts.get(ticket.assignee, 0) + 1
    if not counts:
        return ""
    busiest, held = max(counts.items(), key=lambda item: item[1])
    assigned = len(open_items) - len(unowned)
    if held < 3 or held < assigned / 3:
        return ""
    return f"{busiest} holds {held} of the {assigned} assigned open items."


def propose(signal: RiskSignal) -> ProposalDraft:
    unowned = int(signal.details.get("unowned", 0))
    total = int(signal.details.get("total", 0))
    chance = Score(3, "work with no owner waits until someone picks it up")
    if total and unowned / total >= 0.5:
        chance.add(1, f"{unowned} of {total} have no owner")
    harm = Score(3, "the unowned work is part of the plan")
    if signal.details.get("urgent"):
        harm.add(1, "high-priority work among it")
    return draft(
        signal,
        title=signal.headline[:160],
        cause=" ".join(signal.facts[:2]),
        event="unowned work is not started in time",
        effect="the sprint or release it belongs to slips, or the work lands on the few who "
        "already carry most of it",
        likelihood=chance.value,
        impact=harm.value,
        response="mitigate",
        mitigation=[
            "Give each item an owner at the next planning or triage meeting",
            "Move what nobody can take out of the sprint or release, and say so",
        ],
        trigger="Still without owners at the next status meeting",
        inferred={"likelihood": chance.reason(), "impact": harm.reason()},
    )


FAMILY = SignalFamily(kind="unowned_work", generic=False, detect=detect, propose=propose)
