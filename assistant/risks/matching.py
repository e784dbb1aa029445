"""A proposal that matches an entry already in the register joins it instead of duplicating it.

A proposal matches an entry of the same category when it comes from the same signal (same key:
the same vendor, person, milestone …) or when their texts are close (cosine similarity of the
embeddings of title and cause at or above `SIMILARITY_THRESHOLD`). Then:

- a `proposed` entry nobody has edited takes the new proposal's content;
- an edited proposal, or an `open`, `mitigating` or `closed` entry, keeps the PM's assessment;
  the run records the
  score the signal suggests now and marks it `persistent` or `escalated` (score rose), and adds
  any new evidence;
- a `rejected` entry stays rejected unless the proposal brings evidence the rejection did not
  see; then it is proposed again, with the new evidence named in its history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from assistant.domain.risk import (
    EDITABLE_FIELDS,
    RiskChange,
    RiskEntry,
    RiskEvidence,
    RiskProposal,
    SuggestionOutcome,
    Trend,
    apply_fields,
)

SIMILARITY_THRESHOLD = 0.75
# What a suggestion run may set on an entry nobody has reviewed yet.
PROPOSAL_FIELDS = (*EDITABLE_FIELDS, "inferred", "confidence", "proposed_by", "signal_key")

Embed = Callable[[list[str]], NDArray[np.float32]]


@dataclass
class RegisterPlan:
    """The writes one suggestion run makes, and what it tells the PM about each proposal."""

    changes: list[tuple[RiskEntry, RiskChange]] = field(default_factory=list)
    outcomes: list[SuggestionOutcome] = field(default_factory=list)
    suppressed: list[str] = field(default_factory=list)


def match_text(item: RiskProposal | RiskEntry) -> str:
    return f"{item.title}. {item.cause}"


def plan_register_changes(
    proposals: Sequence[RiskProposal],
    entries: Sequence[RiskEntry],
    *,
    embed: Embed,
    new_ids: Callable[[int], list[str]],
    project: str,
    seen_on: dt.date,
    actor: str,
    now: dt.datetime,
) -> RegisterPlan:
    plan = RegisterPlan()
    known = list(entries)
    proposal_vectors, entry_vectors = _vectors(
        embed, [match_text(p) for p in proposals], [match_text(e) for e in known]
    )
    fresh_ids = iter(new_ids(len(proposals)))
    for index, proposal in enumerate(proposals):
        match = _best_match(proposal, proposal_vectors[index], known, entry_vectors)
        if match is None:
            created = _new_entry(proposal, next(fresh_ids), project, seen_on, now)
            plan.changes.append(
                (
                    created,
                    RiskChange(
                        at=now,
                        actor=actor,
                        action="proposed",
                        changes={"status": [None, "proposed"], "score": [None, created.score]},
                        reason=f"signal {proposal.signal_key} in the period ending {seen_on}",
                    ),
                )
            )
            plan.outcomes.append(_outcome(created, "proposed", "new"))
            continue
        entry, same_signal = match
        _join(plan, entry, proposal, same_signal, seen_on, actor, now)
    return plan


def _join(
    plan: RegisterPlan,
    entry: RiskEntry,
    proposal: RiskProposal,
    same_signal: bool,
    seen_on: dt.date,
    actor: str,
    now: dt.datetime,
) -> None:
    trend = _trend(proposal.score, entry.score)
    new_evidence = _new_evidence(entry, proposal)
    if entry.status != "rejected" and entry.last_seen == seen_on and not new_evidence:
        # The same period again with nothing new: nothing to write.
        plan.outcomes.append(_outcome(entry, "unchanged", entry.trend))
        return
    # A proposal that matched by wording keeps the entry's own signal.
    content = [name for name in PROPOSAL_FIELDS if same_signal or name != "signal_key"]
    seen = {"trend": trend, "signal_score": proposal.score, "last_seen": seen_on}
    if entry.status == "rejected":
        # Only evidence the rejection could not have seen counts: dated after the period the
        # entry was last seen in.
        later = [e for e in new_evidence if _after(e.date, entry.last_seen)]
        if not later:
            plan.suppressed.append(entry.id)
            return
        updates: dict[str, object] = (
            {} if entry.edited else {n: getattr(proposal, n) for n in content}
        )
        updates |= {"status": "proposed", "evidence": [*entry.evidence, *later], **seen}
        action = "reproposed"
        reason = "new evidence since it was rejected: " + "; ".join(e.label for e in later)
    elif entry.status == "proposed" and not entry.edited:
        updates = {name: getattr(proposal, name) for name in content}
        updates |= {"evidence": _merged(entry.evidence, proposal.evidence), **seen}
        action = "updated"
        reason = f"signal {proposal.signal_key} seen again in the period ending {seen_on}"
    else:
        # Reviewed or edited entries keep the PM's assessment; the run reports what it sees.
        updates = {"evidence": [*entry.evidence, *new_evidence], **seen}
        action = "linked"
        reason = (
            f"signal {proposal.signal_key} seen again in the period ending {seen_on}: suggests "
            f"score {proposal.score} against {entry.score} ({trend})"
        )
    # Machine-written rows name which texts changed, not their words (see store.risks).
    changed = apply_fields(entry, updates, quote_text=False)
    if not changed:
        plan.outcomes.append(_outcome(entry, "unchanged", entry.trend))
        return
    entry.updated_at = now
    plan.changes.append(
        (entry, RiskChange(at=now, actor=actor, action=action, changes=changed, reason=reason))
    )
    plan.outcomes.append(_outcome(entry, action, trend))


def _best_match(
    proposal: RiskProposal,
    vector: NDArray[np.float32],
    entries: list[RiskEntry],
    vectors: NDArray[np.float32],
) -> tuple[RiskEntry, bool] | None:
    """The entry of the same signal, whatever its category now (a PM may have changed it);
    else the closest entry of the same category above the threshold."""
    for entry in entries:
        if entry.signal_key == proposal.signal_key:
            return entry, True
    best: tuple[float, RiskEntry] | None = None
    for index, entry in enumerate(entries):
        if entry.category != proposal.category:
            continue
        similarity = float(np.dot(vector, vectors[index]))
        if similarity >= SIMILARITY_THRESHOLD and (best is None or similarity > best[0]):
            best = (similarity, entry)
    return (best[1], False) if best else None


def _after(day: dt.date | None, last_seen: dt.date | None) -> bool:
    return last_seen is None or (day is not None and day > last_seen)


def _vectors(
    embed: Embed, proposals: list[str], entries: list[str]
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    texts = proposals + entries
    if not texts:
        empty = np.zeros((0, 1), dtype=np.float32)
        return empty, empty
    matrix = np.asarray(embed(texts), dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix = (matrix / np.where(norms == 0, 1, norms)).astype(np.float32)
    return matrix[: len(proposals)], matrix[len(proposals) :]


def _new_entry(
    proposal: RiskProposal, risk_id: str, project: str, seen_on: dt.date, now: dt.datetime
) -> RiskEntry:
    values = proposal.model_dump(exclude={"score"})
    return RiskEntry.model_validate(
        {
            **values,
            "id": risk_id,
            "project": project,
            "status": "proposed",
            "trend": "new",
            "signal_score": proposal.score,
            "first_seen": seen_on,
            "last_seen": seen_on,
            "created_at": now,
            "updated_at": now,
        }
    )


def _new_evidence(entry: RiskEntry, proposal: RiskProposal) -> list[RiskEvidence]:
    seen = {item.chunk_id for item in entry.evidence}
    return [item for item in proposal.evidence if item.chunk_id not in seen]


def _merged(old: list[RiskEvidence], new: list[RiskEvidence]) -> list[RiskEvidence]:
    seen = {item.chunk_id for item in new}
    return [*new, *(item for item in old if item.chunk_id not in seen)]


def _trend(new_score: int, old_score: int) -> Trend:
    if new_score > old_score:
        return "escalated"
    if new_score < old_score:
        return "reduced"
    return "persistent"


def _outcome(entry: RiskEntry, action: str, trend: Trend) -> SuggestionOutcome:
    return SuggestionOutcome(
        risk_id=entry.id,
        action=action,
        trend=trend,
        title=entry.title,
        score=entry.score,
        category=entry.category,
    )
