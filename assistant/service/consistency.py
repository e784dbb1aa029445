"""Keeping a project's three stores in step: the relational store (the manifest of documents and
chunks) is the truth; the vector index and the keyword index are derived from it.

`check` compares them: chunks without a vector, vectors no chunk has, vector writes a crash
left announced, a keyword index built from another state, a staged reindex left behind, vectors
that still carry their chunk's text (built by an earlier version), an erasure whose files were
not yet purged. `repair` makes the derived stores agree with the manifest again and finishes
such an erasure; it runs by itself whenever a write finds that an earlier one was interrupted.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from assistant.domain.ingest import ConsistencyReport
from assistant.service.wiring import Wiring
from assistant.store.maintenance import purge_freed_pages
from ingest.pipeline import LazyProjectIndex, repair_vector_writes

log = logging.getLogger("pmassist")
EMBED_BATCH = 256


class ConsistencyCheck:
    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring

    @contextlib.contextmanager
    def writing(self, project: str, action: str) -> Iterator[bool]:
        """Hold the project's lock for a write, repairing first what an interrupted write left
        (the lock is free, so whatever announced those writes is no longer running). Yields
        whether there was anything to repair."""
        with self.wiring.locks.hold(project, action):
            known = self.wiring.documents.project_model(project) is not None
            interrupted = known and bool(self.wiring.documents.pending_vector_writes(project))
            if interrupted:
                self.repair(project)
            unpurged = bool(self.wiring.pending_erasures.of(project))
            if known and unpurged:
                self.purge_erased(project)
            yield interrupted or unpurged

    def check(self, project: str) -> ConsistencyReport:
        wiring = self.wiring
        documents = wiring.documents
        chunk_ids = documents.all_chunk_ids(project)
        indexed_with = documents.project_model(project) or wiring.model_id
        index = wiring.vectors.project_index(project, indexed_with)
        vector_ids = index.ids()
        saved = wiring.keyword_indexes.saved_generation(project)
        return ConsistencyReport(
            project=project,
            chunks=len(chunk_ids),
            vectors=len(vector_ids),
            missing_vectors=sorted(chunk_ids - vector_ids),
            orphan_vectors=sorted(vector_ids - chunk_ids),
            pending_writes=len(documents.pending_vector_writes(project)),
            keyword_index_current=saved == documents.project_generation(project),
            abandoned_reindex=wiring.vectors.abandoned_reindex(project),
            text_in_vector_index=bool(vector_ids) and index.holds_text(),
            unpurged_erasures=wiring.pending_erasures.of(project),
        )

    def repair(self, project: str) -> ConsistencyReport:
        """Make the derived stores agree with the manifest; the caller holds the project's
        lock. Returns the state found, with what was done."""
        wiring = self.wiring
        found = self.check(project)
        documents = wiring.documents
        indexed_with = documents.project_model(project) or wiring.model_id
        index = LazyProjectIndex(lambda: wiring.vectors.project_index(project, indexed_with))
        done: list[str] = []
        if found.pending_writes:
            repair_vector_writes(documents, index, project)
            done.append(f"finished {found.pending_writes} interrupted vector writes")
        if found.abandoned_reindex:
            wiring.vectors.drop_abandoned_reindex(project)
            done.append("removed the copy an interrupted reindex left")
        if found.text_in_vector_index:
            self.rebuild_vectors(project)
            done.append("rebuilt the vector index without chunk text")
        else:
            orphans = sorted(index.get().ids() - documents.all_chunk_ids(project))
            if orphans:
                index.get().delete(orphans)
                done.append(f"removed {len(orphans)} vectors no chunk has")
            missing = sorted(documents.all_chunk_ids(project) - index.get().ids())
            if missing:
                self._embed(project, missing, index)
                done.append(f"embedded {len(missing)} chunks that had no vector")
        if not wiring.keyword_indexes.current(project):
            wiring.keyword_indexes.refresh(project)
            done.append("rebuilt the keyword index")
        if found.unpurged_erasures and self.purge_erased(project):
            done.append(f"purged the files of {len(found.unpurged_erasures)} erased documents")
        for action in done:
            log.warning("Project '%s': %s.", project, action)
        found.repaired = done
        return found

    def purge_erased(self, project: str) -> bool:
        """Rewrite the files that may still hold erased documents: the vector collection is
        copied afresh (deleted vectors stay in the old one's files) and the database's free
        pages are dropped. The caller holds the project's lock. Returns False when the
        database was busy; the erasure then stays pending for the next write or repair."""
        wiring = self.wiring
        indexed_with = wiring.documents.project_model(project) or wiring.model_id
        wiring.vectors.compact(project, indexed_with)
        if not purge_freed_pages(wiring.documents.engine):
            return False
        wiring.pending_erasures.clear(project)
        return True

    def rebuild_vectors(self, project: str) -> int:
        """Embed every chunk into a staged collection and swap it in once complete; returns the
        chunks embedded. The caller holds the project's lock."""
        wiring = self.wiring
        target = wiring.vectors.new_reindex_target(project, wiring.model_id)
        embedder = wiring.embedder()
        count = 0
        for batch in wiring.documents.iter_chunks(project, batch_size=512):
            target.upsert(batch, embedder.embed_chunks([chunk.text for chunk in batch]))
            count += len(batch)
        wiring.vectors.swap_in_reindexed(project, target)
        wiring.documents.set_project_model(project, wiring.model_id)
        return count

    def _embed(self, project: str, chunk_ids: list[str], index: LazyProjectIndex) -> None:
        embedder = self.wiring.embedder()
        for start in range(0, len(chunk_ids), EMBED_BATCH):
            found = self.wiring.documents.chunks_by_id(
                project, chunk_ids[start : start + EMBED_BATCH]
            )
            chunks = list(found.values())
            index.get().upsert(chunks, embedder.embed_chunks([c.text for c in chunks]))
