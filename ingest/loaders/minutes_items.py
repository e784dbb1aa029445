"""What one section of minutes records: actions, decisions (with their subject), concerns, and
progress items, read from its role and from the shape of its bullets.

Bullets are read as a tree. A label bullet (`* [Done](…):`, `* Next steps:`) makes the bullets
right under it items of its kind; a short grouping bullet under a progress label (`* support`)
passes its children on as items; deeper bullets are details of their item. A decision takes its
subject from the bullet it sits under, the question just above it, or a topic heading.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from assistant.domain.record import Meeting, MinutesNote, ProgressItem, ProgressState
from ingest.loaders.action_items import (
    PLACEHOLDER,
    parse_action_line,
    parse_action_table,
)
from ingest.loaders.attendance import HANDLE, HandleBook
from ingest.loaders.base import SourceLine
from ingest.loaders.boilerplate import line_key
from ingest.loaders.markdown import (
    BULLET,
    MarkdownSection,
    clean_inline,
    plain_words,
    table_rows,
)
from ingest.loaders.running_notes import heading_date
from ingest.loaders.section_roles import (
    SectionRole,
    is_action_label,
    progress_state,
    section_role,
)

DECISION_PREFIX = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])?\s*\**\s*(?:decision|decided|agreed|resolved|resolution|outcome|"
    r"conclusion)\s*\**\s*[:\-–—]\s*\**\s*(.+)$",
    re.IGNORECASE,
)
CONCERN_PREFIX = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])?\s*\**\s*(?:risk|concern|issue|blocker)\s*\**\s*[:\-–—]\s*\**\s*(.+)$",
    re.IGNORECASE,
)
# A vote's result: "Vote: unanimous yes", "Voting (link), positive unanimously", "+1 from all".
# A vote line without a result ("Voting opens on 6 November") decides nothing.
VOTE = re.compile(r"^(?:[+]1\b|(?:vote[sd]?|voting|result)\b)|\bunanimous(?:ly)?\b(?!-)", re.I)
VOTE_RESULT = re.compile(
    r"\b(?:yes|no|approved?|accepted|rejected|declined|in favou?r|against|unanimous(?:ly)?|"
    r"positive|negative|passed|carried|agreed|consensus|objections?)\b(?!-)|[+-]1\b",
    re.IGNORECASE,
)
# An outcome stated under the item it settles ("Approved for beta backport", "Agreed (c)").
OUTCOME = re.compile(r"^(?:approved|accepted|rejected|declined|agreed|unanimous|consensus)\b", re.I)
# A short answer that settles the question just above it ("Yes.", "No objection").
ANSWER = re.compile(r"^(?:yes|no)\b[\w\s().,!'-]{0,40}$", re.IGNORECASE)
# "- Conclusion on naming:", "* Decisions:": a label whose items below are decisions.
DECISION_LABEL = re.compile(
    r"^(?:conclusions?|decisions?(?: made| taken)?|outcomes?|resolutions?|agreements?|agreed)"
    r"(?:\s+(?:on|about|for|re|regarding)\s+(?P<subject>.+?))?\s*:?$",
    re.IGNORECASE,
)
# Prose that records a decision: "In general, we decided that each slot should begin …".
DECIDED = re.compile(
    r"\b(?:(?:we|the (?:team|group|committee|board|tsc)|it was|they|everyone|all|and)\s+"
    r"(?:(?:have|has|had|then|\w+ly)\s+)?(?:decided|agreed|resolved|concluded|settled on)\b"
    r"|\b(?:there was|we reached|reached|with) (?:a |broad |general )?consensus\b"
    r"|\bthe consensus (?:was|is)\b)",
    re.IGNORECASE,
)
# "beta backport of patch #84808 has been approved": an outcome reported under its item.
REPORTED_OUTCOME = re.compile(
    r"\b(?:has|have) been (?:approved|accepted|rejected|declined|agreed)\b|"
    r"\b(?:was|were) (?:approved|accepted|rejected|declined|agreed(?: on)?)\b",
    re.IGNORECASE,
)
_REFERENCE_ONLY = re.compile(r"^(?:<?https?://\S+>?|#\d+|[A-Z][A-Z0-9]+-\d+|[\w.-]+#\d+)$")
# Headings that name a part of the minutes rather than a topic, so they make no subject.
_GENERIC_HEADINGS = re.compile(
    r"^(?:notes?|minutes|meeting notes|discussion(?: points)?|agenda(?: items)?|summary|"
    r"general|other|aob|any other business|misc(?:ellaneous)?|topics?|items?|open floor|"
    r"decisions?(?: made)?|outcomes?|resolutions?)$"
)
_GROUP_WORDS = 6
# A link, a URL or a ticket reference: what the items of a tracked list carry.
_REFERENCE = re.compile(r"\]\(|https?://|#\d+|\b[A-Z][A-Z0-9]+-\d+\b")
_SUBJECT_CHARS = 120


@dataclass
class NoteReading:
    """What every section of one meeting's note is read with."""

    attendees: list[str]
    date: dt.date | None
    book: HandleBook
    boilerplate: frozenset[str] = frozenset()


