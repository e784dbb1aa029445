"""The sources a draft cites: chunk ids become S1, S2, … in the order they are first cited.

Shared by status reports and risk runs, so both number the record's chunks the same way."""

from __future__ import annotations

from assistant.domain.evidence import Evidence, chunk_evidence
from assistant.facts.record import RecordSnapshot


class SourceBook:
    def __init__(self, record: RecordSnapshot) -> None:
        self.record = record
        self._documents = {document.id: document for document in record.documents}
        self._chunks = {
            chunk.id: chunk for chunks in record.chunks_by_document.values() for chunk in chunks
        }
        self.evidence: list[Evidence] = []
        self._by_chunk: dict[str, str] = {}

    def cite(self, chunk_ids: list[str]) -> list[str]:
        """Citation ids for the chunks, adding each chunk to the sources the first time."""
        citations = []
        for chunk_id in chunk_ids:
            if chunk_id not in self._by_chunk:
                chunk = self._chunks.get(chunk_id)
                if chunk is None:
                    continue
                document = self._documents[chunk.document_id]
                citation = f"S{len(self.evidence) + 1}"
                self.evidence.append(chunk_evidence(chunk, document, citation))
                self._by_chunk[chunk_id] = citation
            if self._by_chunk[chunk_id] not in citations:
                citations.append(self._by_chunk[chunk_id])
        return citations

    def add_evidence(self, retrieved: list[Evidence]) -> list[Evidence]:
        """Retrieved chunks joined to the book under its own numbering; returns them renumbered."""
        added = []
        for item in retrieved:
            for citation in self.cite([item.chunk_id]):
                added.append(item.model_copy(update={"citation": citation}))
        return added

    def by_citation(self) -> dict[str, Evidence]:
        return {item.citation: item for item in self.evidence}

    def known_people(self) -> set[str]:
        people: set[str] = set()
        for document in self.record.documents:
            people.update(p for p in document.people if " " in p.strip())
        return people
