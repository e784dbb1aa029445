"""Who attended a meeting, as minutes list them: names, `@handles`, or both.

`@dfox (Dana Fox)`, `Dana Fox (@dfox)` and `@**Dana Fox**` (chat
mentions) all give one attendee, named as the note names them, and teach the note's handle book
that `@dfox` is Dana Fox, so an action owned by `@dfox` resolves to the person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.loaders.base import SourceLine
from ingest.loaders.markdown import BULLET, clean_inline
from ingest.loaders.people import looks_like_name, split_people

# A handle as chat and code hosts write it: `@name`, `@name-with.dots`, or a chat mention of a
# display name, `@**Full Name**` / `@_**Full Name**`.
HANDLE = re.compile(r"(?<![\w.])@(?:_?\*\*([^*\n]{1,60})\*\*|([A-Za-z0-9][\w.-]{0,38}[\w]|\w))")
_NAME_BESIDE_HANDLE = re.compile(
    r"(?P<name>[A-ZÀ-Þ][\w'’.-]+(?:\s+[A-ZÀ-Þa-z][\w'’.-]+){0,3})\s*[(\[]\s*@(?P<handle>[\w.-]+)\s*[)\]]"
    r"|@(?P<handle2>[\w.-]+)\s*[(\[]\s*(?P<name2>[A-ZÀ-Þ][^()\[\]@]{1,50}?)\s*[)\]]"
)
_MENTIONED_NAME = re.compile(r"@[A-ZÀ-Þ][\w'’.-]+(?:\s+[A-ZÀ-Þ][\w'’.-]+)+")
_NOT_A_PERSON = {"n/a", "na", "none", "tbd", "-", "/", "…", "..."}


@dataclass
class HandleBook:
    """Handles a note pairs with names, lower-cased handle -> name."""

    names: dict[str, str] = field(default_factory=dict)

    def learn(self, text: str) -> None:
        for match in _NAME_BESIDE_HANDLE.finditer(clean_inline(text)):
            name = (match.group("name") or match.group("name2") or "").strip()
            handle = match.group("handle") or match.group("handle2") or ""
            if looks_like_name(name):
                self.names.setdefault(handle.lower(), name)

    def person(self, written: str) -> str:
        """The person a handle or name stands for: `@dfox` -> 'Dana Fox' when the
        note says so, else the handle without its `@`."""
        match = HANDLE.fullmatch(written.strip())
        if match is None:
            return written.strip()
        if match.group(1):
            return match.group(1).strip()
        handle = match.group(2)
        return self.names.get(handle.lower(), handle)


def attendees_from_entry(text: str, book: HandleBook) -> list[str]:
    """The people one attendee line or bullet lists."""
    entry = clean_inline(text).strip()
    if not entry or entry.lower() in _NOT_A_PERSON:
        return []
    book.learn(entry)
    if _MENTIONED_NAME.fullmatch(entry):  # "@Marta Novak": a name written as a mention
        return [entry.lstrip("@")]
    handles = list(HANDLE.finditer(entry))
    if not handles:
        return [name for name in split_people(entry) if name.lower() not in _NOT_A_PERSON]
    rest = HANDLE.sub(" ", entry)
    rest = re.sub(r"[()\[\]]", " ", rest).strip(" \t-–—:;,")
    people: list[str] = []
    if len(handles) == 1 and rest and looks_like_name(rest):
        handle = handles[0].group(2)
        if handle:
            book.names.setdefault(handle.lower(), rest)
        people.append(rest)
    else:
        people.extend(book.person(match.group(0)) for match in handles)
        people.extend(name for name in split_people(rest) if looks_like_name(name))
    return people


def attendees_from_lines(lines: list[SourceLine], book: HandleBook) -> list[str]:
    """Every person listed on these lines (an Attendees section), one line or bullet each, or
    several separated by commas."""
    people: list[str] = []
    for line in lines:
        match = BULLET.match(line.text)
        text = match.group(1) if match else line.text
        if not text.strip() or text.strip().endswith(":"):
            continue  # a blank line or a group label ("Company X:")
        for person in attendees_from_entry(text, book):
            if person not in people:
                people.append(person)
    return people


def list_of_people(lines: list[SourceLine], book: HandleBook) -> list[str]:
    """A bullet list right under a meeting heading that names only people (two or more), as
    running notes often list who came; anything else under the heading is not attendance."""
    bullets: list[str] = []
    for line in lines:
        if not line.text.strip():
            if bullets:
                break
            continue
        match = BULLET.match(line.text)
        if match is None:
            break
        bullets.append(match.group(1))
    if len(bullets) < 2:
        return []
    for text in bullets:
        entry = clean_inline(text)
        if not (HANDLE.fullmatch(entry.strip()) or looks_like_name(entry) or HANDLE.search(entry)):
            return []
        if len(HANDLE.sub("", entry).split()) > 4:
            return []
    return attendees_from_lines([SourceLine(0, text) for text in bullets], book)


def unique(names: list[str]) -> list[str]:
    """Names once each, the same person written twice (case, a handle already resolved) once."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.casefold(), name)
    return list(seen.values())