@dataclass
class _Open:
    """A bullet still open while the lines below it are read."""

    indent: int
    text: str
    kind: str  # "item", "progress", "actions", "group"
    state: ProgressState | None = None


@dataclass
class _Walk:
    """One section being read: what it is, what it writes to, and the bullets open so far."""

    section: MarkdownSection
    role: SectionRole
    heading_state: ProgressState | None
    meeting: Meeting
    reading: NoteReading
    top: int  # the indent of the section's outermost bullets
    stack: list[_Open] = field(default_factory=list)
    question: tuple[int, str] | None = None  # the last line ending in "?", and its number
    # Short bullets the section uses over a list of tickets ("Keep infrastructure up to
    # date"): a grouping wherever it stands, even over a line with no ticket of its own.
    groups: set[str] = field(default_factory=set)


def read_section(section: MarkdownSection, meeting: Meeting, reading: NoteReading) -> None:
    role = section_role(section.heading)
    if role in ("attendees", "absent"):
        return  # read with the attendance, before any section
    table_lines: set[int] = set()
    if role == "actions":
        rows = table_rows(section.lines)
        table_lines = {line.number for line, _ in rows}
        for row_line, item in parse_action_table(rows, reading.attendees, reading.date):
            meeting.action_items.append(
                item.model_copy(update={"line": row_line.number, "section": section.heading})
            )
    heading_state = progress_state(section.heading or "") if role == "progress" else None
    lines = section.lines
    top = min((_indent(line.text) for line in lines if BULLET.match(line.text)), default=0)
    walk = _Walk(section, role, heading_state, meeting, reading, top)
    for index, line in enumerate(lines):
        bullet = BULLET.match(line.text)
        child = _first_child(lines, index, _indent(line.text)) if bullet else None
        if bullet and child and _REFERENCE.search(child) and _is_group(bullet.group(1)):
            walk.groups.add(_group_key(bullet.group(1)))
    for index, line in enumerate(lines):
        if not line.text.strip() or line.number in table_lines:
            continue
        bullet = BULLET.match(line.text)
        indent = _indent(line.text) if bullet else top
        while walk.stack and walk.stack[-1].indent >= indent:
            walk.stack.pop()
        text = bullet.group(1) if bullet else line.text.strip()
        child = _first_child(lines, index, indent) if bullet else None
        kind, state = _bullet_kind(text, walk, child)
        if not bullet and (index == 0 or not lines[index - 1].text.strip()):
            subject = _subject(walk, line, section) if not walk.stack else None
            for note in prose_decisions(lines, index):
                text_with_subject = _with_subject(note.text, subject, walk) or note.text
                meeting.decisions.append(note.model_copy(update={"text": text_with_subject}))
        if kind == "item":
            _read_line(line, text, walk, indent)
        if bullet:
            walk.stack.append(_Open(indent, text, kind, state))
        if line.text.rstrip().endswith("?"):
            walk.question = (line.number, clean_inline(text))


def _read_line(line: SourceLine, text: str, walk: _Walk, indent: int) -> None:
    role, section, meeting, reading, top = (
        walk.role,
        walk.section,
        walk.meeting,
        walk.reading,
        walk.top,
    )
    heading_state = walk.heading_state
    container = _container(walk)
    direct = container is not None and all(o.kind == "group" for o in _below(walk, container))
    if _is_label(text, walk, container):
        return
    item = parse_action_line(
        line.text,
        in_action_section=False,
        attendees=reading.attendees,
        meeting_date=reading.date,
        person=reading.book.person,
    )
    state = container.state if container and container.kind == "progress" and direct else None
    if state is None and heading_state and indent == top and container is None:
        state = heading_state
    # In an action section the outermost bullets are the actions; those under them explain.
    in_actions = (role == "actions" and container is None and indent == top) or (
        container is not None and container.kind == "actions" and direct
    )
    if item is None and state is None and in_actions:
        item = parse_action_line(
            line.text,
            in_action_section=True,
            attendees=reading.attendees,
            meeting_date=reading.date,
            person=reading.book.person,
        )
    if item is not None:
        if line_key(line.text) not in reading.boilerplate:
            task = _in_context(item.task, walk)
            meeting.action_items.append(
                item.model_copy(
                    update={"task": task, "line": line.number, "section": section.heading}
                )
            )
        return
    if state is not None:
        if progress := _progress_item(text, state, reading.book):
            meeting.progress.append(
                progress.model_copy(update={"line": line.number, "section": section.heading})
            )
        return
    if container is not None and container.kind == "decisions" and direct:
        decision = _with_subject(clean_inline(text), _label_subject(container, walk), walk)
    else:
        decision = _decision_text(text, line, walk, indent)
    if decision:
        meeting.decisions.append(MinutesNote(text=decision, line=line.number))
    elif (match := CONCERN_PREFIX.match(line.text)) and not _REFERENCE_ONLY.match(
        clean_inline(match.group(1))
    ):
        meeting.concerns.append(MinutesNote(text=clean_inline(match.group(1)), line=line.number))
    elif role == "concerns" and indent == top and (entry := _entry_text(text)):
        meeting.concerns.append(MinutesNote(text=entry, line=line.number))


