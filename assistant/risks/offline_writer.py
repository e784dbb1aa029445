"""The offline writer: one deterministic proposal per signal, from its facts and evidence.

Cause is composed from the facts; event, effect, scores, response, mitigation and trigger follow
the documented rule of the signal's family (`signals/<family>.py`, `propose`) and are marked as
inferences. Where a source states the consequence ("If they expire, … UAT cannot start"), that
sentence is the effect.
"""

from __future__ import annotations

import re

from assistant.domain.risk import ProposalDraft
from assistant.risks.signals import RiskSignal, family_of

# "If they expire, Payflow callbacks to UAT fail and UAT cannot start."
STATED_EFFECT = re.compile(r"\bIf [^,.;]{3,80}, ([^.;]{8,160})[.;]")
# "Any further slip of M4 hits UAT start."
STATED_KNOCK_ON = re.compile(r"\b(?:Any further slip of \w+|If \w+ slips) ([^.;]{8,120})[.;]")

MAX_TICKETS_FOR_EFFECT = 2
INFERRED_TEXT = "suggested by pmassist's rules, not stated in the record"


def write_offline(signal: RiskSignal, citations: list[str]) -> ProposalDraft:
    """The proposal for one signal; `citations` are the S# ids of its evidence."""
    draft = family_of(signal).propose(signal)
    draft.citations = citations
    draft.confidence = _confidence(signal)
    stated = _stated_effect(signal)
    if stated:
        draft.effect = stated
    else:
        draft.inferred.setdefault("effect", "the writer's reading of the signal")
    draft.inferred.setdefault("event", "the writer's reading of the signal")
    for name in ("response", "mitigation", "trigger"):
        draft.inferred.setdefault(name, INFERRED_TEXT)
    if draft.owner:
        draft.inferred.setdefault(
            "owner", f"suggested: {signal.owner_basis or 'named in the evidence'}"
        )
    if draft.proximity_date:
        draft.inferred.setdefault("proximity_date", "the nearest date the evidence names")
    return draft


def _confidence(signal: RiskSignal) -> str:
    documents = {item.document_id for item in signal.evidence}
    return "high" if len(documents) >= 3 else "medium" if len(documents) == 2 else "low"


def _stated_effect(signal: RiskSignal) -> str | None:
    """A consequence the record itself states: in the evidence's own words, or in the text of a
    ticket the signal cites (a ticket is about one thing, so its "If …" is about this, unless
    the signal gathers many tickets, such as a milestone's open items)."""
    texts = [item.excerpt for item in signal.evidence]
    if len(signal.tickets) <= MAX_TICKETS_FOR_EFFECT:
        texts += [item.text for item in signal.evidence if item.document_id.startswith("ticket:")]
    for text in texts:
        for pattern in (STATED_EFFECT, STATED_KNOCK_ON):
            if match := pattern.search(" ".join(text.split())):
                return match.group(1).strip()
    return None
