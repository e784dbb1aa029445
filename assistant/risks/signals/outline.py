"""The minutes as an outline: every line with the lines it sits under, so a detector reads
"July: ~$3,740" together with "AWS: credits left $35.7k until 01/31/2028" above it, and knows
which lines report work already done.

Chunks are cut for retrieval, not by meaning: the outline is rebuilt from a document's chunks in
order, so a bullet keeps its parent when the parent ended the chunk before.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from assistant.domain.record import Chunk, Document, Meeting
from assistant.risks.signals.base import clean_line, content_words
from assistant.risks.signals.scan import MinutesLine, SignalScan

# A parent that says its items are finished: "Done", "[Done](…):", "Closed since last meeting".
DONE_HEADING = re.compile(
    r"^\W*(?:done|closed|completed|resolved|fixed|shipped)\b(?!\s+(?:by|before|on)\b)", re.I
)
TICKED = re.compile(r"^\s*(?:[-*+]\s*)?\[[xX]\]")
STRUCK = re.compile(r"^\s*(?:[-*+]\s*)?~~?[^~]+~~?")
MARKDOWN_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\]]*\])*)\]\([^)]*\)")


@dataclass
class OutlineLine:
    document: Document
    chunk: Chunk
    text: str  # the line as plain words (links reduced to their text)
    depth: int
    parents: list[str] = field(default_factory=list)  # nearest last
    section: str = ""
    done: bool = False
    raw: str = field(default="", repr=False)  # as written, link targets included
    above: list[OutlineLine] = field(default_factory=list, repr=False)  # the parents' lines
    below: list[OutlineLine] = field(default_factory=list, repr=False)  # every line under it

    @property
    def date(self) -> dt.date | None:
        return self.document.date

    @property
    def context(self) -> str:
        """The line after the lines it sits under: what a reader of the line has in mind."""
        return " › ".join([*self.parents, self.text])

    def as_minutes_line(self) -> MinutesLine:
        return MinutesLine(self.document, self.chunk, self.text)


def plain(text: str) -> str:
    """A line of Markdown as words: link targets dropped, code marks and emphasis removed."""
    text = MARKDOWN_LINK.sub(lambda m: m.group(1), text)
    text = re.sub(r"<?https?://\S+>?", " ", text)
    text = text.replace("`", "").replace("**", "").replace("__", "")
    return re.sub(r"\s+", " ", clean_line(text)).strip()


def read_outline(scan: SignalScan, since: dt.date) -> list[OutlineLine]:
    """Every line of the minutes held between `since` and the period's end, oldest meeting
    first, each with its parents and whether it reports finished work."""
    found: list[OutlineLine] = []
    for document, meeting in scan.meetings(since):
        found += _document_outline(scan, document, meeting)
    return found


def _document_outline(scan: SignalScan, document: Document, meeting: Meeting) -> list[OutlineLine]:
    done_items = [
        content_words(plain(item.text)) for item in meeting.progress if item.state == "done"
    ]
    lines: list[OutlineLine] = []
    stack: list[OutlineLine] = []  # the open parents
    section = None
    for chunk in scan.record.chunks_by_document.get(document.id, []):
        header, _, body = chunk.text.partition("\n")
        if header != section:
            section, stack = header, []
        for raw in body.split("\n"):
            if not raw.strip():
                continue
            indent = len(raw.expandtabs(4)) - len(raw.expandtabs(4).lstrip())
            while stack and stack[-1].depth >= indent:
                stack.pop()
            text = plain(raw)
            if not text:
                continue
            words = content_words(text)
            done = (
                any(parent.done for parent in stack)
                or bool(TICKED.match(raw) or STRUCK.match(raw))
                or bool(DONE_HEADING.match(text))
                or any(len(item) >= 2 and item <= words for item in done_items)
            )
            line = OutlineLine(
                document=document,
                chunk=chunk,
                text=text,
                depth=indent,
                parents=[parent.text for parent in stack],
                above=list(stack),
                section=header,
                done=done,
                raw=raw.strip(),
            )
            for parent in stack:
                parent.below.append(line)
            lines.append(line)
            stack.append(line)
    return lines


def latest_first(lines: list[OutlineLine]) -> list[OutlineLine]:
    return sorted(lines, key=lambda line: line.date or dt.date.min, reverse=True)


def finished(lines: list[OutlineLine], words: set[str], stated: dt.date | None) -> bool:
    """Whether a line reporting finished work, in the minutes of `stated` or later, is about
    the thing these words describe (most of them are in it)."""
    if len(words) < 2:
        return False
    for line in lines:
        if not line.done or (stated and line.date and line.date < stated):
            continue
        shared = words & content_words(line.text)
        if len(shared) >= max(2, 0.6 * len(words)):
            return True
    return False