def _decision_text(text: str, line: SourceLine, walk: _Walk, indent: int) -> str | None:
    entry: str | None = None
    if match := DECISION_PREFIX.match(line.text):
        entry = clean_inline(match.group(1))
    elif _settles(clean_inline(text), walk, line):
        entry = clean_inline(text)
    elif walk.role == "decisions" and indent == walk.top:
        entry = _entry_text(text)
    if not entry:
        return None
    return _with_subject(entry, _subject(walk, line, walk.section), walk)


def _with_subject(entry: str, subject: str | None, walk: _Walk) -> str | None:
    if not entry:
        return None
    if subject and not _mentions(entry, subject):
        return f"{subject}: {entry}"
    return entry


def _label_subject(container: _Open, walk: _Walk) -> str | None:
    """What a decisions label is about: its own "on …" words, or the item it sits under."""
    match = DECISION_LABEL.match(clean_inline(container.text))
    if match and match.group("subject"):
        return _short(match.group("subject"))
    above = walk.stack[: walk.stack.index(container)]
    parent = next((o for o in reversed(above) if o.kind == "item"), None)
    return _short(clean_inline(parent.text).rstrip(":")) if parent else None


def prose_decisions(lines: list[SourceLine], index: int) -> list[MinutesNote]:
    """Sentences of the paragraph starting at `index` that record a decision in prose."""
    paragraph: list[SourceLine] = []
    for line in lines[index:]:
        if not line.text.strip() or BULLET.match(line.text):
            break
        paragraph.append(line)
    text = clean_inline(" ".join(line.text.strip() for line in paragraph))
    return [
        MinutesNote(text=sentence, line=paragraph[0].number)
        for sentence in re.split(r"(?<=[.!?])\s+", text)
        if DECIDED.search(sentence)
    ]


def _settles(text: str, walk: _Walk, line: SourceLine) -> bool:
    """A vote's result, an outcome under an item, or the answer to a question just asked."""
    if VOTE.search(text) and VOTE_RESULT.search(text):
        return True
    parent = next((o for o in reversed(walk.stack) if o.kind == "item"), None)
    if OUTCOME.match(text) and (parent is not None or _recent_question(walk, line)):
        return True
    if REPORTED_OUTCOME.search(text) and parent is not None:
        return True
    asked = _recent_question(walk, line) or (parent and parent.text.rstrip().endswith("?"))
    return bool(ANSWER.match(text) and asked)


def _subject(walk: _Walk, line: SourceLine, section: MarkdownSection) -> str | None:
    parent = next((o for o in reversed(walk.stack) if o.kind == "item"), None)
    if parent is not None:
        return _short(clean_inline(parent.text).rstrip(":"))
    if question := _recent_question(walk, line):
        return _short(question)
    heading = section.heading or ""
    words = plain_words(heading)
    if (
        words
        and section.level > 1  # the note's title names the meeting, not a topic
        and not _GENERIC_HEADINGS.match(words)
        and section_role(heading) == "other"
        and heading_date(heading) is None
    ):
        return _short(heading)
    return None


def _recent_question(walk: _Walk, line: SourceLine) -> str | None:
    if walk.question and 0 < line.number - walk.question[0] <= 2:
        return walk.question[1]
    return None


def _mentions(entry: str, subject: str) -> bool:
    """Whether the entry already names its subject (most of the subject's longer words)."""
    wanted = {word for word in plain_words(subject).split() if len(word) > 3}
    return bool(wanted) and len(wanted & set(plain_words(entry).split())) * 3 >= len(wanted) * 2


