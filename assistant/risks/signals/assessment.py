"""Likelihood and impact from the evidence, each with the reasons that moved it.

A family states its base scores (what its kind of threat usually is); the evidence moves them:
how near the date is, how many meetings repeat it, the words the record uses for how bad it is
(critical, outage, blocker) or how unsure (might, could), and who is affected (the whole team,
production, every user; or one person, a nice-to-have). The reasons are written into the
proposal's `inferred`, so a PM sees why a risk scored what it did.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from assistant.risks.signals.base import RiskSignal

SEVERE = re.compile(
    r"\b(?:critical|outage|down(?:time)?|blocker|blocking|showstopper|data loss|breach|"
    r"cannot|can't|unable|fails?|failing|broken|breaks?|stops?|urgent|escalat\w*)\b",
    re.IGNORECASE,
)
BROAD = re.compile(
    r"\b(?:whole team|entire team|everyone|every (?:build|user|release|team)|all (?:users|"
    r"builds|teams|releases|customers|services|environments)|customers?|production|go-live|"
    r"release)\b",
    re.IGNORECASE,
)
NARROW = re.compile(
    r"\b(?:nice to have|cosmetic|minor|low priority|one user|single user|workaround)\b",
    re.IGNORECASE,
)
HEDGED = re.compile(r"\b(?:might|may|could|possibl[ey]|perhaps|maybe|unlikely)\b", re.IGNORECASE)
CERTAIN = re.compile(
    r"\b(?:will (?:not|miss|slip|run out|expire|stop|leave)|won't|again|still|no answer|"
    r"no (?:date|commitment|owner|plan)|not (?:yet )?(?:started|done|agreed|renewed))\b",
    re.IGNORECASE,
)
NEAR_DAYS = 7  # a date this close to the period's end makes the risk more likely
SOON_DAYS = 21


@dataclass
class Score:
    """A 1-5 score built from a base and the steps the evidence adds, each with its reason."""

    base: int
    basis: str
    steps: list[tuple[int, str]] = field(default_factory=list)

    def add(self, step: int, reason: str) -> None:
        if step:
            self.steps.append((step, reason))

    @property
    def value(self) -> int:
        return max(1, min(5, self.base + sum(step for step, _ in self.steps)))

    def reason(self) -> str:
        """ "3 (a stated concern); +1 repeated in 3 meetings; -1 hedged ('might')": the rule
        and what moved it."""
        parts = [f"{self.base} ({self.basis})"]
        parts += [f"{step:+d} {why}" for step, why in self.steps]
        return f"{self.value}: " + "; ".join(parts)


def texts_of(signal: RiskSignal) -> str:
    """The record's own words in the signal (its texts and evidence excerpts), not the facts
    pmassist wrote about it."""
    return " ".join([*signal.texts, *(e.excerpt for e in signal.evidence)])


def meetings_of(signal: RiskSignal) -> list[dt.date]:
    """The dates of the minutes that state the signal, oldest first."""
    return sorted(
        {
            e.date
            for e in signal.evidence
            if e.date is not None and not e.document_id.startswith("ticket:")
        }
    )


def assess(
    signal: RiskSignal,
    period_end: dt.date,
    likelihood: tuple[int, str],
    impact: tuple[int, str],
) -> tuple[Score, Score]:
    """The signal's likelihood and impact: the family's base, moved by the evidence."""
    text = texts_of(signal)
    chance = Score(*likelihood)
    harm = Score(*impact)
    meetings = meetings_of(signal)
    if len(meetings) >= 3:
        chance.add(1, f"stated in {len(meetings)} meetings ({meetings[0]} to {meetings[-1]})")
    elif len(meetings) == 2:
        chance.add(1, f"stated in 2 meetings ({meetings[0]}, {meetings[1]})")
    if signal.proximity is not None:
        days = (signal.proximity - period_end).days
        if days < 0:
            chance.add(1, f"its date ({signal.proximity}) has passed")
        elif days <= NEAR_DAYS:
            chance.add(1, f"due within {NEAR_DAYS} days ({signal.proximity})")
    if hedge := HEDGED.search(text):
        if not CERTAIN.search(text):
            chance.add(-1, f"hedged ('{hedge.group(0)}')")
    elif sure := CERTAIN.search(text):
        chance.add(1, f"stated as certain or repeated ('{sure.group(0)}')")
    if severe := SEVERE.search(text):
        harm.add(1, f"severity word ('{severe.group(0)}')")
    if broad := BROAD.search(text):
        harm.add(1, f"affects many ('{broad.group(0)}')")
    elif narrow := NARROW.search(text):
        harm.add(-1, f"limited in reach ('{narrow.group(0)}')")
    return chance, harm
