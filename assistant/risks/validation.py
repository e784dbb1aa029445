"""Checks every proposal passes before it may reach the register, whoever wrote it.

A proposal is kept only when its fields are valid (category, 1-5 scores, response strategy,
dates), it answers a signal of this run (once), it cites at least one source it was given,
every citation resolves, and every ticket key, person, date and amount it states, its proximity
date included, is in the sources it cites. Otherwise it is dropped whole, with the reasons, and
logged. A suggested owner who is not a person the cited sources name (a tracker login, say) is
left out, and the proposal says so.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Mapping

from pydantic import ValidationError

from assistant.domain.evidence import Evidence
from assistant.domain.risk import (
    CATEGORIES,
    RESPONSES,
    DroppedProposal,
    ProposalDraft,
    RiskEvidence,
    RiskProposal,
)
from assistant.grounding import grounding_problems
from assistant.risks.signals import RiskSignal, family_of

log = logging.getLogger(__name__)

CHECKED_FIELDS = ("title", "cause", "event", "effect", "trigger")


def validate_proposal(
    draft: ProposalDraft,
    *,
    signals: Mapping[str, RiskSignal],
    sources: Mapping[str, Evidence],
    known_people: Collection[str],
    year: int,
    proposed_by: str,
) -> RiskProposal | DroppedProposal:
    problems: list[str] = []
    signal = signals.get(draft.signal)
    if signal is None:
        problems.append(f"answers no signal of this run ('{draft.signal}')")
    if draft.category not in CATEGORIES:
        problems.append(f"category '{draft.category}' is not one of {', '.join(CATEGORIES)}")
    if draft.response not in RESPONSES:
        problems.append(f"response '{draft.response}' is not one of {', '.join(RESPONSES)}")
    for name in ("likelihood", "impact"):
        value = getattr(draft, name)
        if not 1 <= value <= 5:
            problems.append(f"{name} {value} is outside 1-5")
    if draft.confidence not in ("low", "medium", "high"):
        problems.append(f"confidence '{draft.confidence}' is not low, medium or high")
    proximity = None
    if draft.proximity_date:
        try:
            proximity = dt.date.fromisoformat(draft.proximity_date)
        except ValueError:
            problems.append(f"proximity date '{draft.proximity_date}' is not YYYY-MM-DD")
    owner = draft.owner or None
    inferred = dict(draft.inferred)
    if owner and owner not in known_people:
        # A tracker login or a name the record never writes: the proposal stands, unowned.
        inferred["owner"] = f"'{owner}' is not a person named in the record; left for the PM"
        owner = None

    citations = list(dict.fromkeys(draft.citations))
    if not citations:
        problems.append("cites no source")
    unknown = [c for c in citations if c not in sources]
    problems += [f"cites {c}, which is not among the sources" for c in unknown]
    resolved = [c for c in citations if c in sources]
    if resolved:
        for name in CHECKED_FIELDS:
            for problem in grounding_problems(
                getattr(draft, name), resolved, sources, known_people, year
            ):
                problems.append(f"{name}: {problem}")
        for step in draft.mitigation:
            for problem in grounding_problems(step, resolved, sources, known_people, year):
                problems.append(f"mitigation: {problem}")
        # The owner and the proximity date are suggested from the evidence: they must be in it.
        if owner and grounding_problems(f"Owner {owner}.", resolved, sources, known_people, year):
            inferred["owner"] = f"{owner} is not named in the cited sources; left for the PM"
            owner = None
        if proximity is not None:
            for problem in grounding_problems(
                proximity.isoformat(), resolved, sources, known_people, year
            ):
                problems.append(f"proximity date: {problem}")

    proposal: RiskProposal | None = None
    if not problems:
        try:
            proposal = RiskProposal(
                title=draft.title,
                cause=draft.cause,
                event=draft.event,
                effect=draft.effect,
                category=draft.category,
                likelihood=draft.likelihood,
                impact=draft.impact,
                proximity_date=proximity,
                owner=owner,
                response=draft.response,
                mitigation=[step.strip() for step in draft.mitigation if step.strip()],
                trigger=draft.trigger,
                signal_key=draft.signal,
                evidence=[_evidence(sources[c], signal) for c in resolved if signal is not None],
                inferred=inferred,
                confidence=draft.confidence,
                proposed_by=proposed_by,
            )
        except ValidationError as error:
            problems += [
                f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in error.errors()
            ]
    if proposal is not None:
        return proposal
    log.warning("Risk proposal '%s' dropped: %s", draft.title, "; ".join(problems))
    return DroppedProposal(signal_key=draft.signal, title=draft.title, reasons=problems)


def _evidence(source: Evidence, signal: RiskSignal | None) -> RiskEvidence:
    excerpt = next(
        (
            item.excerpt
            for item in (signal.evidence if signal else [])
            if item.chunk_id == source.chunk_id
        ),
        None,
    )
    if excerpt is None:
        lines = [line.strip() for line in source.text.split("\n")[1:] if line.strip()]
        excerpt = (lines[0] if lines else source.text)[:240]
    return RiskEvidence(
        chunk_id=source.chunk_id,
        document_id=source.document_id,
        locator=source.locator,
        excerpt=excerpt,
        date=source.date,
    )


# How far (in steps of the 1-5 scale) a written score may stray from the signal's rule before
# the proposal is flagged: a model that obeys planted text scores everything 1x1.
SCORE_TOLERANCE = 2


def scores_against_rule(draft: ProposalDraft, signal: RiskSignal) -> str | None:
    """Why the draft's scores ignore its evidence, or None: the rule of the signal's family
    (the offline writer's scores for the same evidence) is the yardstick."""
    rule = family_of(signal).propose(signal)
    if (
        abs(draft.likelihood - rule.likelihood) < SCORE_TOLERANCE
        and abs(draft.impact - rule.impact) < SCORE_TOLERANCE
    ):
        return None
    return (
        f"scored {draft.likelihood}x{draft.impact}; the rule for this evidence gives "
        f"{rule.likelihood}x{rule.impact}"
    )
