"""Incremental, idempotent ingest of a project's files into the relational store and Chroma.

- A file whose bytes (and the settings that shape its chunks) are unchanged is not even parsed.
- A document whose content hash is unchanged is not re-embedded.
- A changed document is replaced all-or-nothing: its new vectors are written under new ids, the
  relational store switches to them in one transaction, then the old vectors are removed. Every
  vector write is announced first, so a crash at any point is repaired by the next run.
- `prune` removes documents that are no longer in the given paths; without it they are reported.
- A file found in a folder whose type no loader reads (an image, a script, a LICENSE) is listed as
  skipped, as is a file a loader finds nothing to read in; neither is a failure. A file named on
  its own that no loader reads is an error: the person asked for it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.domain.errors import EmbeddingModelMismatchError, InvalidInputError
from assistant.domain.ingest import (
    IngestProgress,
    IngestSummary,
    LoadFailure,
    SilentProgress,
    SkippedFile,
)
from assistant.domain.record import Kind, StatusCategory
from assistant.embeddings import Embedder
from assistant.store.documents import (
    DocumentStore,
    DocumentWrite,
    SourceFileState,
    StoredDocumentState,
)
from assistant.store.vectors import ProjectIndex, VectorStore
from ingest.chunking import Chunker
from ingest.loaders import LOADER_VERSION, load_file, supported_extensions
from ingest.loaders.base import LoaderOptions, SourceFile, content_hash
from ingest.loaders.boilerplate import SeriesBook
from ingest.loaders.files import SkippedLoad

IGNORED_FILE_NAMES = {"thumbs.db", "desktop.ini"}
# Documents are embedded and written in groups of about this many chunks.
WRITE_BATCH_CHUNKS = 512


@dataclass
class _ReadPlan:
    seen: dict[str, str] = field(default_factory=dict)  # document id -> file it came from
    writes: list[DocumentWrite] = field(default_factory=list)
    read_files: dict[str, SourceFileState] = field(default_factory=dict)
    failed_files: set[str] = field(default_factory=set)


class LazyProjectIndex:
    """Opens the project's collection on first use, so a no-op ingest never touches Chroma."""

    def __init__(self, open_index: Callable[[], ProjectIndex]) -> None:
        self._open = open_index
        self._index: ProjectIndex | None = None

    def get(self) -> ProjectIndex:
        if self._index is None:
            self._index = self._open()
        return self._index


