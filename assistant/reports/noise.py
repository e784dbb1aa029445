"""Lines a PM would strike from a draft before sending it: the meeting's own logistics (when
the next one is, publishing its notes or recording, the call's link), lines that are only a
link, the same action noted twice in slightly different words, a template's empty slot ("None
at this time", "No new items this week") and a short concern tag every meeting of a series repeats.

The minutes' items are reported in the team's words; these rules only drop what is about the
meeting itself rather than the project's work, so they read the words, never a team's names.
"""

from __future__ import annotations

import re

from assistant.domain.facts import ActionItemFact
from assistant.domain.period import ReportPeriod
from assistant.facts.minutes import STANDING_MIN_MEETINGS
from assistant.facts.record import RecordSnapshot

_LINK = re.compile(r"https?://\S+|www\.\S+")
# "Next meeting: 12 May", "Next infra meeting: next week", "Next sync moved to Friday".
_NEXT_MEETING = re.compile(
    r"^\W*(?:the\s+)?next\s+(?:[\w-]+\s+){0,2}"
    r"(?:meeting|sync|call|stand-?up|check-?in|session|retro(?:spective)?|catch-?up)s?\b",
    re.IGNORECASE,
)
# "No meeting next week", "Meeting cancelled", "Meeting moved to Thursday".
_MEETING_CHANGED = re.compile(
    r"^\W*(?:no\s+(?:[\w-]+\s+)?meeting\b|(?:this\s+|the\s+)?meeting\s+"
    r"(?:is\s+|was\s+|will\s+be\s+)?(?:cancell?ed|moved|rescheduled|postponed)\b)",
    re.IGNORECASE,
)
# "Publish this meeting note", "Upload the recording to the channel", "Share the minutes".
_PUBLISH_MEETING = re.compile(
    r"\b(?:publish|post|upload|share|send(?:\s+out)?|circulate)\b.{0,40}?\b(?:"
    r"(?:this|the|today'?s)\s+meeting|(?:this|today'?s)\s+(?:minutes|notes?|recording|record)|"
    r"the\s+(?:minutes|recording))\b",
    re.IGNORECASE,
)
# "Recording: <link>", "Zoom link", "Meeting room: <link>": where to join, not what was done.
_JOIN_DETAILS = re.compile(
    r"^\W*(?:(?:zoom|teams|meet|webex|video|call|dial-?in|conference)\s+(?:meeting\s+)?"
    r"(?:link|room|id|url)|meeting\s+(?:link|room|id|url)|"
    r"recording|slides|agenda|minutes|notes)\b\W*$",
    re.IGNORECASE,
)
# Parenthesised asides ("(issue to create)", "(incoming PR)") do not change what an action is.
_ASIDE = re.compile(r"\([^)]*\)")
# "this time", "at this time", "this week", "so far", "to report": the filler that closes a
# line saying a template's list is empty.
_FILLER = (
    r"(?:(?:at|for)\s+(?:this|the)\s+(?:time|moment|point)|this\s+(?:time|week|sprint|period|"
    r"month|round|cycle|meeting|iteration)|so\s+far|yet|for\s+now|today|currently|to\s+"
    r"(?:report|add|share|note|mention)|to\s+report\s+this\s+(?:time|week))"
)
# "None", "N/A", "Nothing new this week", "None at this time", "Nothing to report".
_NOTHING = re.compile(
    r"^(?:none|nothing|nil|n/?a|tbd|-+)(?:\s+(?:new|else|further|more|other|yet))?"
    rf"(?:\s+to\s+(?:report|add|share|note|mention))?(?:\s+{_FILLER})*$",
    re.IGNORECASE,
)
# "No new finished items (merged) this time", "No further updates so far": "No" with "new",
# "further"... and a filler at its end; "No updates", "No changes this week".
_NO_NEW = re.compile(
    rf"^no\s+(?:new|further|other|more|additional)\b[^:;]{{0,80}}?\s+{_FILLER}$"
    r"|^no\s+(?:(?:new|further|other|more|additional)\s+)?(?:updates?|items?|changes?|news|"
    rf"progress|entries|activity)(?:\s+{_FILLER})?$",
    re.IGNORECASE,
)
# A concern of at most this many words is a tag ("not worth the complexity"), not a sentence.
CONCERN_TAG_MAX_WORDS = 6
# Two notes of one action share at least this many leading words.
SAME_ACTION_MIN_WORDS = 3


