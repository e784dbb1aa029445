"""The parsed project record as the facts read it, with a way to cite any line of it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from assistant.domain.record import Chunk, Decision, Document, Meeting, Ticket
from assistant.store.documents import DocumentStore


@dataclass
class RecordSnapshot:
    """Documents of one project, and their chunks, loaded once per report."""

    project: str
    documents: list[Document]
    chunks_by_document: dict[str, list[Chunk]] = field(default_factory=dict)

    @classmethod
    def load(cls, store: DocumentStore, project: str) -> RecordSnapshot:
        documents = store.documents(project)
        chunks: dict[str, list[Chunk]] = {}
        for batch in store.iter_chunks(project):
            for chunk in batch:
                chunks.setdefault(chunk.document_id, []).append(chunk)
        for items in chunks.values():
            items.sort(key=lambda chunk: chunk.seq)
        return cls(project, documents, chunks)

    def tickets(self) -> list[tuple[Document, Ticket]]:
        return [(d, d.record) for d in self.documents if isinstance(d.record, Ticket)]

    def meetings(self) -> list[tuple[Document, Meeting]]:
        found = [(d, d.record) for d in self.documents if isinstance(d.record, Meeting)]
        return sorted(found, key=lambda pair: (pair[0].date is None, pair[0].date, pair[0].id))

    def decisions(self) -> list[tuple[Document, Decision]]:
        return [(d, d.record) for d in self.documents if isinstance(d.record, Decision)]

    def cite_document(self, document_id: str) -> list[str]:
        """The first chunk of a document: for a ticket, its key, summary and fields."""
        chunks = self.chunks_by_document.get(document_id, [])
        return [chunks[0].id] if chunks else []

    def cite_line(self, document_id: str, line: int | None) -> list[str]:
        """The chunk holding `line` of the document (its first chunk when the line is unknown)."""
        chunks = self.chunks_by_document.get(document_id, [])
        if line is not None:
            for chunk in chunks:
                start, end = chunk.locator.line_start, chunk.locator.line_end
                if start is not None and start <= line <= (end if end is not None else start):
                    return [chunk.id]
        return self.cite_document(document_id)

    def cite_mentioning(self, document_id: str, words: list[str]) -> list[str]:
        """The chunk of a document that mentions most of `words` (e.g. an ADR's deciders)."""
        chunks = self.chunks_by_document.get(document_id, [])
        if not chunks or not words:
            return self.cite_document(document_id)
        best = max(chunks, key=lambda chunk: sum(word in chunk.text for word in words))
        return [best.id]

    def cite_line_and_person(
        self, document_id: str, line: int | None, person: str | None
    ) -> list[str]:
        """The chunk holding `line`, and, when a handle there was resolved to a name written
        elsewhere in the note (its attendance list), the chunk that writes the name."""
        cited = self.cite_line(document_id, line)
        if not person or self.named_in(cited, [person]):
            return cited
        named = self.cite_mentioning(document_id, [person])
        return cited + [c for c in named if c not in cited and self.named_in([c], [person])]

    def named_in(self, chunk_ids: list[str], names: list[str]) -> list[str]:
        texts = [
            chunk.text
            for chunks in self.chunks_by_document.values()
            for chunk in chunks
            if chunk.id in chunk_ids
        ]
        return [name for name in names if any(name in text for text in texts)]

    def newest_date(self) -> dt.date | None:
        dates = [d.date for d in self.documents if d.date is not None]
        return max(dates) if dates else None