def _short(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= _SUBJECT_CHARS else text[:_SUBJECT_CHARS].rsplit(" ", 1)[0] + "…"


# What a note writes in a slot that has nothing this time.
_EMPTY_VALUE = re.compile(
    r"^(?:none|n/?a|n\.\s?a\.?|tbd|tba|nothing(?: new)?(?: this (?:time|week))?)\.?$",
    re.IGNORECASE,
)


def _progress_item(text: str, state: ProgressState, book: HandleBook) -> ProgressItem | None:
    words = PLACEHOLDER.sub(" ", clean_inline(text)).strip().rstrip(":").strip()
    if not re.search(r"[^\W\d_]", words):
        return None
    if _EMPTY_VALUE.match(words.rpartition(": ")[2].strip()):
        return None  # "None", "Next major event: N.A.": the slot is empty this time
    owner = next((book.person(m.group(0)) for m in HANDLE.finditer(words)), None)
    return ProgressItem(text=words, state=state, owner=owner)


def _bullet_kind(text: str, walk: _Walk, child: str | None) -> tuple[str, ProgressState | None]:
    has_children = child is not None
    if has_children and (state := _label_state(text)):
        return "progress", state
    if has_children and _is_action_container(text):
        return "actions", None
    if has_children and DECISION_LABEL.match(clean_inline(text)):
        return "decisions", None
    container = _container(walk)
    if (
        has_children
        and container is not None
        and container.kind == "progress"
        and all(o.kind == "group" for o in _below(walk, container))
        and _is_group(text)
        and child is not None
        and (
            _REFERENCE.search(child)
            or _group_key(text) in walk.groups
            or clean_inline(text).rstrip().endswith(":")
        )
    ):
        # "support" over a list of tickets, "pending bandwidth" under it, "Current topics:"
        # over a list: the lines below are the items.
        return "group", None
    return "item", None


def _is_label(text: str, walk: _Walk, container: _Open | None) -> bool:
    """Label bullets open a list; they are not items themselves. Their children decide, but a
    label with nothing after its colon is one even before the children are seen."""
    if _label_state(text) or _is_action_container(text):
        return True
    if DECISION_LABEL.match(clean_inline(text)):
        return True
    return bool(
        container is not None
        and container.kind == "progress"
        and not _below(walk, container)
        and _is_group(text)
        and clean_inline(text).rstrip().endswith(":")
    )


def _label_state(text: str) -> ProgressState | None:
    label = clean_inline(text).strip()
    if re.search(r":\s*[^\s:]", re.sub(r"https?://\S+", "", label)):
        return None  # "Done: fixed the build" states an item, it does not open a list
    return progress_state(label)


def _is_action_container(text: str) -> bool:
    label = clean_inline(text).strip()
    return not re.search(r":\s*\S", label) and is_action_label(label)


def _is_group(text: str) -> bool:
    label = clean_inline(text).strip().rstrip(":")
    return (
        bool(label)
        and "http" not in text
        and "](" not in text
        and len(label.split()) <= _GROUP_WORDS
        and not label.endswith((".", "!", "?"))
    )


def _in_context(task: str, walk: _Walk) -> str:
    """A task of two words, or a short question, under another bullet ("TODO: expiry date?
    (Dana)" under "Cloud credits: $94k left") says what it is about only with its parent's
    subject."""
    parent = walk.stack[-1] if walk.stack else None
    words = len(task.split())
    if parent is None or parent.kind != "item" or (words > 2 and not (words <= 4 and "?" in task)):
        return task
    subject = clean_inline(parent.text).split(": ")[0].strip().rstrip(":")
    if not subject or len(subject) > _SUBJECT_CHARS or subject.lower() in task.lower():
        return task
    return f"{subject}: {task}"


def _group_key(text: str) -> str:
    return clean_inline(text).strip().rstrip(":").lower()


def _container(walk: _Walk) -> _Open | None:
    containers = ("progress", "actions", "decisions")
    return next((o for o in reversed(walk.stack) if o.kind in containers), None)


def _below(walk: _Walk, container: _Open) -> list[_Open]:
    return walk.stack[walk.stack.index(container) + 1 :]


def _first_child(lines: list[SourceLine], index: int, indent: int) -> str | None:
    """The text of the first bullet nested under the bullet at `index`, if it has any."""
    for line in lines[index + 1 :]:
        if not line.text.strip():
            continue
        nested = BULLET.match(line.text) and _indent(line.text) > indent
        return line.text if nested else None
    return None


def _indent(text: str) -> int:
    expanded = text.expandtabs(4)
    return len(expanded) - len(expanded.lstrip())


def _entry_text(text: str) -> str | None:
    """A bullet, numbered item or table row as plain text; None for separators and blanks."""
    stripped = text.strip()
    if not stripped or re.fullmatch(r"[|:\- ]+", stripped):
        return None
    if stripped.startswith("|"):
        cells = [clean_inline(c) for c in stripped.strip("|").split("|")]
        return " — ".join(c for c in cells if c) or None
    return clean_inline(stripped) or None
