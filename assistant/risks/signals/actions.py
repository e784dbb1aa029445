"""Actions needing follow-up: actions past due, or without an owner where the minutes meant an
action (an "Action items" or "Next steps" section, or a due date). A "Next step: …" line in
running notes, with no owner and no date, asked nobody for anything yet."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.domain.risk import ProposalDraft
from assistant.risks.signals.base import RiskSignal, text_key, words_key
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.proposals import generic_proposal
from assistant.risks.signals.scan import SignalScan
from assistant.risks.signals.vocabulary import classify

# Sections whose items are actions by intent: "Action items", "Actions", "Next steps", "To do".
ACTION_SECTION = re.compile(
    r"\b(?:actions?|action items?|action points?|to-?dos?|follow[- ]?ups?|next steps?)\b", re.I
)


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    signals = []
    sections = _sections(scan)
    for action in scan.facts.action_items:
        if action.state == "done" or (action.owner and action.state != "overdue"):
            continue
        if action.owner is None and action.due is None:
            section = sections.get(words_key(action.task))
            if not (section and ACTION_SECTION.search(section)):
                # "Next step: …" in running notes: nobody was asked and no date was set, so
                # nothing is late or unowned yet.
                continue
        problem = "has no owner" if action.owner is None else f"is past due ({action.due})"
        signal = RiskSignal(
            key=f"action:{text_key(action.task)}",
            kind="action_follow_up",
            category=classify(action.task, default="schedule"),
            subjects=scan.subjects_of(action.task),
            actions=[action],
            texts=[action.task],
            proximity=action.due,
            owner=action.owner,
            owner_basis="owner of the action" if action.owner else None,
        )
        signal.facts.append(f"Action '{action.task}' {problem}.")
        for chunk_id in action.sources:
            scan.cite_chunk(signal, chunk_id, action.task)
        signals.append(signal)
    return signals


def _sections(scan: SignalScan) -> dict[str, str]:
    """The heading each action of the record's minutes was written under, by its words."""
    found: dict[str, str] = {}
    for _, meeting in scan.record.meetings():
        for item in meeting.action_items:
            if item.section:
                found.setdefault(words_key(item.task), item.section)
                found.setdefault(words_key(re.split(r"(?<=[.!?])\s", item.task)[0]), item.section)
    return found


def propose(signal: RiskSignal) -> ProposalDraft:
    return generic_proposal(signal)


FAMILY = SignalFamily(kind="action_follow_up", generic=True, detect=detect, propose=propose)
