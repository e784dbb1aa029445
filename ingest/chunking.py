"""Chunks sized in tokens that respect the record's own structure.

A ticket is one chunk (fields and description) plus its comments, split further only when long;
minutes split on their sections; a long section packs whole lines, and a line longer than a chunk
packs whole sentences. Every chunk carries a locator back to its place in the source and starts
with a one-line header so it reads, and is found, on its own:

    TSC meeting (2024-05-07) — Notes › Work in progress · May 2024

The header is part of the text both the vector and the keyword index see, so "what did the TSC
decide in May 2024" matches the title, the month words and the headings above the line, not only
the line itself. The date is written twice because people ask in month words and the record
writes ISO dates; the month words close the header, after the headings, which ranks the
labelled questions' sources at least as well as the header without them (`pmassist eval`).
Within its token share the header loses the outer headings first (the innermost names the
section), then the end of the title.
"""

from __future__ import annotations

import datetime as dt

from assistant.domain.record import Chunk, Locator, chunk_metadata_date
from assistant.tokens import TokenCounter
from ingest.loaders.base import LoadedDocument, SourceLine, SourceSection

# Past this many characters a token, a line cannot fit a chunk whatever the text: it is split
# straight away (counting a megabyte of text at once is what is slow).
LONG_LINE_CHARS_PER_TOKEN = 12
# A header may take at most this share of a chunk; long heading paths and titles are shortened.
HEADER_SHARE = 3
HEADING_CHARS = 120
SHORTEST_TITLE = 20
PATH_SEPARATOR = " › "
ELIDED = "…"
# Fixed English names: `%B` follows the process locale, and the text of a chunk must not.
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class Chunker:
    # Bump when the chunks of unchanged text change (a header's shape, how lines are packed):
    # it is part of every document's content hash, so the next ingest writes them again.
    LAYOUT = "3"

    def __init__(self, counter: TokenCounter, max_tokens: int) -> None:
        self.counter = counter
        self.max_tokens = max_tokens

    def chunk(self, loaded: LoadedDocument) -> list[Chunk]:
        document = loaded.document
        chunks: list[Chunk] = []
        for section in loaded.sections:
            header = self._header(loaded, section)
            budget = self.max_tokens - self.counter.count(header) - 1
            for group in self._pack(section.lines, budget):
                text = header + "\n" + "\n".join(line.text for line in group)
                chunk_id = f"{document.id}#{document.content_hash[:12]}-{len(chunks)}"
                chunks.append(
                    Chunk(
                        id=chunk_id,
                        document_id=document.id,
                        seq=len(chunks),
                        text=text,
                        token_count=self.counter.count(text),
                        locator=_locator(section, group),
                        metadata=self._metadata(loaded),
                    )
                )
        return chunks

    def _header(self, loaded: LoadedDocument, section: SourceSection) -> str:
        document = loaded.document
        # One line whatever the source: readers of a chunk take its body after the first newline.
        title = _one_line(document.title)
        path = _heading_path(section, title)
        limit = self.max_tokens // HEADER_SHARE
        elided = False
        header = _render_header(title, document.date, path, elided)
        while self.counter.count(header) > limit and len(path) > 1:
            path, elided = path[1:], True
            header = _render_header(title, document.date, path, elided)
        while self.counter.count(header) > limit and len(title) > SHORTEST_TITLE:
            title = _shortened(title)
            header = _render_header(title, document.date, path, elided)
        # A single heading too long for the share (a sentence used as a heading) goes last.
        while self.counter.count(header) > limit and path and len(path[-1]) > SHORTEST_TITLE:
            path = (*path[:-1], _shortened(path[-1]))
            header = _render_header(title, document.date, path, elided)
        return header

    def _pack(self, lines: list[SourceLine], budget: int) -> list[list[SourceLine]]:
        pieces: list[tuple[SourceLine, int]] = []
        for line in lines:
            # A line far longer than a chunk is split without counting it whole first.
            tokens = budget + 1 if len(line.text) > budget * LONG_LINE_CHARS_PER_TOKEN else 0
            tokens = tokens or self.counter.count(line.text)
            if tokens <= budget:
                pieces.append((line, tokens))
            else:
                pieces.extend(
                    (line._replace(text=part), part_tokens)
                    for part, part_tokens in self._split_long(line.text, budget)
                )
        groups: list[list[SourceLine]] = []
        current: list[SourceLine] = []
        used = 0
        for line, tokens in pieces:
            if current and used + tokens + 1 > budget:
                groups.append(current)
                current, used = [], 0
            current.append(line)
            used += tokens + 1  # the newline joining lines
        if current:
            groups.append(current)
        return groups

    def _split_long(self, text: str, budget: int) -> list[tuple[str, int]]:
        """Pieces of at most `budget` tokens, with their counts, cut after a sentence where one
        ends in the second half of a piece, else between words, else anywhere (a blob).

        Linear in the text's length: each piece is counted a few times at most, never the text
        as a whole, so a 1 MB line costs what its pieces cost."""
        parts: list[tuple[str, int]] = []
        chars_per_token = 4.0  # refined from every piece counted
        start, length = 0, len(text)
        while start < length:
            while start < length and text[start].isspace():
                start += 1
            if start >= length:
                break
            size = max(1, int(budget * chars_per_token * 0.95))
            while True:
                end = _cut(text, start, min(length, start + size))
                piece = text[start:end].rstrip()
                tokens = self.counter.count(piece)
                if tokens <= budget or end - start <= 1:
                    break
                size = max(1, min(end - start - 1, int((end - start) * budget / tokens * 0.9)))
            if tokens:
                chars_per_token = max(1.0, (end - start) / tokens)
            parts.append((piece, tokens))
            start = end
        return parts

    @staticmethod
    def _metadata(loaded: LoadedDocument) -> dict[str, str | int | float | bool]:
        document = loaded.document
        metadata: dict[str, str | int | float | bool] = {
            "kind": document.kind.value,
            "title": document.title[:300],
            "source": document.source,
        }
        date = chunk_metadata_date(document.date)
        if date is not None:
            metadata["date"] = date
        metadata.update(document.metadata)
        return metadata


