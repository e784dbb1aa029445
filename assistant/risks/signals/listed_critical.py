"""Critical items the minutes list: issues under a heading such as "P-critical", "Blockers",
"Sev-1 incidents" or "Critical bugs", from a tracker that may not be in the record at all.

An item the newest such list still holds is open; one it no longer holds was dealt with. The
same item in several meetings is one signal, more likely the longer it stays. Generic: an item
that names a ticket or a vendor another risk is about folds into that risk.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from assistant.domain.risk import ProposalDraft
from assistant.grounding import TICKET_KEY
from assistant.risks.signals.assessment import assess
from assistant.risks.signals.base import LOOKBACK_DAYS, RiskSignal, slug, words_key
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.outline import OutlineLine, read_outline
from assistant.risks.signals.proposals import distinct, draft
from assistant.risks.signals.scan import SignalScan
from assistant.risks.signals.vocabulary import classify

CRITICAL_HEADING = re.compile(
    r"\b(?:P-?critical|P0|sev(?:erity)?[- ]?1|critical (?:issues?|bugs?|defects?|incidents?)|"
    r"blockers?|showstoppers?|release blockers?|" + r"(?:P-?high|P1|high[- ]priority)\s+(?:\w+\s+)?"
    r"(?:regressions?|bugs?|defects?|incidents?))\b",
    re.IGNORECASE,
)
# A list of high (not critical) priority items: one risk for the list, each item a line of it.
HIGH_HEADING = re.compile(r"\b(?:P-?high|P1|high[- ]priority)\b", re.IGNORECASE)
NOTHING = re.compile(r"^\W*(?:no|none|nothing|n/?a)\b", re.IGNORECASE)
BULLET = re.compile(r"^(?:[-*+]|\d+[.)])\s")
ISSUE_REF = re.compile(r"\b[\w.-]+#\d+\b")
QUOTED = re.compile(r"^\W*[\"“](.+)[\"”]")
# A note under the item that says it is over: "Fixed by #158214", "Resolved in 1.96.1".
SETTLED = re.compile(r"^\W*(?:fixed|resolved|closed|done|merged|reverted)\b", re.IGNORECASE)


def _heading(line: OutlineLine) -> str:
    """The innermost heading of the line's section: 'P-critical' in '… — Issues › P-critical ·'."""
    path = line.section.partition(" — ")[2].rpartition(" · ")[0] or line.section
    return path.split(" › ")[-1]


def _is_item(line: OutlineLine) -> bool:
    """A top-level entry of a list under a critical heading (its sub-bullets are its notes)."""
    if not BULLET.match(line.raw) or NOTHING.match(line.text):
        return False
    if any(BULLET.match(above.raw) for above in line.above):
        return False
    return bool(CRITICAL_HEADING.search(_heading(line))) or any(
        CRITICAL_HEADING.search(parent) and parent.rstrip().endswith(":") for parent in line.parents
    )


def _identity(line: OutlineLine) -> str:
    refs = ISSUE_REF.findall(line.text) or TICKET_KEY.findall(line.text)
    return refs[0].lower() if refs else words_key(line.text)


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    since = scan.period.end - dt.timedelta(days=LOOKBACK_DAYS)
    outline = read_outline(scan, since)
    lists = [line for line in outline if not line.done and _is_item(line)]
    headed = {
        line.document.id
        for line in outline
        if CRITICAL_HEADING.search(_heading(line)) or _is_item(line)
    }
    if not headed:
        return []
    # The newest minutes that keep such a list say what is still open.
    newest = max(
        (line for line in outline if line.document.id in headed),
        key=lambda line: line.date or dt.date.min,
    ).document.id
    still_open = {
        _identity(line)
        for line in lists
        if line.document.id == newest and not any(SETTLED.match(b.text) for b in line.below)
    }
    found: dict[str, list[OutlineLine]] = {}
    for line in lists:
        if _identity(line) in still_open:
            found.setdefault(_identity(line), []).append(line)
    signals = [_signal(scan, identity, lines) for identity, lines in found.items()]
    critical = [s for s in signals if not HIGH_HEADING.search(str(s.details["heading"]))]
    high: dict[str, list[RiskSignal]] = {}
    for signal in signals:
        if signal not in critical:
            high.setdefault(str(signal.details["heading"]), []).append(signal)
    return critical + [_joined(items) for items in high.values()]


def _joined(items: list[RiskSignal]) -> RiskSignal:
    """The items of one high-priority list as one signal: 'P-high regressions: 2 open'."""
    first = items[0]
    if len(items) == 1:
        return first
    for other in items[1:]:
        first.absorb(other, same_subjects=True)
    heading = first.details["heading"]
    first.key = f"critical:{slug(str(heading))[:60]}"
    first.texts = [f"{len(items)} open under {heading}: " + "; ".join(s.notes[0] for s in items)]
    first.details["meetings"] = max(int(s.details.get("meetings", 1)) for s in items)
    first.details["items"] = len(items)
    return first


def _signal(scan: SignalScan, identity: str, lines: list[OutlineLine]) -> RiskSignal:
    lines.sort(key=lambda line: line.date or dt.date.min, reverse=True)
    latest = lines[0]
    quoted = QUOTED.match(latest.text)
    title = quoted.group(1) if quoted else latest.text
    meetings = sorted({line.date for line in lines if line.date})
    signal = RiskSignal(
        key=f"critical:{slug(identity)[:60]}",
        kind="listed_critical",
        category=classify(latest.context, default="quality"),
        subjects=scan.subjects_of(latest.text) | set(ISSUE_REF.findall(latest.text)),
        texts=[title],
        notes=[title],
        details={"meetings": len(meetings), "heading": _heading(latest)},
    )
    span = f"{len(meetings)} meetings ({meetings[0]} to {meetings[-1]})"
    signal.facts.append(
        f"Listed under {_heading(latest)} in " + (span if len(meetings) > 1 else "one meeting")
    )
    signal.facts += [below.text for below in latest.below[:2]]
    for line in lines[:4]:
        scan.cite_line(signal, line.as_minutes_line(), title)
    return signal


def propose(signal: RiskSignal) -> ProposalDraft:
    title = signal.texts[0]
    meetings = int(signal.details.get("meetings", 1))
    heading = str(signal.details.get("heading", "a critical list"))
    likelihood, impact = assess(
        signal,
        signal.today,
        (3, f"listed under {heading}"),
        (4, "the team rates it critical"),
    )
    if int(signal.details.get("items", 1)) > 1:
        title = f"{title} ({meetings} meeting{'s' if meetings > 1 else ''})"
    else:
        title = f"{title} ({heading}, {meetings} meeting{'s' if meetings > 1 else ''})"
    return draft(
        signal,
        title=title[:160],
        cause="; ".join(distinct(signal.facts)[:3]),
        event="the critical issue stays open into the next release or milestone",
        effect="what it blocks, or the users it hits, wait for a fix",
        likelihood=likelihood.value,
        impact=impact.value,
        response="mitigate",
        mitigation=[
            "Name an owner and a fix date, and check them at every meeting",
            "Agree a workaround or a fallback until it is fixed",
        ],
        trigger="Still on the critical list at the next meeting without an owner or a date",
        inferred={"likelihood": likelihood.reason(), "impact": impact.reason()},
    )


FAMILY = SignalFamily(kind="listed_critical", generic=True, detect=detect, propose=propose)
