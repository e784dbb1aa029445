"""Action items as minutes write them, in their common variants:

- [ ] Dana Fox — renew the test certificates — due 2026-03-13
- [x] Tom Okafor: send the load-test plan (due 2026-09-24)
* [ ] Sam Lee - update the test plan - due: 2026-10-02
- [ ] @Marta Novak to rerun the reconciliation by 2026-10-20
- ACTION: Priya Raman — book the room — due 2026-10-06
- Action (Priya Raman): book the room by 6 Oct
☐ Dana Fox — renew the certificates (Word checkboxes)
| Owner | Action | Due | Status |   (tables)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from assistant.domain.record import ActionItem
from assistant.text.dates import find_date
from ingest.loaders.base import SourceLine
from ingest.loaders.markdown import clean_inline
from ingest.loaders.people import clean_person, looks_like_name

CHECKBOX = re.compile(r"^\s*(?:[-*+]|\d+[.)])?\s*\[([ xX✓✔])\]\s*(.+)$")
WORD_CHECKBOX = re.compile(r"^\s*(?:[-*+]\s*)?([☐☑☒✅])\s*(.+)$")
ACTION_PREFIX = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])?\s*\**\s*(?:action(?:\s+item)?|todo|to-do|ai)\b\s*\**\s*"
    r"(?:\(([^)]+)\))?\s*\**\s*[:\-–—]\s*\**\s*(.+)$",
    re.IGNORECASE,
)
BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+(.+)$")
_DUE_KEYWORD = re.compile(r"\b(?:due|by|deadline|until|before|target)\b\s*:?\s*", re.IGNORECASE)
_SEPARATORS = (" — ", " – ", " - ", ": ", " -- ")
_DONE_WORDS = {"done", "closed", "complete", "completed", "yes", "y", "x", "✓", "✔", "resolved"}
_DONE_SUFFIX = re.compile(r"[\s(\[—–-]*\b(done|closed|completed?)\b[)\]]?\s*$", re.IGNORECASE)


def parse_action_line(
    text: str,
    *,
    in_action_section: bool,
    attendees: Sequence[str] = (),
    meeting_date: dt.date | None = None,
) -> ActionItem | None:
    """An action item if the line is one, else None."""
    owner_hint: str | None = None
    done = False
    if match := CHECKBOX.match(text):
        done, body = match.group(1) != " ", match.group(2)
    elif match := WORD_CHECKBOX.match(text):
        done, body = match.group(1) != "☐", match.group(2)
    elif match := ACTION_PREFIX.match(text):
        owner_hint, body = match.group(1), match.group(2)
    elif in_action_section and (match := BULLET.match(text)):
        body = match.group(1)
    else:
        return None
    return parse_action_text(
        body, done=done, owner=owner_hint, attendees=attendees, meeting_date=meeting_date
    )


def parse_action_text(
    body: str,
    *,
    done: bool = False,
    owner: str | None = None,
    attendees: Sequence[str] = (),
    meeting_date: dt.date | None = None,
) -> ActionItem | None:
    text = clean_inline(body).strip()
    if match := _DONE_SUFFIX.search(text):
        done = True
        text = text[: match.start()].rstrip()
    due, text = _take_due_date(text, meeting_date)
    if owner:
        owner = _resolve_owner(owner, attendees) or clean_person(owner)
    else:
        owner, text = _take_owner(text, attendees)
    task = _tidy(text)
    if not task:
        return None
    return ActionItem(task=task, owner=owner or None, due=due, done=done)


def parse_action_table(
    rows: list[tuple[SourceLine, list[str]]],
    attendees: Sequence[str] = (),
    meeting_date: dt.date | None = None,
) -> list[tuple[SourceLine, ActionItem]]:
    """Action items from a Markdown/Word table whose header names owner, action, due, status."""
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0][1]]

    def column(*names: str) -> int | None:
        for index, cell in enumerate(header):
            if any(name in cell for name in names):
                return index
        return None

    task_col = column("action", "task", "item", "what", "description")
    owner_col = column("owner", "who", "assignee", "responsible")
    due_col = column("due", "date", "when", "deadline")
    status_col = column("status", "done", "state")
    if task_col is None:
        return []
    items: list[tuple[SourceLine, ActionItem]] = []
    for line, cells in rows[1:]:

        def cell(index: int | None, cells: list[str] = cells) -> str:
            return cells[index].strip() if index is not None and index < len(cells) else ""

        task = cell(task_col)
        if not task:
            continue
        owner = cell(owner_col)
        due_text = cell(due_col)
        found = find_date(due_text, reference=meeting_date)
        due = found[0] if found else None
        done = cell(status_col).lower() in _DONE_WORDS
        items.append(
            (
                line,
                ActionItem(
                    task=task,
                    owner=(_resolve_owner(owner, attendees) or clean_person(owner)) or None,
                    due=due,
                    done=done,
                ),
            )
        )
    return items


def _tidy(text: str) -> str:
    """Strip separators left around a task, and brackets only when they are left unpaired."""
    text = text.strip(" \t-–—:;,.")
    while text.endswith("(") or (text.endswith(")") and text.count(")") > text.count("(")):
        text = text[:-1].rstrip(" \t-–—:;,.")
    while text.startswith(")") or (text.startswith("(") and text.count("(") > text.count(")")):
        text = text[1:].lstrip(" \t-–—:;,.")
    return text


def _take_due_date(text: str, meeting_date: dt.date | None) -> tuple[dt.date | None, str]:
    # "… — due 2026-11-13", "(due 2026-09-24)", "by 20 Nov": the keyword right before a date.
    for match in reversed(list(_DUE_KEYWORD.finditer(text))):
        rest = text[match.end() :]
        found = find_date(rest, reference=meeting_date)
        if found and found[1][0] == 0:
            before = text[: match.start()].rstrip(" \t(—–-,;:")
            after = rest[found[1][1] :].lstrip(" )").strip()
            return found[0], (before + (" " + after if after else "")).strip()
    # A bare date closing the line: "… — 2026-11-13" or "(2026-11-13)".
    found = find_date(text, meeting_date.year if meeting_date else None)
    if found:
        tail = text[found[1][1] :].strip(" )]")
        head = text[: found[1][0]]
        if not tail and re.search(r"[—–(\[,;-]\s*$", head):
            return found[0], head.rstrip(" \t(—–-,;:[")
    return None, text


def _take_owner(text: str, attendees: Sequence[str]) -> tuple[str | None, str]:
    # "@Marta Novak to rerun …" / "Tom to send …"
    match = re.match(r"^(@?[\w'’.\- ]{1,40}?)\s+(?:to|will)\s+(.+)$", text)
    if match:
        candidate = match.group(1)
        resolved = _resolve_owner(candidate, attendees)
        if resolved or (candidate.startswith("@") and looks_like_name(candidate)):
            return resolved or clean_person(candidate), match.group(2)
    # "Dana Fox — renew …", "Tom Okafor: send …"
    for separator in _SEPARATORS:
        if separator in text:
            head, tail = text.split(separator, 1)
            resolved = _resolve_owner(head, attendees)
            if resolved or looks_like_name(head):
                return resolved or clean_person(head), tail
    # "Tom escalates the case …": a known attendee opening the sentence owns it.
    words = text.split()
    for size in (2, 1):
        if len(words) > size and (resolved := _resolve_owner(" ".join(words[:size]), attendees)):
            return resolved, text
    # "renew the certificates — Dana Fox": only trusted for a known attendee.
    for separator in _SEPARATORS:
        if separator in text:
            head, tail = text.rsplit(separator, 1)
            resolved = _resolve_owner(tail, attendees)
            if resolved:
                return resolved, head
    return None, text


def _resolve_owner(candidate: str, attendees: Sequence[str]) -> str | None:
    """Match a name or first name against the attendees ('Tom' -> 'Tom Okafor')."""
    name = clean_person(candidate).lower()
    if not name:
        return None
    for attendee in attendees:
        if attendee.lower() == name:
            return attendee
    first_names = [a for a in attendees if a.lower().split()[0] == name] if " " not in name else []
    return first_names[0] if len(first_names) == 1 else None
