"""Action items as minutes write them, in their common variants:

- [ ] Dana Fox — renew the test certificates — due 2026-03-13
- [x] Tom Okafor: send the load-test plan (due 2026-09-24)
* [ ] Sam Lee - update the test plan - due: 2026-10-02
- [ ] @Marta Novak to rerun the reconciliation by 2026-10-20
- ACTION: Priya Raman — book the room — due 2026-10-06
- Action (Priya Raman): book the room by 6 Oct
- AI Priya: book the room
- TODO @dana renew the certificates / post mortem TODO (@dana)
- Next steps: rerun the reconciliation => @marta
☐ Dana Fox — renew the certificates (Word checkboxes)
| Owner | Action | Due | Status |   (tables)

Owners written as `@handle` resolve through the note's handle book (`attendance.HandleBook`).
Vote and status lines (`✅ …`, `Vote: …`, `+1`) are never actions.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence

from assistant.domain.record import ActionItem
from assistant.text.dates import find_date
from ingest.loaders.base import SourceLine
from ingest.loaders.markdown import BULLET, clean_inline
from ingest.loaders.people import clean_person, looks_like_name

CHECKBOX = re.compile(r"^\s*(?:[-*+]|\d+[.)])?\s*\[([ xX✓✔])\]\s*(.+)$")
WORD_CHECKBOX = re.compile(r"^\s*(?:[-*+]\s*)?([☐☑☒])\s*(.+)$")
ACTION_PREFIX = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])?\s*\**\s*"
    r"(?:action(?:\s+item)?|todo|to[- ]do|ai|next\s+steps?)\b\s*\**\s*"
    r"(?:\(([^)]+)\)|(?<=ai )([A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+)?)|(@[\w.-]+))?\s*\**\s*"
    r"[:\-–—]\s*\**\s*(.+)$",
    re.IGNORECASE,
)
# "post mortem TODO (@dana)", "TODO @dana renew …": the marker in capitals anywhere in a line.
TODO_MARKER = re.compile(r"(?<![\w-])TODO(?![\w-]):?")
# A vote or a status mark: "✅ Storage: 1.8 TB", "Vote: unanimous yes", "+1 from the TSC".
VOTE_OR_STATUS = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])?\s*(?:[✅❌✔✖⚠️🟢🟡🔴👍👎☑]|[+-]1\b|\**\s*(?:vote|voting|voted|"
    r"poll|result)\b)",
    re.IGNORECASE,
)
# "- Ben Okoro to draft the interface": an attendee (or a handle) "to" do something is the
# classic way minutes record an action, inside an action section or not.
OWNER_TO = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])\s+(@[\w.-]+|[A-ZÀ-Þ][\w'’.-]+(?: [A-ZÀ-Þ][\w'’.-]+){0,2})\s+"
    r"(?:to|will|is going to|is to)\s+\w"
)
# "Puppet notifications => @dana": an arrow to a handle hands the line to that person.
# So does a handle closing the line after a colon or dash, or "by @dana".
ASSIGNED = re.compile(r"(?:=>|->|→)\s*@[\w.-]+|(?:[:–—]|\s-|\bby)\s*@[\w.-]+\s*\??\s*$")
# "… => Zoë (later today)": an arrow to a name, trusted when the name is an attendee's.
ARROW_TO_NAME = re.compile(r"\s*(?:=>|→)\s*([A-ZÀ-Þ][\w'’.-]+(?: [A-ZÀ-Þ][\w'’.-]+)?)")
# "(tokafor)", "(maybe Dana?)": a lone name or handle in brackets closing an action.
BRACKETED_OWNER = re.compile(
    r"\s*\((?:maybe\s+)?([A-Za-zÀ-ÿ][\w.'’-]{1,30}(?: [A-Z][\w'’.-]+)?)\??\)\s*$"
)
_NOT_OWNERS = {
    "optional", "maybe", "tbd", "tbc", "wip", "done", "later", "ongoing", "blocked", "urgent",
    "low", "high", "medium", "draft", "pending", "postponed", "deferred", "closed", "open",
    "again", "soon", "today", "tomorrow", "asap", "cancelled", "canceled", "merged",
}  # fmt: skip
# Template text a person is meant to replace: "<owner>", "<what>".
PLACEHOLDER = re.compile(r"<(?![a-z]+://)(?!/)[^<>@\n]{1,40}>")
_OWNER_MARKS = (
    # "… => @dana", "issue 3923 => @dana drives it with @tom"
    re.compile(r"\s*(?:=>|->|→)\s*(@[\w.-]+)(?:\s+and\s+@[\w.-]+)?\s*\??"),
    re.compile(r"\s*[(\[]\s*(@[\w.-]+)\??(?:[^)\]]*)[)\]]\s*\??$"),
    re.compile(r"(?:^|\s+)(?:[-–—:#]\s+|by\s+)?(@[\w.-]+)\s*\??$"),
    # "@dana renew …", not "@Ines Duarte to …" (a name that goes on, read by `_take_owner`)
    re.compile(r"^(@[\w.-]+)\s+(?!(?:[A-ZÀ-Þ][\w'’.-]*\s+){0,2}(?:to|will)\b)"),
)
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
    person: Callable[[str], str] | None = None,
) -> ActionItem | None:
    """An action item if the line is one, else None. `person` turns a written `@handle` into
    the person it stands for (the note's handle book)."""
    if VOTE_OR_STATUS.match(text):
        return None
    owner_hint: str | None = None
    done = False
    if match := CHECKBOX.match(text):
        done, body = match.group(1) != " ", match.group(2)
    elif match := WORD_CHECKBOX.match(text):
        done, body = match.group(1) != "☐", match.group(2)
    elif match := ACTION_PREFIX.match(text):
        owner_hint = match.group(1) or match.group(2) or match.group(3)
        body = match.group(4)
    elif marker := TODO_MARKER.search(text):
        bullet = BULLET.match(text)
        start = bullet.start(1) if bullet else 0
        after = text[marker.end() :]
        if not after.strip() and text[: marker.start()].rstrip().endswith(":"):
            return None  # "Creation date: TODO": a field left to fill in, not an action
        if handle := re.match(r"\s*:?\s*(@[\w.-]+)", after):  # "TODO @dana …", "TODO: @dana"
            owner_hint, after = handle.group(1), after[handle.end() :]
        body = (text[start : marker.start()] + " " + after).strip()
    elif (
        in_action_section
        or _owner_to(text, attendees)
        or ASSIGNED.search(text)
        or _arrow_to_attendee(text, attendees)
    ) and (match := BULLET.match(text)):
        body = match.group(1)
    else:
        return None
    return parse_action_text(
        body,
        done=done,
        owner=owner_hint,
        attendees=attendees,
        meeting_date=meeting_date,
        person=person,
    )


def parse_action_text(
    body: str,
    *,
    done: bool = False,
    owner: str | None = None,
    attendees: Sequence[str] = (),
    meeting_date: dt.date | None = None,
    person: Callable[[str], str] | None = None,
) -> ActionItem | None:
    text = _placeholders_out(clean_inline(body))
    text = re.sub(r"\s{2,}", " ", text)
    if match := _DONE_SUFFIX.search(text):
        done = True
        text = text[: match.start()].rstrip()
    due, text = _take_due_date(text, meeting_date)
    if not owner:
        owner, text = _take_marked_owner(text)
    arrow = ARROW_TO_NAME.search(text) if not owner else None
    if arrow and (resolved := _resolve_owner(arrow.group(1), attendees)):
        owner, text = resolved, _task_after_arrow(text, arrow)
    if owner:
        owner = _person(owner, attendees, person)
    else:
        owner, text = _take_owner(text, attendees)
    bracket = BRACKETED_OWNER.search(text) if not owner else None
    if bracket and bracket.group(1).lower() not in _NOT_OWNERS:
        owner, text = _person(bracket.group(1), attendees, person), text[: bracket.start()]
    task = _tidy(re.sub(r"\s{2,}", " ", text))
    if not task or not re.search(r"[^\W\d_]", task):
        return None
    return ActionItem(task=task, owner=owner or None, due=due, done=done)


def _placeholders_out(text: str) -> str:
    """Template slots ("<what> — <owner>") go; a bracketed phrase inside a sentence is the
    writer's shorthand and keeps its words ("Add <groups of jobs> to the monitoring")."""

    def replace(match: re.Match[str]) -> str:
        before = PLACEHOLDER.sub(" ", text[: match.start()])
        after = PLACEHOLDER.sub(" ", text[match.end() :])
        inside = re.search(r"[^\W\d_]", before) and re.match(r"\s*[^\W\d_]", after)
        return match.group(0)[1:-1] if inside else " "

    return PLACEHOLDER.sub(replace, text).strip()


# "… => Dana needs to check billing": what the person is to do follows the name.
ARROW_DUTY = re.compile(r"\s+(?:needs? to|has to|to|will|should|must)\s+(\S.*)$", re.IGNORECASE)


def _task_after_arrow(text: str, arrow: re.Match[str]) -> str:
    """The task of "context => Name needs to do X" is X, with the context after it; of
    "do X => Name", the words before the arrow."""
    before = text[: arrow.start()].strip()
    duty = ARROW_DUTY.match(text[arrow.end() :])
    if duty is None:
        return before
    return f"{duty.group(1).strip()} ({before})" if before else duty.group(1).strip()


def _arrow_to_attendee(text: str, attendees: Sequence[str]) -> bool:
    match = ARROW_TO_NAME.search(text)
    return match is not None and _resolve_owner(match.group(1), attendees) is not None


def _owner_to(text: str, attendees: Sequence[str]) -> bool:
    match = OWNER_TO.match(text)
    if match is None:
        return False
    candidate = match.group(1)
    return candidate.startswith("@") or _resolve_owner(candidate, attendees) is not None


def _take_marked_owner(text: str) -> tuple[str | None, str]:
    """An owner marked by a handle: "… => @dana", "… (@dana)", "… - @dana", "@dana …"."""
    for pattern in _OWNER_MARKS:
        if match := pattern.search(text):
            owner = match.group(1).split(" and ")[0]
            rest = text[: match.start()] + " " + text[match.end() :]
            if owner.startswith("@") or pattern is _OWNER_MARKS[0]:
                return owner, rest.strip()
    return None, text


def _person(owner: str, attendees: Sequence[str], person: Callable[[str], str] | None) -> str:
    written = owner.strip().rstrip("?")
    if written.startswith("@") and person is not None:
        return person(written)
    return _resolve_owner(written, attendees) or clean_person(written)


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

    task_col = column("action", "task", "item", "what", "description", "todo", "to do")
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
    match = re.match(r"^(@?[\w'’.\- ]{1,40}?)\s+(?:to|will|is going to|is to)\s+(.+)$", text)
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
            # One unknown word before a colon is a label ("Cleanup: remove …"), not a person.
            if resolved or (looks_like_name(head) and " " in clean_person(head)):
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
    name = _folded(clean_person(candidate))
    if not name:
        return None
    for attendee in attendees:
        if _folded(attendee) == name:
            return attendee
    first_names = [a for a in attendees if _folded(a).split()[0] == name] if " " not in name else []
    return first_names[0] if len(first_names) == 1 else None


def _folded(name: str) -> str:
    """A name compared without case or accents: "Zoe" is "Zoë"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()
