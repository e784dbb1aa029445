"""The use cases of pmassist. The CLI and the API are thin layers over this class."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from assistant.config import Settings
from assistant.embeddings import Embedder, configured_model_id, embedder_from_settings
from assistant.errors import (
    InvalidInputError,
    PmassistError,
    UnknownDocumentError,
    UnknownProjectError,
)
from assistant.models import PROJECT_NAME_PATTERN, Document, Kind, Locator
from assistant.store.db import open_engine
from assistant.store.documents import DocumentStore, ProjectSummary
from assistant.store.vectors import VectorFilter, VectorStore
from assistant.tokens import TokenCounter
from ingest.chunking import Chunker
from ingest.pipeline import (
    IngestPipeline,
    IngestProgress,
    IngestSummary,
    LazyProjectIndex,
    repair_vector_writes,
)

MAX_SEARCH_RESULTS = 100


@dataclass(frozen=True)
class SearchHit:
    rank: int
    score: float
    chunk_id: str
    document_id: str
    kind: str
    title: str
    date: dt.date | None
    locator: Locator
    text: str


@dataclass(frozen=True)
class ReindexSummary:
    project: str
    model_id: str
    chunks: int
    seconds: float


class Assistant:
    """Holds the stores and models for one data directory; opens each on first use."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self.vectors = VectorStore(settings)

    @cached_property
    def documents(self) -> DocumentStore:
        return DocumentStore(open_engine(self.settings.sqlalchemy_url))

    @cached_property
    def token_counter(self) -> TokenCounter:
        return TokenCounter(self.settings.tokenizer, self.settings.tiktoken_cache_dir)

    @property
    def model_id(self) -> str:
        return self._embedder.model_id if self._embedder else configured_model_id(self.settings)

    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = embedder_from_settings(self.settings)
        return self._embedder

    # Ingest -------------------------------------------------------------------------------

    def ingest(
        self,
        paths: Sequence[Path],
        project: str,
        *,
        kind: Kind | None = None,
        prune: bool = False,
        progress: IngestProgress | None = None,
    ) -> IngestSummary:
        validate_project_name(project)
        pipeline = IngestPipeline(
            store=self.documents,
            vectors=self.vectors,
            embedder=self.embedder,
            model_id=self.model_id,
            chunker=Chunker(self.token_counter, self.settings.chunk_tokens),
            status_map=self.settings.status_map,
            jira_browse_url=self.settings.jira_browse_url,
        )
        return pipeline.run(paths, project, kind=kind, prune=prune, progress=progress)

    def forget(self, project: str, document_id: str) -> int:
        """Erase one document: its chunks, vectors and manifest rows. Returns chunks removed."""
        self.require_project(project)
        if self.documents.document(project, document_id) is None:
            raise UnknownDocumentError(project, document_id)
        # Erasure must work whatever model is configured now: open the index as it was built.
        indexed_with = self.documents.project_model(project) or self.model_id
        index = LazyProjectIndex(lambda: self.vectors.project_index(project, indexed_with))
        repair_vector_writes(self.documents, index, project)
        removal, chunk_ids = self.documents.remove_documents(project, [document_id])
        if removal is not None:
            index.get().delete(chunk_ids)
            self.documents.clear_vector_write(removal)
        return len(chunk_ids)

    def reindex(self, project: str) -> ReindexSummary:
        """Rebuild the project's vectors with the configured embedding model.

        The new index is built beside the old one and swapped in only when complete.
        """
        self.require_project(project)
        started = time.perf_counter()
        indexed_with = self.documents.project_model(project) or self.model_id
        old_index = LazyProjectIndex(lambda: self.vectors.project_index(project, indexed_with))
        repair_vector_writes(self.documents, old_index, project)
        target = self.vectors.new_reindex_target(project, self.model_id)
        embedder = self.embedder()
        count = 0
        for batch in self.documents.iter_chunks(project, batch_size=512):
            target.upsert(batch, embedder.embed_texts([chunk.text for chunk in batch]))
            count += len(batch)
        self.vectors.swap_in_reindexed(project, target)
        self.documents.set_project_model(project, self.model_id)
        return ReindexSummary(project, self.model_id, count, time.perf_counter() - started)

    # Reading the record -------------------------------------------------------------------

    def projects(self) -> list[ProjectSummary]:
        return self.documents.project_summaries()

    def require_project(self, project: str) -> None:
        validate_project_name(project)
        if self.documents.project_model(project) is None:
            raise UnknownProjectError(project, self.documents.project_names())

    def list_documents(self, project: str, kind: Kind | None = None) -> list[Document]:
        self.require_project(project)
        return self.documents.documents(project, kind)

    def search(
        self,
        query: str,
        project: str,
        *,
        k: int = 8,
        kinds: Sequence[Kind] = (),
        since: dt.date | None = None,
        until: dt.date | None = None,
    ) -> list[SearchHit]:
        """Dense retrieval over the project's chunks, with metadata filters."""
        if not query.strip():
            raise InvalidInputError("The search text is empty.")
        if not 1 <= k <= MAX_SEARCH_RESULTS:
            raise InvalidInputError(f"-k must be between 1 and {MAX_SEARCH_RESULTS}.")
        if since and until and since > until:
            raise InvalidInputError(f"--since {since} is after --until {until}.")
        self.require_project(project)
        index = self.vectors.project_index(project, self.model_id, create=False)
        if index.count() == 0:
            return []
        where = VectorFilter(kinds=tuple(kinds), since=since, until=until).to_where()
        vector = self.embedder().embed_query(query)
        hits = index.query(vector, k, where)
        chunks = self.documents.chunks_by_id(project, [hit.chunk_id for hit in hits])
        results: list[SearchHit] = []
        for hit in hits:
            chunk = chunks.get(hit.chunk_id)
            if chunk is None:  # a vector whose document was just replaced or forgotten
                continue
            date = hit.metadata.get("date")
            results.append(
                SearchHit(
                    rank=len(results) + 1,
                    score=hit.similarity,
                    chunk_id=hit.chunk_id,
                    document_id=chunk.document_id,
                    kind=str(hit.metadata.get("kind", "")),
                    title=str(hit.metadata.get("title", "")),
                    date=_from_metadata_date(date) if isinstance(date, int) else None,
                    locator=chunk.locator,
                    text=chunk.text,
                )
            )
        return results


def validate_project_name(project: str) -> None:
    if not PROJECT_NAME_PATTERN.match(project or ""):
        raise InvalidInputError(
            f"Invalid project name {project!r}: use 1-63 letters, digits, '-' or '_', starting "
            "with a letter or digit."
        )


def _from_metadata_date(value: int) -> dt.date:
    return dt.date(value // 10000, value // 100 % 100, value % 100)


__all__ = ["Assistant", "PmassistError", "SearchHit"]
