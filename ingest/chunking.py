"""Chunks sized in tokens that respect the record's own structure.

A ticket is one chunk (fields and description) plus its comments, split further only when long;
minutes split on their sections; a long section packs whole lines, and a line longer than a chunk
packs whole sentences. Every chunk starts with a short header (title, date, section) so it reads
on its own, and carries a locator back to its place in the source.
"""

from __future__ import annotations

import re

from assistant.domain.record import Chunk, Locator, chunk_metadata_date
from assistant.tokens import TokenCounter
from ingest.loaders.base import LoadedDocument, SourceLine, SourceSection

SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
# A header may take at most this share of a chunk; long titles are shortened to fit.
HEADER_SHARE = 3


class Chunker:
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
        title = document.title
        limit = self.max_tokens // HEADER_SHARE
        while self.counter.count(title) > limit and len(title) > 20:
            title = title[: int(len(title) * 0.8)].rstrip() + "…"
        parts = [title]
        if document.date:
            parts.append(f"({document.date.isoformat()})")
        if section.heading:
            parts.append(f"— {section.heading[:120]}")
        return " ".join(parts)

    def _pack(self, lines: list[SourceLine], budget: int) -> list[list[SourceLine]]:
        pieces: list[tuple[SourceLine, int]] = []
        for line in lines:
            tokens = self.counter.count(line.text)
            if tokens <= budget:
                pieces.append((line, tokens))
            else:
                pieces.extend(
                    (line._replace(text=part), self.counter.count(part))
                    for part in self._split_long(line.text, budget)
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

    def _split_long(self, text: str, budget: int) -> list[str]:
        """Whole sentences up to the budget; words, then characters, for run-on text."""
        parts: list[str] = []
        current = ""
        for sentence in SENTENCE_END.split(text):
            units = (
                [sentence]
                if self.counter.count(sentence) <= budget
                else self._split_words(sentence, budget)
            )
            for unit in units:
                candidate = f"{current} {unit}".strip()
                if current and self.counter.count(candidate) > budget:
                    parts.append(current)
                    current = unit
                else:
                    current = candidate
        if current:
            parts.append(current)
        return parts

    def _split_words(self, text: str, budget: int) -> list[str]:
        parts: list[str] = []
        current = ""
        for word in text.split():
            while self.counter.count(word) > budget:  # a URL or a blob with no spaces
                cut = max(1, budget)  # at worst about one token a character
                parts.append(word[:cut])
                word = word[cut:]
            candidate = f"{current} {word}".strip()
            if current and self.counter.count(candidate) > budget:
                parts.append(current)
                current = word
            else:
                current = candidate
        if current:
            parts.append(current)
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
