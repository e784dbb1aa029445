"""A source read as the quotable passages an extractive answer is made of.

A chunk is a header line (title, heading path, month) and the record's own lines. Each line, or
each sentence of a long line, is a passage, and keeps what it is about without saying it: the
heading path, the labels above it ("Description:", "h3. History", a table's header row) and the
bullets it is nested under. A bullet keeps its nested lines as its explanation, so "- Fastly:
done" is quoted with the line under it that says what was done, and a nested "June: $1,977" is
read as part of "Azure" above it. Questions (lines ending in "?") and lines that give orders to
an assistant are never quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answers.citations import split_sentences
from assistant.domain.evidence import Evidence
from assistant.domain.record import Kind
from assistant.text.injection import gives_orders

# A list item: "-", "*", "•", "+", "1.", "a)", a checkbox; in a ticket also Jira's "#" and "**".
_BULLET = re.compile(r"^(?P<marker>(?:[-*•+]+|\d{1,3}[.)]|[a-z][.)])\s+(?:\[[ xX]\]\s*)?)")
_TICKET_BULLET = re.compile(r"^(?P<marker>(?:[-*•+#]+|\d{1,3}[.)])\s+(?:\[[ xX]\]\s*)?)")
# A line that names what follows it: a Markdown or Jira heading, "Description:", "**Notes**".
_HEADING = re.compile(r"^(?:#{1,6}\s+(?P<md>.+)|h[1-6]\.\s+(?P<jira>.+))$")
_LABEL = re.compile(r"^(?:\*\*|__)?(?P<label>[A-Z][\w /&()-]{0,40}?)(?::)?(?:\*\*|__)?:?$")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}")
_EMPHASIS = re.compile(r"\*\*|__")
# The header's closing " · November 2026", written for search, says nothing a quote needs.
_MONTH_TAIL = re.compile(r"\s+·\s+[A-Z][a-z]+ \d{4}$")
# The depth given to a line that introduces the list under it, so the list nests under it.
INTRODUCTION = -1
# Below this many characters a line is a fragment ("Done", "N/A") unless it holds a key term.
SHORTEST = 3


@dataclass(frozen=True)
class Passage:
    """One quotable piece of a source and what it is about."""

    text: str  # as the record writes it, less list markers and emphasis
    citation: str
    heading: str  # the chunk's header: title and heading path
    # The labels above it ("Comments", a table's header row) and the bullets it is nested
    # under, nearest last.
    labels: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    # Lines nested under it: its explanation.
    children: tuple[str, ...] = ()
    # The sentences of the same line around it, when the line holds several.
    neighbours: tuple[str, ...] = ()
    # The sentence after it on the same line, which often finishes its thought.
    following: str = ""
    line: int = 0  # which line of the chunk, to keep passages of one line together

    @property
    def context(self) -> str:
        """What the passage is about without saying it: never quoted, counted when matching."""
        return " ".join((*self.labels, *self.parents, *self.children, *self.neighbours))


@dataclass
class _Line:
    text: str
    depth: int
    bullet: bool
    number: int


def passages(evidence: list[Evidence]) -> list[Passage]:
    """Every quotable passage of the sources, in source order."""
    found: list[Passage] = []
    for item in evidence:
        found.extend(source_passages(item))
    return found


def source_passages(item: Evidence) -> list[Passage]:
    header, _, body = item.text.partition("\n")
    if not body:
        header, body = "", header
    heading = _MONTH_TAIL.sub("", header.strip())
    lines = _read_lines(body, ticket=item.kind == Kind.TICKET)
    found: list[Passage] = []
    if item.kind in (Kind.TICKET, Kind.DECISION) and item.title:
        # A ticket's summary and a decision's title often answer the question outright.
        found.append(Passage(item.title, item.citation, heading, line=-1))
    labels: list[tuple[int, str]] = []  # (depth, label) of the labels in force
    table_header = ""
    open_items: list[_Line] = []  # the bullets the current line may be nested under
    for index, line in enumerate(lines):
        if not line.text:
            continue
        # A bullet ending in a colon ("- Bandwidth:") leads the bullets nested under it; only a
        # line of its own is a label.
        label = None if line.bullet else _label_of(line.text)
        if label is not None:
            labels = [(d, text) for d, text in labels if d < line.depth] + [(line.depth, label)]
            open_items = []
            continue
        if line.text.startswith("|"):
            if _TABLE_RULE.match(line.text):
                continue
            cells = line.text.strip().strip("|").strip()
            if not table_header:
                table_header = cells
                continue
            found.append(Passage(cells, item.citation, heading, (table_header,), line=line.number))
            continue
        table_header = ""
        while open_items and open_items[-1].depth >= line.depth:
            open_items.pop()
        if not line.bullet and line.depth == 0:
            open_items = []
            if line.text.endswith(":"):
                # "Chosen option: OpenSearch, because:" introduces the list under it.
                line = lines[index] = _Line(line.text, INTRODUCTION, False, line.number)
        above = (tuple(text for _, text in labels), tuple(p.text for p in open_items))
        children = tuple(child.text for child in _children(lines, index))
        if not gives_orders(line.text):
            found.extend(_line_passages(line, item.citation, heading, above, children))
        if line.bullet or line.depth != 0:
            open_items.append(line)
    return found


def _line_passages(
    line: _Line,
    citation: str,
    heading: str,
    above: tuple[tuple[str, ...], tuple[str, ...]],
    children: tuple[str, ...],
) -> list[Passage]:
    sentences = [s.strip(" |") for s in split_sentences(line.text)]
    sentences = [s for s in sentences if len(s) >= SHORTEST and not s.endswith("?")]
    found = []
    for position, sentence in enumerate(sentences):
        neighbours = (
            *sentences[max(position - 1, 0) : position],
            *sentences[position + 1 : position + 2],
        )
        found.append(
            Passage(
                sentence,
                citation,
                heading,
                *above,
                # Only a line's first sentence leads its nested lines.
                children if position == 0 else (),
                neighbours,
                sentences[position + 1] if position + 1 < len(sentences) else "",
                line.number,
            )
        )
    return found


def _read_lines(body: str, *, ticket: bool) -> list[_Line]:
    bullet = _TICKET_BULLET if ticket else _BULLET
    lines = []
    for number, raw in enumerate(body.split("\n")):
        expanded = raw.replace("\t", "    ")
        stripped = expanded.lstrip()
        indent = len(expanded) - len(stripped)
        match = bullet.match(stripped)
        depth = indent
        if match:
            marker = match.group("marker").strip()
            # Jira nests with repeated markers ("** child") rather than with indentation.
            if len(marker) > 1 and len(set(marker)) == 1:
                depth += 2 * (len(marker) - 1)
            stripped = stripped[match.end() :]
        text = _EMPHASIS.sub("", stripped).strip()
        lines.append(_Line(text, depth, bool(match), number))
    return lines


def _label_of(text: str) -> str | None:
    """The label a line gives what follows it, or None when the line says something itself."""
    if heading := _HEADING.match(text):
        return (heading.group("md") or heading.group("jira") or "").strip()
    if text.endswith(":") and len(text) <= 40 and (label := _LABEL.match(text)):
        return label.group("label").strip()
    return None


def _children(lines: list[_Line], index: int) -> list[_Line]:
    """The lines nested under line `index`: more indented and following it without a break;
    under a line that introduces a list, the list."""
    parent = lines[index]
    found: list[_Line] = []
    for line in lines[index + 1 :]:
        if parent.depth == INTRODUCTION:
            if not line.text and not found:
                continue  # Markdown leaves a blank line between a paragraph and its list
            if not line.text or not (line.bullet or line.depth > 0):
                break
        elif not line.text or line.depth <= parent.depth:
            break
        if parent.bullet or parent.depth != 0 or line.bullet:
            found.append(line)
    return found
