"""Evidence: a chunk of the record as a draft or an answer cites it (S1, S2, …), and the prompt
that produced an output."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from assistant.domain.record import Chunk, Document, Kind, Locator, RecordModel


class Evidence(RecordModel):
    """A retrieved chunk as the answer cites it: `S1`, `S2`, … map to chunk ids and locators."""

    citation: str
    chunk_id: str
    document_id: str
    kind: Kind
    title: str
    date: dt.date | None = None
    locator: Locator
    text: str
    score: float = Field(description="Fused rank score; only meaningful within one search.")
    similarity: float | None = Field(
        default=None, description="Cosine similarity of the chunk to the question."
    )
    keyword_score: float | None = None


class PromptRef(RecordModel):
    """Which prompt file produced an output: name, version and the hash of its bytes."""

    name: str
    version: str
    hash: str


def chunk_evidence(chunk: Chunk, document: Document, citation: str) -> Evidence:
    """A chunk of the record as a citable source."""
    return Evidence(
        citation=citation,
        chunk_id=chunk.id,
        document_id=document.id,
        kind=document.kind,
        title=document.title,
        date=document.date,
        locator=chunk.locator,
        text=chunk.text,
        score=0.0,
    )
