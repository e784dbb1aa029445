"""What a heading (or a label bullet such as `* [Done](…):`) of minutes is for, read from its
whole words: "Action items" opens actions, "Abstractions" does not."""

from __future__ import annotations

import re
from typing import Literal

from assistant.domain.record import ProgressState
from ingest.loaders.markdown import plain_words

SectionRole = Literal[
    "actions", "decisions", "concerns", "attendees", "absent", "progress", "other"
]

_ACTIONS = re.compile(
    r"^(?:(?:open|new|agreed|key)\s+)?(?:action(?:s| items?| points?| list| log)?|ais|todos?|"
    r"to[- ]?dos?|follow[- ]?ups?|next steps?|tasks?)\b"
)
_DECISIONS = re.compile(
    r"^(?:(?:key|main|agreed)\s+)?(?:decisions?(?:\s+(?:made|taken|log|record))?|decided|"
    r"resolutions?|outcomes?|agreements?|agreed|conclusions?)\b"
)
_UNDECIDED = re.compile(r"\b(?:needed|required|pending|open|to make|to be made|requested)\b")
_CONCERNS = re.compile(
    r"^(?:(?:key|open|top|new)\s+)?(?:risks?|concerns?|issues?|blockers?|escalations?|"
    r"problems?|impediments?)(?:\s+and\s+\w+)?\b"
)
_ATTENDEES = re.compile(
    r"^(?:(?:members?|also|people)\s+)?(?:attendees?|attending|attendance|participants?|present|"
    r"in attendance|who was there|roll call)\b"
)
_ABSENT = re.compile(r"^(?:absent|apologies|regrets|excused|not present|unable to attend)\b")

# Progress labels and the state of the work listed under them. A label matches at its start,
# so "Done since last meeting" and "New issues (to triage)" count; "Closed as not planned" and
# the like are work dropped, not progress.
_PROGRESS: tuple[tuple[re.Pattern[str], ProgressState], ...] = (
    # "Accepted MCPs", "Approved RFCs", "Finalized FCPs": proposals the process has carried.
    (re.compile(r"^(?:done|completed?|closed|shipped|released|delivered|finished|resolved|"
                r"merged|fixed|achievements?|accomplishments?|highlights?|wins?|"
                r"(?:accepted|approved|finali[sz]ed) \w+)\b"), "done"),
    (re.compile(r"^(?:work in progress|in progress|wip|ongoing|doing|in review|"
                r"(?:status )?updates?|status|progress|current work|work in flight)\b"),
     "in_progress"),
    (re.compile(r"^(?:new(?: items?| issues?| work| requests?| important| importants?)?|"
                r"announcements?|news|backlog|upcoming(?: \w+)?|next milestone|"
                r"to ?do next milestone|(?:issues? |items? )?to triage)\b"), "new"),
)  # fmt: skip
# What may follow a progress label: "Done since last meeting", "New issues to triage".
_QUALIFIER = re.compile(r"^(?:(?:since|this|last|for|in|from|to|during|of|at)\b.*)?$")
_DROPPED = re.compile(r"\b(?:not planned|won ?t (?:do|fix)|wontfix|cancelled|canceled|dropped)\b")
# A progress label is a few words; longer text merely starts with one of them.
_LABEL_WORDS = 6


# "7. Action items", "2) Decisions", "IV. Risks": the numbering is not the meaning.
_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*|[ivx]+|[a-h])(?:\s|$)")


def heading_words(heading: str) -> str:
    return _NUMBERING.sub("", plain_words(heading), count=1).strip()


def section_role(heading: str | None) -> SectionRole:
    if not heading:
        return "other"
    words = heading_words(heading)
    if _ATTENDEES.match(words):
        return "attendees"
    if _ABSENT.match(words):
        return "absent"
    if _DECISIONS.match(words) and not _UNDECIDED.search(words):
        return "decisions"
    if _ACTIONS.match(words):
        return "actions"
    if progress_state(heading) is not None:
        return "progress"
    if _CONCERNS.match(words):
        return "concerns"
    return "other"


def progress_state(label: str) -> ProgressState | None:
    """The state of the work a progress label lists ("Work In Progress" -> in progress)."""
    words = heading_words(re.sub(r"\([^)]*\)", " ", label))
    if not words or len(words.split()) > _LABEL_WORDS or _DROPPED.search(words):
        return None
    if words.startswith(("to do", "todo")):
        # "ToDo (next milestone)" lists planned work; a bare "TODO" lists actions.
        return "new" if "milestone" in plain_words(label) else None
    for pattern, state in _PROGRESS:
        if (match := pattern.match(words)) and _QUALIFIER.match(words[match.end() :].strip()):
            return state
    return None


def is_action_label(label: str) -> bool:
    """A bullet like `Next steps:` or `Action items` whose items below are actions."""
    words = plain_words(label)
    return bool(words) and len(words.split()) <= 3 and bool(_ACTIONS.match(words))