class IngestPipeline:
    def __init__(
        self,
        *,
        store: DocumentStore,
        vectors: VectorStore,
        embedder: Callable[[], Embedder],
        model_id: str,
        chunker: Chunker,
        status_map: dict[str, StatusCategory] | None = None,
        jira_browse_url: str | None = None,
    ) -> None:
        self.store = store
        self.vectors = vectors
        self.embedder = embedder
        self.model_id = model_id
        self.chunker = chunker
        self.status_map = status_map or {}
        self.jira_browse_url = jira_browse_url

    def run(
        self,
        paths: Sequence[Path],
        project: str,
        *,
        kind: Kind | None = None,
        prune: bool = False,
        progress: IngestProgress | None = None,
    ) -> IngestSummary:
        started = time.perf_counter()
        progress = progress or SilentProgress()
        files = discover_files(paths)
        roots = [Path(path).resolve() for path in paths]
        indexed_with = self.store.project_model(project)
        if indexed_with is not None and indexed_with != self.model_id:
            raise EmbeddingModelMismatchError(project, indexed_with, self.model_id)
        self.store.ensure_project(project, self.model_id)
        index = LazyProjectIndex(lambda: self.vectors.project_index(project, self.model_id))
        repair_vector_writes(self.store, index, project)

        options = LoaderOptions(project, kind, self.status_map, self.jira_browse_url)
        signature = "|".join(
            [
                LOADER_VERSION,
                self.chunker.LAYOUT,
                options.signature(),
                str(self.chunker.max_tokens),
                self.chunker.counter.encoding_name,
                str(self.chunker.counter.exact),
            ]
        )
        stored = self.store.document_states(project)
        stored_files = self.store.source_file_states(project)
        summary = IngestSummary(project=project, files=len(files))
        progress.files_found(len(files))

        plan = self._read(files, options, signature, stored, stored_files, summary, progress)
        self._write(project, plan.writes, index, progress, summary)

        # Documents from these paths that this run did not see are gone from the source. A file
        # that failed is left alone: its missing documents may just be the rows that failed.
        gone = [
            doc_id
            for doc_id, state in stored.items()
            if doc_id not in plan.seen
            and _is_under(state.source_file, roots)
            and state.source_file not in plan.failed_files
        ]
        vanished_files = [
            path for path in stored_files if _is_under(path, roots) and not Path(path).exists()
        ]
        if prune:
            if gone:
                removal, chunk_ids = self.store.remove_documents(project, gone)
                if removal is not None:
                    index.get().delete(chunk_ids)
                    self.store.clear_vector_write(removal)
            summary.removed = gone
        else:
            summary.stale = gone
        self.store.record_source_files(project, plan.read_files, vanished_files if prune else ())
        self.store.mark_ingested(project)
        summary.seconds = time.perf_counter() - started
        return summary

    def _read(
        self,
        files: list[tuple[Path, Path]],
        options: LoaderOptions,
        signature: str,
        stored: dict[str, StoredDocumentState],
        stored_files: dict[str, SourceFileState],
        summary: IngestSummary,
        progress: IngestProgress,
    ) -> _ReadPlan:
        """Read what changed, decide per document, and chunk what must be written."""
        plan = _ReadPlan()
        readable = supported_extensions()
        series = SeriesBook()
        for path, root in files:
            key = str(path)
            display = display_path(path, root)
            if path != root and path.suffix.lower() not in readable:
                summary.skipped_files.append(
                    SkippedFile(display, unread_type_reason(path), unread_type=True)
                )
                progress.file_read(display)
                continue
            try:
                # What the file's folder repeats changes how the file reads (boilerplate is not
                # an action), so it is part of the file's fingerprint.
                file_options = series.options_for(path, options)
                boilerplate = "\n".join(sorted(file_options.boilerplate))
                fingerprint = _fingerprint(path, signature + boilerplate, display)
            except OSError as error:
                # Unreadable (permissions, a file that vanished, a broken link): this file's
                # failure, and the run goes on with the others.
                summary.failures.append(LoadFailure(display, f"cannot read the file: {error}"))
                plan.failed_files.add(key)
                progress.file_read(display)
                continue
            previous = stored_files.get(key)
            if (
                previous is not None
                and previous.fingerprint == fingerprint
                and all(d in stored and d not in plan.seen for d in previous.document_ids)
            ):
                plan.seen.update(dict.fromkeys(previous.document_ids, display))
                summary.unchanged += len(previous.document_ids)
                summary.files_unchanged += 1
                progress.file_read(display)
                continue

            result = load_file(SourceFile(path, display), file_options)
            if isinstance(result, SkippedLoad):
                # Not recorded as read: it is listed again on every run, until it is removed
                # or exported with what pmassist needs.
                summary.skipped_files.append(SkippedFile(display, result.reason))
                progress.file_read(display)
                continue
            summary.failures.extend(result.failures)
            summary.warnings.extend(result.warnings)
            summary.skipped_items += result.skipped
            file_ok = not result.failures
            document_ids: list[str] = []
            for loaded in result.documents:
                document = loaded.document
                if document.id in plan.seen:
                    summary.failures.append(
                        LoadFailure(
                            display,
                            f"document id '{document.id}' also comes from "
                            f"{plan.seen[document.id]}; only the first was ingested",
                        )
                    )
                    file_ok = False
                    continue
                plan.seen[document.id] = display
                document_ids.append(document.id)
                document.content_hash = content_hash(
                    document, loaded.sections, layout=self.chunker.LAYOUT
                )
                before = stored.get(document.id)
                if (
                    before is not None
                    and before.content_hash == document.content_hash
                    and before.source_file == key
                ):
                    summary.unchanged += 1
                    continue
                plan.writes.append(DocumentWrite(document, key, self.chunker.chunk(loaded)))
                (summary.updated if before is not None else summary.added).append(document.id)
            if file_ok:
                plan.read_files[key] = SourceFileState(fingerprint, tuple(document_ids))
            else:
                plan.failed_files.add(key)
            progress.file_read(display)
        return plan

    def _write(
        self,
        project: str,
        writes: list[DocumentWrite],
        index: LazyProjectIndex,
        progress: IngestProgress,
        summary: IngestSummary,
    ) -> None:
        progress.embedding_planned(sum(len(write.chunks) for write in writes))
        if not writes:
            return
        embedder = self.embedder()
        embedder.load()
        for batch in _batches(writes, WRITE_BATCH_CHUNKS):
            chunks = [chunk for write in batch for chunk in write.chunks]
            began = time.perf_counter()
            embeddings = embedder.embed_chunks([chunk.text for chunk in chunks])
            summary.embed_seconds += time.perf_counter() - began
            intent = self.store.announce_vector_write(project, "upsert", [c.id for c in chunks])
            if chunks:
                index.get().upsert(chunks, embeddings)
            removal, stale_ids = self.store.commit_documents(project, batch, intent)
            if removal is not None:
                index.get().delete(stale_ids)
                self.store.clear_vector_write(removal)
            summary.chunks_written += len(chunks)
            progress.chunks_embedded(len(chunks))


