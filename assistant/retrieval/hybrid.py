"""Hybrid retrieval: dense vectors (Chroma) and BM25 keywords, fused by reciprocal rank.

Dense search finds paraphrases ("why did the load test slip" ~ "moved the performance test");
keywords find exact names, keys and numbers ("HBR-48", "PF-CASE-88213", "USD 410k") that
embeddings blur. Reciprocal rank fusion needs no score calibration between the two. A cap on
chunks per document keeps one long document from filling every slot, and every result gets a
short citation id (S1, S2, …) mapped to its chunk and locator.

Answers take evidence as chunks (`retrieve`). A search shown to a person counts its results in
documents (`retrieve_documents`): `k` documents, each with its best chunks under it, searching
deeper when a few long documents fill the candidate lists.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from assistant.domain.evidence import Evidence
from assistant.domain.record import Chunk, Kind, date_from_chunk_metadata
from assistant.domain.search import DocumentHit, RetrievalFilter, SearchMode
from assistant.embeddings import Embedder
from assistant.retrieval.filters import chroma_where
from assistant.retrieval.keyword import IDENTIFIER, KeywordIndexes
from assistant.retrieval.temporal import names_a_period, time_window
from assistant.store.documents import DocumentStore
from assistant.store.vectors import ProjectIndex, VectorHit

IDENTIFIER_IN_TEXT = re.compile(rf"\b{IDENTIFIER}\b")
# The usual RRF constant: damps the difference between the first few ranks of each list.
RRF_K = 60
# Each list contributes this many candidates per requested result, before fusion and capping.
CANDIDATES_PER_RESULT = 5
MIN_CANDIDATES = 30
# A search for documents goes deeper while one document fills the lists, up to this many.
MAX_CANDIDATES = 2000
# Chroma's HNSW search is approximate, and its graph is rebuilt with several threads, so
# which near neighbours it misses changes from one process to the next: the dense list would
# differ between runs. Asking it for this many times the list and keeping the closest (ties by
# chunk id) makes such a miss among the closest unlikely: the list was the same in every run
# measured (fixtures and real records, several hash seeds).
DENSE_SEARCH_DEPTH = 4
DENSE_WEIGHT = 1.0
KEYWORD_WEIGHT = 1.0
# A document named in the question outranks anything found by either list alone.
NAMED_WEIGHT = 3.0
# Key feedback: the keys of the top documents are searched again, at this weight.
FEEDBACK_DEPTH = 2
FEEDBACK_WEIGHT = 0.5
# Documents dated in the period a question names ("week 46", "in October", "now").
TIME_WEIGHT = 1.0


@dataclass
class Retrieval:
    query: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class _Search:
    """One question against one project: what every round of candidates reuses."""

    query: str
    project: str
    index: ProjectIndex
    vector: NDArray[np.float32]


@dataclass
class _Fused:
    scores: dict[str, float] = field(default_factory=dict)
    similarity: dict[str, float] = field(default_factory=dict)
    keyword_score: dict[str, float] = field(default_factory=dict)
    dates: dict[str, object] = field(default_factory=dict)  # chunk id -> YYYYMMDD as stored
    # A list came back full: a deeper search may find more documents.
    cut: bool = False


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
        mode: SearchMode = "hybrid",
    ) -> Retrieval:
        """Evidence from the `k` best documents, at most `per_document` chunks from each."""
        filters = filters or RetrievalFilter()
        pool = max(k * CANDIDATES_PER_RESULT, MIN_CANDIDATES)
        search = self._open(query, project)
        fused = self._fuse(search, filters, mode, pool)
        return Retrieval(query=query, evidence=self._evidence(search, fused, k, per_document))

    def retrieve_documents(
        self,
        query: str,
        project: str,
        *,
        k: int = 8,
        filters: RetrievalFilter | None = None,
        per_document: int = 3,
        mode: SearchMode = "hybrid",
    ) -> list[DocumentHit]:
        """The `k` best documents, each with at most `per_document` of its best chunks.

        When a few documents fill the candidate lists (long minutes matching in every section),
        the lists are searched deeper until `k` documents turn up or no list has more."""
        filters = filters or RetrievalFilter()
        pool = max(k * CANDIDATES_PER_RESULT, MIN_CANDIDATES)
        search = self._open(query, project)
        while True:
            fused = self._fuse(search, filters, mode, pool)
            found = len({document_of(chunk_id) for chunk_id in fused.scores})
            if found >= k or not fused.cut or pool >= MAX_CANDIDATES:
                break
            pool = min(pool * 4, MAX_CANDIDATES)
        return group_by_document(self._evidence(search, fused, k, per_document))

    def _open(self, query: str, project: str) -> _Search:
        # The index first: opening it with another embedding model fails with the fix to
        # make, before the model is loaded or called.
        index = self.open_index(project)
        vector = np.asarray(self.embedder().embed_query(query), dtype=np.float32)
        return _Search(query, project, index, vector)

    def _fuse(
        self, search: _Search, filters: RetrievalFilter, mode: SearchMode, pool: int
    ) -> _Fused:
        """Every candidate chunk with its fused score, from lists of at most `pool` each."""
        query, project, index = search.query, search.project, search.index
        allowed = None if filters.empty else filters.matches
        fused = _Fused()
        scores, dates = fused.scores, fused.dates

        def fuse(chunk_ids: list[str], weight: float = 1.0) -> None:
            for rank, chunk_id in enumerate(chunk_ids):
                scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (RRF_K + rank + 1)

        keywords = self.keyword_indexes.get(project) if mode != "dense" else None
        if mode in ("hybrid", "dense"):
            hits = _closest(
                index.query(
                    search.vector.tolist(), pool * DENSE_SEARCH_DEPTH, chroma_where(filters)
                ),
                pool,
            )
            fused.cut |= len(hits) >= pool
            fused.similarity.update({hit.chunk_id: hit.similarity for hit in hits})
            dates.update({hit.chunk_id: hit.metadata.get("date") for hit in hits})
            fuse([hit.chunk_id for hit in hits], DENSE_WEIGHT)
        if keywords is not None:
            keyword_hits = keywords.search(query, pool, allowed)
            fused.cut |= len(keyword_hits) >= pool
            fused.keyword_score.update({hit.chunk_id: hit.score for hit in keyword_hits})
            dates.update({hit.chunk_id: hit.date for hit in keyword_hits})
            fuse([hit.chunk_id for hit in keyword_hits], KEYWORD_WEIGHT)
        if mode == "hybrid":
            # A question naming a ticket or decision ("HBR-100 status") wants that one first.
            named = self._named_chunks(query, project, filters)
            dates.update({chunk.id: chunk.metadata.get("date") for chunk in named})
            fuse([chunk.id for chunk in named], NAMED_WEIGHT)
            # Minutes cite tickets and decisions by key: when one ranks high, the documents
            # that mention its key are likely about the same thing.
            keys = _leading_keys(_ranked(scores)[:FEEDBACK_DEPTH])
            if keys and keywords is not None:
                feedback = keywords.search(" ".join(keys), pool, allowed)
                dates.update({hit.chunk_id: hit.date for hit in feedback})
                fuse([hit.chunk_id for hit in feedback], FEEDBACK_WEIGHT)
        if mode == "hybrid" and names_a_period(query):
            # "in week 46", "back in October", "now": documents dated in that window move up.
            window = time_window(query, self.store.latest_document_date(project))
            if window is not None:
                fuse(
                    [
                        chunk_id
                        for chunk_id in _ranked(scores)
                        if window.contains(date_from_chunk_metadata(dates.get(chunk_id)))
                    ],
                    TIME_WEIGHT,
                )
        return fused

    def _evidence(
        self, search: _Search, fused: _Fused, k: int, per_document: int
    ) -> list[Evidence]:
        """The chosen chunks as citable evidence, numbered S1, S2, … best first."""
        project, scores, similarity = search.project, fused.scores, fused.similarity
        # Only the chosen chunks are read from the store (the cap needs just the document id,
        # which is part of the chunk id). A chunk replaced since the indexes were read is
        # skipped and the next candidate takes its place.
        ranked = _ranked(scores)
        chunks: dict[str, Chunk] = {}
        gone: set[str] = set()
        while True:
            chosen = _choose(ranked, gone, k, per_document)
            wanted = [chunk_id for chunk_id in chosen if chunk_id not in chunks]
            chunks.update(self.store.chunks_by_id(project, wanted))
            vanished = {chunk_id for chunk_id in wanted if chunk_id not in chunks}
            if not vanished:
                break
            gone |= vanished

        # Chunks found only by keywords have no similarity yet; score them against the question
        # so relevance is judged on one scale.
        missing = [chunk_id for chunk_id in chosen if chunk_id not in similarity]
        for chunk_id, vector in search.index.embeddings(missing).items():
            similarity[chunk_id] = float(np.dot(vector, search.vector))

        return [
            Evidence(
                citation=f"S{number}",
                chunk_id=chunk_id,
                document_id=chunks[chunk_id].document_id,
                kind=Kind(str(chunks[chunk_id].metadata.get("kind", "minutes"))),
                title=str(chunks[chunk_id].metadata.get("title", "")),
                date=date_from_chunk_metadata(chunks[chunk_id].metadata.get("date")),
                locator=chunks[chunk_id].locator,
                text=chunks[chunk_id].text,
                score=scores[chunk_id],
                similarity=similarity.get(chunk_id),
                keyword_score=fused.keyword_score.get(chunk_id),
            )
            for number, chunk_id in enumerate(chosen, start=1)
        ]

    def _named_chunks(self, query: str, project: str, filters: RetrievalFilter) -> list[Chunk]:
        names = {match.upper() for match in IDENTIFIER_IN_TEXT.findall(query)}
        if not names:
            return []
        document_ids = [f"{kind}:{name}" for name in names for kind in ("ticket", "decision")]
        chunks = self.store.chunks_of_documents(project, document_ids)
        return [chunk for chunk in chunks if filters.matches(chunk.metadata)]


def _choose(ranked: list[str], skip: set[str], k: int, per_document: int) -> list[str]:
    """The best chunks of the best `k` documents, at most `per_document` of each."""
    chosen: list[str] = []
    per_doc: dict[str, int] = {}
    for chunk_id in ranked:
        if chunk_id in skip:
            continue
        document = document_of(chunk_id)
        taken = per_doc.get(document, 0)
        if taken >= per_document or (taken == 0 and len(per_doc) >= k):
            continue
        per_doc[document] = taken + 1
        chosen.append(chunk_id)
    return chosen


def group_by_document(evidence: list[Evidence]) -> list[DocumentHit]:
    """Chunks, best first, gathered under their documents; a document ranks by its best chunk."""
    grouped: dict[str, list[Evidence]] = {}
    for item in evidence:
        grouped.setdefault(item.document_id, []).append(item)
    return [
        DocumentHit(
            document_id=document_id,
            kind=chunks[0].kind,
            title=chunks[0].title,
            date=chunks[0].date,
            chunks=chunks,
        )
        for document_id, chunks in grouped.items()
    ]


def document_of(chunk_id: str) -> str:
    """Chunk ids are `<document id>#<content hash>-<n>`; document ids may contain '#'."""
    return chunk_id.rsplit("#", 1)[0]


def _closest(hits: list[VectorHit], pool: int) -> list[VectorHit]:
    """The `pool` hits closest to the question, closest first, ties in chunk id order."""
    return sorted(hits, key=lambda hit: (-hit.similarity, hit.chunk_id))[:pool]


def _ranked(scores: dict[str, float]) -> list[str]:
    return sorted(scores, key=lambda chunk_id: scores[chunk_id], reverse=True)


def _leading_keys(chunk_ids: list[str]) -> list[str]:
    """Ticket keys and decision ids of the documents these chunks belong to (ids look like
    `ticket:HBR-48#<hash>-0`)."""
    keys: list[str] = []
    for chunk_id in chunk_ids:
        kind, _, rest = chunk_id.partition(":")
        key = rest.split("#", 1)[0]
        if kind in ("ticket", "decision") and IDENTIFIER_IN_TEXT.fullmatch(key) and key not in keys:
            keys.append(key)
    return keys
