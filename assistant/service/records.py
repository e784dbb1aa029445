"""The project record: ingest, erase, reindex, list, search, and open one source."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from assistant.domain.errors import InvalidInputError, NotFoundError
from assistant.domain.evidence import Evidence, chunk_evidence
from assistant.domain.ingest import (
    ConsistencyReport,
    ErasureSummary,
    IngestProgress,
    IngestSummary,
    ProjectSummary,
    ReindexSummary,
)
from assistant.domain.record import Chunk, Document, Kind
from assistant.domain.search import SEARCH_MODES, DocumentHit, RetrievalFilter, SearchMode
from assistant.service.consistency import ConsistencyCheck
from assistant.service.erasure import erase_document
from assistant.service.wiring import Wiring, validate_project_name
from ingest.chunking import Chunker
from ingest.loaders import supported_extensions
from ingest.pipeline import IngestPipeline

MAX_SEARCH_RESULTS = 100
# A search result shows at most this many chunks of its document: enough to see why it matched.
CHUNKS_SHOWN = 3


class RecordService:
    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring
        self.consistency = ConsistencyCheck(wiring)

    # Reading files in ---------------------------------------------------------------------

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
        wiring = self.wiring
        pipeline = IngestPipeline(
            store=wiring.documents,
            vectors=wiring.vectors,
            embedder=wiring.embedder,
            model_id=wiring.model_id,
            chunker=Chunker(wiring.token_counter, wiring.settings.chunk_tokens),
            status_map=wiring.settings.status_map,
            jira_browse_url=wiring.settings.jira_browse_url,
        )
        with self.consistency.writing(project, "ingest"):
            summary = pipeline.run(paths, project, kind=kind, prune=prune, progress=progress)
            # Keep the keyword index in step now, so the first question after an ingest is fast.
            wiring.keyword_indexes.refresh(project)
        return summary

    def supported_extensions(self) -> list[str]:
        """The file types the record may hold, e.g. `.csv`, `.docx`, `.md`."""
        return sorted(supported_extensions())

    def forget(self, project: str, document_id: str) -> ErasureSummary:
        """Erase one document everywhere (see `service/erasure.py`). Run again after an
        interrupted erasure, it finishes it."""
        return erase_document(self.wiring, self.consistency, project, document_id)

    def reindex(self, project: str) -> ReindexSummary:
        """Rebuild the project's vectors with the configured embedding model.

        The new index is built beside the old one and swapped in only when complete.
        """
        wiring = self.wiring
        wiring.require_project(project)
        started = time.perf_counter()
        with self.consistency.writing(project, "reindex"):
            count = self.consistency.rebuild_vectors(project)
        return ReindexSummary(project, wiring.model_id, count, time.perf_counter() - started)

    def check(self, project: str | None = None, repair: bool = False) -> list[ConsistencyReport]:
        """How each project's stores agree (or one project's); with `repair`, put them back in
        step with the manifest."""
        if project is not None:
            self.wiring.require_project(project)
        names = [project] if project else self.wiring.documents.project_names()
        reports = []
        for name in names:
            if repair:
                with self.wiring.locks.hold(name, "check --repair"):
                    reports.append(self.consistency.repair(name))
            else:
                reports.append(self.consistency.check(name))
        return reports

    # Reading the record -------------------------------------------------------------------

    def projects(self) -> list[ProjectSummary]:
        return self.wiring.documents.project_summaries()

    def documents(self, project: str, kind: Kind | None = None) -> list[Document]:
        self.wiring.require_project(project)
        return self.wiring.documents.documents(project, kind)

    def search(
        self,
        query: str,
        project: str,
        *,
        k: int = 8,
        filters: RetrievalFilter | None = None,
        mode: str = "hybrid",
    ) -> list[Evidence]:
        """Hybrid (or dense-only, or keyword-only) search with filters: the best chunks of the
        `k` best documents, best first (more than `k` chunks when a document gives several)."""
        chosen, filters = self._search_arguments(query, project, k, filters, mode)
        return self.wiring.retriever.retrieve(
            query,
            project,
            k=k,
            filters=filters,
            per_document=self.wiring.settings.chunks_per_document if chosen == "hybrid" else 1,
            mode=chosen,
        ).evidence

    def search_documents(
        self,
        query: str,
        project: str,
        *,
        k: int = 8,
        filters: RetrievalFilter | None = None,
        mode: str = "hybrid",
    ) -> list[DocumentHit]:
        """The `k` best documents for a search, each with up to three of its best chunks (with
        their locators and scores) under it; what a person asking for `k` results expects."""
        chosen, filters = self._search_arguments(query, project, k, filters, mode)
        return self.wiring.retriever.retrieve_documents(
            query, project, k=k, filters=filters, per_document=CHUNKS_SHOWN, mode=chosen
        )

    def _search_arguments(
        self,
        query: str,
        project: str,
        k: int,
        filters: RetrievalFilter | None,
        mode: str,
    ) -> tuple[SearchMode, RetrievalFilter]:
        """The search mode and filters, checked; raises when an argument or the project is
        wrong."""
        if not query.strip():
            raise InvalidInputError("The search text is empty.", field="query")
        if not 1 <= k <= MAX_SEARCH_RESULTS:
            raise InvalidInputError(
                f"Ask for between 1 and {MAX_SEARCH_RESULTS} results.", field="k"
            )
        chosen = next((known for known in SEARCH_MODES if known == mode), None)
        if chosen is None:
            raise InvalidInputError(
                f"The search mode is {', '.join(SEARCH_MODES)}, not '{mode}'.", field="mode"
            )
        filters = filters or RetrievalFilter()
        if filters.since and filters.until and filters.since > filters.until:
            raise InvalidInputError(
                f"The first day {filters.since} is after the last day {filters.until}.",
                field="since",
            )
        self.wiring.require_documents(project)
        return chosen, filters

    def source(self, project: str, chunk_id: str) -> Evidence:
        """One chunk of the record: what a citation opens."""
        self.wiring.require_project(project)
        documents = self.wiring.documents
        chunk = documents.chunks_by_id(project, [chunk_id]).get(chunk_id)
        document = documents.document(project, chunk.document_id) if chunk else None
        if chunk is None or document is None:
            raise NotFoundError(
                f"Project '{project}' has no source '{chunk_id}'.", field="chunk_id"
            )
        return chunk_evidence(chunk, document, "")

    def document_chunks(self, project: str, document_id: str) -> list[str]:
        """The texts of a document's chunks, in order (none when it is not in the record)."""
        return [chunk.text for chunk in self.document_passages(project, document_id)]

    def document_passages(self, project: str, document_id: str) -> list[Chunk]:
        """A document's chunks in order, each with its locator."""
        return self.wiring.documents.chunks_of_documents(project, [document_id])