def _heading_path(section: SourceSection, title: str) -> tuple[str, ...]:
    """The headings above the section and its own, without those that only repeat the title (a
    Markdown file's `# Title` is the document title, said once already)."""
    path = section.heading_path or ((section.heading,) if section.heading else ())
    headings = (_one_line(heading)[:HEADING_CHARS] for heading in path)
    return tuple(h for h in headings if h and h.casefold() != title.casefold())


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _render_header(title: str, date: dt.date | None, path: tuple[str, ...], elided: bool) -> str:
    parts = [title]
    if date and date.isoformat() != title:  # a note titled by its date says it once
        parts.append(f"({date.isoformat()})")
    if path:
        parts.append("— " + PATH_SEPARATOR.join((ELIDED, *path) if elided else path))
    if date:
        parts.append(f"· {MONTH_NAMES[date.month - 1]} {date.year}")
    return " ".join(parts)


def _shortened(text: str) -> str:
    return text[: int(len(text) * 0.8)].rstrip(" " + ELIDED) + ELIDED


def _cut(text: str, start: int, end: int) -> int:
    """Where to end a piece that may run from `start` to `end`: after the last sentence end in
    its second half, else at its last blank there, else at `end`."""
    if end >= len(text):
        return end
    half = start + (end - start) // 2
    sentence = max(text.rfind(stop, half, end) for stop in (". ", "! ", "? ", "; "))
    if sentence > start:
        return sentence + 2
    blank = text.rfind(" ", half, end)
    return blank + 1 if blank > start else end


def _locator(section: SourceSection, group: list[SourceLine]) -> Locator:
    update: dict[str, object] = {}
    if section.numbered:
        update["line_start"] = min(line.number for line in group)
        update["line_end"] = max(line.last_number or line.number for line in group)
    times = [line.time for line in group if line.time]
    if times:
        update["time_start"] = times[0]
        update["time_end"] = group[-1].time_end or group[-1].time
    return section.locator.model_copy(update=update)