def repair_vector_writes(store: DocumentStore, index: LazyProjectIndex, project: str) -> int:
    """Finish what a crashed run left: drop vectors never committed, or never deleted.

    A vector the manifest holds now is never dropped, whatever the announcement says: the same
    document read again (from a moved copy of the record, say) announces the very ids it
    already has, and a crash before its commit must not take them away."""
    pending = store.pending_vector_writes(project)
    for write in pending:
        live = store.existing_chunk_ids(project, write.chunk_ids)
        dead = [chunk_id for chunk_id in write.chunk_ids if chunk_id not in live]
        if dead:
            index.get().delete(dead)
        store.clear_vector_write(write.id)
    return len(pending)


def discover_files(paths: Sequence[Path]) -> list[tuple[Path, Path]]:
    """Every file under the given paths, with the root it was found under, in a stable order."""
    if not paths:
        raise InvalidInputError("Give at least one file or folder to ingest.")
    found: list[tuple[Path, Path]] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise InvalidInputError(f"No such file or folder: {given}")
        root = path.resolve()
        if root.is_file():
            found.append((root, root))
            continue
        for candidate in sorted(root.rglob("*")):
            relative = candidate.relative_to(root)
            if not candidate.is_file() or any(part.startswith(".") for part in relative.parts):
                continue
            if candidate.name.startswith("~$") or candidate.name.lower() in IGNORED_FILE_NAMES:
                continue  # Office lock files and OS clutter
            found.append((candidate, root))
    if not found:
        raise InvalidInputError(
            "No files found in " + ", ".join(str(p) for p in paths) + " (hidden files are skipped)."
        )
    unique: dict[Path, tuple[Path, Path]] = {}
    for path, root in found:
        unique.setdefault(path, (path, root))
    return list(unique.values())


def unread_type_reason(path: Path) -> str:
    """Why a file found in a folder is left out: no loader reads its type."""
    if not path.suffix:
        return "pmassist does not read files without an extension"
    return f"pmassist does not read {path.suffix.lower()} files"


def display_path(path: Path, root: Path) -> str:
    """How a file is shown in citations: relative to the folder ingested, that folder included
    (so the same folder gives the same paths whatever the working directory)."""
    if path == root:
        return path.name
    return (Path(root.name) / path.relative_to(root)).as_posix()


def _fingerprint(path: Path, signature: str, display: str) -> str:
    digest = hashlib.sha256()
    digest.update(signature.encode())
    digest.update(display.encode())
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_under(path: str, roots: list[Path]) -> bool:
    candidate = Path(path)
    return any(candidate == root or root in candidate.parents for root in roots)


def _batches(writes: list[DocumentWrite], limit: int) -> Iterator[list[DocumentWrite]]:
    batch: list[DocumentWrite] = []
    size = 0
    for write in writes:
        if batch and size + len(write.chunks) > limit:
            yield batch
            batch, size = [], 0
        batch.append(write)
        size += len(write.chunks)
    if batch:
        yield batch