def about_the_meeting(text: str) -> bool:
    """A line about the meeting itself (its next date, its notes, its call), or only a link."""
    bare = _LINK.sub(" ", text).strip()
    if not re.search(r"[^\W\d_]{2,}", bare):
        return True  # a link, a number or punctuation alone says nothing to a reader
    if _NEXT_MEETING.match(bare) or _MEETING_CHANGED.match(bare):
        return True
    if _PUBLISH_MEETING.search(bare):
        return True
    return bool(_JOIN_DETAILS.match(bare.rstrip(" :-")))


def says_nothing(text: str) -> bool:
    """A template's empty slot: a line saying a list has nothing in it this time ("None at this
    time", "Nothing new this week", "No new finished items this time"). A line that starts with
    "No" and says something ("No longer blocked: ...", "No-code builder released") is kept."""
    bare = re.sub(r"\s+", " ", _LINK.sub(" ", text)).strip(" .!*_-\t")
    bare = bare.rstrip(" .!")
    return bool(_NOTHING.match(bare) or _NO_NEW.match(bare))


def standing_concerns(record: RecordSnapshot, period: ReportPeriod) -> set[str]:
    """Short tag-like concerns ("not worth the complexity", a review tool's concern name) that at
    least half the meetings of a series up to the period's end repeat: the series' furniture,
    like a standing announcement, not this week's news. Keys as `concern_key` makes them; a
    concern said in a sentence is kept however often it is repeated."""
    meetings = [
        meeting
        for document, meeting in record.meetings()
        if document.date and document.date <= period.end
    ]
    if len(meetings) < STANDING_MIN_MEETINGS:
        return set()
    seen: dict[str, int] = {}
    for meeting in meetings:
        for key in {concern_key(n.text) for n in meeting.concerns if _concern_tag(n.text)}:
            seen[key] = seen.get(key, 0) + 1
    return {key for key, count in seen.items() if count * 2 >= len(meetings)}


def concern_key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", _LINK.sub(" ", text.lower())))


def _concern_tag(text: str) -> bool:
    # A tag is a few words without a sentence's end or a clause after a colon.
    words = concern_key(text).split()
    return 0 < len(words) <= CONCERN_TAG_MAX_WORDS and not re.search(r"[.;:!?]\s+\S", text)


def distinct_actions(actions: list[ActionItemFact]) -> list[ActionItemFact]:
    """Each action once: when one note of an owner's action is the start of another (the later
    note added an issue link, a month, an aside), only the later, fuller note is kept, in the
    place of the first."""
    kept: list[ActionItemFact] = []
    for action in actions:
        same = next((i for i, k in enumerate(kept) if _same_action(k, action)), None)
        if same is None:
            kept.append(action)
        elif _newer(action, kept[same]):
            kept[same] = action
    return kept


def _same_action(one: ActionItemFact, other: ActionItemFact) -> bool:
    if one.owner != other.owner or one.state != other.state:
        return False
    first, second = _words(one.task), _words(other.task)
    shorter, longer = sorted((first, second), key=len)
    return len(shorter) >= SAME_ACTION_MIN_WORDS and longer[: len(shorter)] == shorter


def _newer(action: ActionItemFact, than: ActionItemFact) -> bool:
    # The later note is the current one; on the same day the fuller one says more.
    when, other = action.raised_on, than.raised_on
    if when and other and when != other:
        return when > other
    return len(action.task) > len(than.task)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", _ASIDE.sub(" ", _LINK.sub(" ", text.lower())))
