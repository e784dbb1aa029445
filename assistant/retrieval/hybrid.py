"""Hybrid retrieval: dense vectors (Chroma) and BM25 keywords, fused by reciprocal rank.

Dense search finds paraphrases ("why did the load test slip" ~ "moved the performance test");
keywords find exact names, keys and numbers ("HBR-48", "PF-CASE-88213", "USD 410k") that
embeddings blur. Reciprocal rank fusion needs no score calibration between the two. A cap on
chunks per document keeps one long document from filling every slot, and every result gets a
short citation id (S1, S2, …) mapped to its chunk and locator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from assistant.embeddings import Embedder
from assistant.models import Evidence, Kind, date_from_chunk_metadata
from assistant.retrieval.filters import RetrievalFilter
from assistant.retrieval.keyword import KeywordIndexes
from assistant.store.documents import DocumentStore
from assistant.store.vectors import ProjectIndex

SearchMode = Literal["hybrid", "dense", "keyword"]
# The usual RRF constant: damps the difference between the first few ranks of each list.
RRF_K = 60
# Each list contributes this many candidates per requested result, before fusion and capping.
CANDIDATES_PER_RESULT = 5
MIN_CANDIDATES = 30


@dataclass
class Retrieval:
    """What a search found, and whether the best of it is relevant enough to answer from."""

    query: str
    evidence: list[Evidence] = field(default_factory=list)
    best_similarity: float | None = None
    relevant: bool = False

    def by_citation(self) -> dict[str, Evidence]:
        return {item.citation: item for item in self.evidence}


class Retriever:
    def __init__(
        self,
        store: DocumentStore,
        keyword_indexes: KeywordIndexes,
        open_index: Callable[[str], ProjectIndex],
        embedder: Callable[[], Embedder],
    ) -> None:
        self.store = store
        self.keyword_indexes = keyword_indexes
        self.open_index = open_index
        self.embedder = embedder

    def retrieve(
        self,
        query: str,
        project: str,
        *,
        k: int = 8,
        filters: RetrievalFilter | None = None,
        per_document: int = 2,
        relevance_threshold: float = 0.3,
        mode: SearchMode = "hybrid",
    ) -> Retrieval:
        filters = filters or RetrievalFilter()
        pool = max(k * CANDIDATES_PER_RESULT, MIN_CANDIDATES)
        index = self.open_index(project)
        query_vector = np.asarray(self.embedder().embed_query(query), dtype=np.float32)

        ranked: dict[str, float] = {}
        similarity: dict[str, float] = {}
        keyword_score: dict[str, float] = {}
        if mode in ("hybrid", "dense") and index.count():
            for rank, hit in enumerate(
                index.query(query_vector.tolist(), pool, filters.to_where())
            ):
                ranked[hit.chunk_id] = ranked.get(hit.chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
                similarity[hit.chunk_id] = hit.similarity
        if mode in ("hybrid", "keyword"):
            allowed = None if filters.empty else filters.matches
            hits = self.keyword_indexes.get(project).search(query, pool, allowed)
            for rank, keyword_hit in enumerate(hits):
                chunk_id = keyword_hit.chunk_id
                ranked[chunk_id] = ranked.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
                keyword_score[chunk_id] = keyword_hit.score

        order = sorted(ranked, key=lambda chunk_id: ranked[chunk_id], reverse=True)
        chunks = self.store.chunks_by_id(project, order)
        chosen: list[str] = []
        per_doc: dict[str, int] = {}
        for chunk_id in order:
            chunk = chunks.get(chunk_id)
            if chunk is None:  # replaced or forgotten since the index was read
                continue
            if per_doc.get(chunk.document_id, 0) >= per_document:
                continue
            per_doc[chunk.document_id] = per_doc.get(chunk.document_id, 0) + 1
            chosen.append(chunk_id)
            if len(chosen) == k:
                break

        # Chunks found only by keywords have no similarity yet; score them against the question
        # so relevance is judged on one scale.
        missing = [chunk_id for chunk_id in chosen if chunk_id not in similarity]
        for chunk_id, vector in index.embeddings(missing).items():
            similarity[chunk_id] = float(np.dot(vector, query_vector))

        evidence = [
            Evidence(
                citation=f"S{number}",
                chunk_id=chunk_id,
                document_id=chunks[chunk_id].document_id,
                kind=Kind(str(chunks[chunk_id].metadata.get("kind", "minutes"))),
                title=str(chunks[chunk_id].metadata.get("title", "")),
                date=date_from_chunk_metadata(chunks[chunk_id].metadata.get("date")),
                locator=chunks[chunk_id].locator,
                text=chunks[chunk_id].text,
                score=ranked[chunk_id],
                similarity=similarity.get(chunk_id),
                keyword_score=keyword_score.get(chunk_id),
            )
            for number, chunk_id in enumerate(chosen, start=1)
        ]
        best = max((e.similarity for e in evidence if e.similarity is not None), default=None)
        return Retrieval(
            query=query,
            evidence=evidence,
            best_similarity=best,
            relevant=best is not None and best >= relevance_threshold,
        )
