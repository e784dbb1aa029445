"""People's names as they appear in records: '@Dana Fox', 'Tom Okafor (tech lead)', 'Priya'."""

from __future__ import annotations

import re

_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’.-]*"
_PARTICLE = r"(?:van|von|de|da|del|der|di|du|le|la|bin|al|ten|ter)"
NAME = re.compile(rf"^{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_NAME_WORD}){{0,3}}$")
_NOT_NAMES = {
    "all",
    "everyone",
    "team",
    "tbd",
    "tbc",
    "n/a",
    "na",
    "none",
    "pm",
    "pmo",
    "qa",
    "dev",
    "ops",
    "devops",
    "action",
    "decision",
    "note",
    "todo",
    "done",
    "open",
    "closed",
    # Labels that open a line the way a name would ("Next LTS: …", "Proposal: …").
    "next",
    "proposal",
    "question",
    "reminder",
    "update",
    "updates",
    "status",
    "idea",
    "context",
    "summary",
    "agenda",
    "notes",
    "result",
    "outcome",
    "wip",
    "fyi",
    "me",
}
# A name does not start with these, whatever follows ("Next LTS", "New release").
_NOT_FIRST_WORDS = {"next", "new", "last", "previous", "old", "the", "a", "an", "this", "all"}


def clean_person(text: str) -> str:
    """'@Tom Okafor (Tech lead)' -> 'Tom Okafor'."""
    text = re.sub(r"\([^)]*\)", "", text)
    text = re.sub(r"<[^>]*@[^>]*>", "", text)  # "Name <mail@example.org>"
    text = text.replace("**", "").replace("@", "").strip(" \t*_-–—:;,.")
    return re.sub(r"\s+", " ", text)


def looks_like_name(text: str) -> bool:
    candidate = clean_person(text)
    return (
        bool(candidate)
        and candidate.lower() not in _NOT_NAMES
        and candidate.split()[0].lower() not in _NOT_FIRST_WORDS
        and bool(NAME.match(candidate))
    )


_ROLE_WORDS = re.compile(
    r"\b(lead|manager|owner|officer|sponsor|director|engineer|architect|analyst|head|chair|"
    r"developer|consultant|pm|po|qa|cfo|cto|ceo|cio|vp|dpo|ciso|chief|member|team|vendor)\b",
    re.IGNORECASE,
)


_SEPARATOR = re.compile(r"(?:[;,]|\band\b)(?![^()]*\))")


def split_people(value: object) -> list[str]:
    """A list of people from a YAML list or a comma/semicolon separated string.

    A parenthesis holding a role is dropped ('Priya Raman (PM)'); one holding a name is kept as
    a person of its own ('Steering committee (Greg Holm)').
    """
    if value is None:
        return []
    # Commas inside a parenthesis belong to a role ("Declan Moore (Sponsor, Director, chair)").
    items = value if isinstance(value, list) else _SEPARATOR.split(str(value))
    people: list[str] = []
    for item in items:
        text = str(item)
        names = [clean_person(text)]
        for inner in re.findall(r"\(([^)]*)\)", text):
            if not _ROLE_WORDS.search(inner) and looks_like_name(inner) and " " in inner.strip():
                names.append(clean_person(inner))
        for name in names:
            if name and name not in people:
                people.append(name)
    return people


def unique_people(*groups: list[str] | tuple[str, ...] | None) -> list[str]:
    seen: list[str] = []
    for group in groups:
        for name in group or ():
            if name and name not in seen:
                seen.append(name)
    return seen
