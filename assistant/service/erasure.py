"""Erasing one document everywhere pmassist keeps it.

In this order, so that a crash at any point leaves the document erasable by running `forget`
again: saved answers that quote it are redacted and the register drops it as evidence (both
while the document still exists), then its rows and vectors go, then the files that may still
hold copies are rewritten (the vector collection, the database's free pages). Report drafts
that quote it are listed for the PM, who redacts them (`pmassist drafts redact`). An uploaded
file that held only this document is deleted with it.
"""

from __future__ import annotations

from pathlib import Path

from assistant.domain.errors import UnknownDocumentError
from assistant.domain.ingest import ErasureSummary
from assistant.review.erasure import answer_without
from assistant.service.consistency import ConsistencyCheck
from assistant.service.wiring import Wiring
from ingest.pipeline import LazyProjectIndex


def erase_document(
    wiring: Wiring, consistency: ConsistencyCheck, project: str, document_id: str
) -> ErasureSummary:
    wiring.require_project(project)
    documents = wiring.documents
    summary = ErasureSummary(project, document_id)
    with consistency.writing(project, "forget") as finished_interrupted:
        document = documents.document(project, document_id)
        if document is None:
            if not finished_interrupted:
                raise UnknownDocumentError(project, document_id)
            summary.finished_interrupted = True
            summary.drafts_quoting = wiring.drafts.reports_quoting(project, document_id)
            return summary
        wiring.pending_erasures.add(project, document_id)
        summary.answers_redacted = _redact_answers(wiring, project, document_id)
        summary.risk_entries = wiring.risk_register.drop_evidence_of(
            project, document_id, actor="pmassist (forget)"
        )
        summary.drafts_quoting = wiring.drafts.reports_quoting(project, document_id)
        # Erasure must work whatever model is configured now: open the index as built.
        indexed_with = documents.project_model(project) or wiring.model_id
        index = LazyProjectIndex(lambda: wiring.vectors.project_index(project, indexed_with))
        source_file = documents.document_source_file(project, document_id)
        removal, chunk_ids = documents.remove_documents(project, [document_id])
        if removal is not None:
            index.get().delete(chunk_ids)
            documents.clear_vector_write(removal)
        summary.chunks = len(chunk_ids)
        wiring.keyword_indexes.refresh(project)
        if source_file is not None:
            _erase_upload(wiring, project, Path(source_file), summary)
        summary.purged = consistency.purge_erased(project)
    return summary


def _redact_answers(wiring: Wiring, project: str, document_id: str) -> int:
    redacted = [
        rewritten
        for answer in wiring.conversations.answers_citing(project, document_id)
        if (rewritten := answer_without(answer, document_id)) is not None
    ]
    wiring.conversations.rewrite(redacted)
    return len(redacted)


def _erase_upload(wiring: Wiring, project: str, source: Path, summary: ErasureSummary) -> None:
    """An uploaded file lives in the data folder: it goes when it held only this document; one
    that holds others too (a ticket export) is named for the PM to edit and upload again."""
    uploads = (wiring.settings.uploads_path / project).resolve()
    if uploads not in source.parents:
        return  # the PM's own folder: theirs to edit (the CLI says so)
    if wiring.documents.documents_from_files(project).get(str(source)):
        summary.upload_still_holding = source.name
        return
    source.unlink(missing_ok=True)
    summary.upload_removed = source.name
