"""The vector index: a Chroma collection per project, embedded on disk or on a `chroma run` server.

Embeddings are always computed by pmassist and handed to Chroma, so Chroma never loads (or
downloads) an embedding model of its own. Each collection records the model that built it.

Embedded Chroma keeps each collection's graph in the memory of the process that opened it and
does not notice writes made by another process (a `pmassist ingest` while `pmassist serve`
runs): the stale copy answers with missing vectors or fails, and a write through it would save
the stale graph over the newer one. So every write leaves a stamp beside the store, and a
process whose stamp for a project differs from the one it last saw opens Chroma afresh before
reading or writing that project. Writers of one project are serialized by the project lock.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from assistant.config import Settings
from assistant.domain.errors import EmbeddingModelMismatchError, PmassistError
from assistant.domain.record import Chunk
from assistant.domain.search import FILTER_FIELDS

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

log = logging.getLogger("pmassist")

MODEL_KEY = "embedding_model"
REINDEX_SUFFIX = "--reindex"
# Chroma refuses batches above its max batch size (~5,461 on a local store); stay well below.
WRITE_BATCH = 4000
STAMPS_FOLDER = "pmassist-writes"

Result = TypeVar("Result")


@dataclass(frozen=True)
class VectorHit:
    chunk_id: str
    metadata: dict[str, Any]
    distance: float

    @property
    def similarity(self) -> float:
        """Cosine similarity from Chroma's cosine distance (1 = same direction)."""
        return 1.0 - self.distance


def collection_name(project: str) -> str:
    # Chroma names need 3+ characters; the prefix also keeps pmassist's collections apart.
    return f"pmassist-{project}"


class VectorStore:
    """Opens Chroma lazily: commands that need no vectors never pay for it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Any = None
        self._opening = threading.RLock()
        # The write stamp of each project as it was when this client was opened or last wrote.
        self._seen: dict[str, str] = {}
        self._stamps: Path | None = (
            None if settings.chroma_host else settings.chroma_path / STAMPS_FOLDER
        )

    @property
    def client(self) -> Any:
        if self._client is None:
            # One client per store, whichever thread asks first (a second, racing client on the
            # same folder fails the requests it serves).
            with self._opening:
                if self._client is None:
                    self._seen = self._read_stamps()
                    self._client = _connect(self.settings)
        return self._client

    def open(self) -> None:
        """Connect now rather than on first use."""
        _ = self.client

    # -- writes by other processes -----------------------------------------------------------

    def _read_stamps(self) -> dict[str, str]:
        if self._stamps is None or not self._stamps.is_dir():
            return {}
        return {path.name: _read_text(path) for path in self._stamps.iterdir() if path.is_file()}

    def catch_up(self, project: str) -> None:
        """Reopen Chroma when another process wrote this project since this client looked."""
        if self._stamps is None or self._client is None:
            return
        current = _read_text(self._stamps / project)
        if current != self._seen.get(project, ""):
            self.reopen()

    def reopen(self) -> None:
        """Drop this process's copy of the store and open it again from disk."""
        with self._opening:
            log.info("Reopening the vector store: another process changed it.")
            self._client = None
            _ = self.client

    def wrote(self, project: str) -> None:
        """Record a write to this project, for other processes to notice."""
        if self._stamps is None:
            return
        self._stamps.mkdir(parents=True, exist_ok=True)
        stamp = uuid.uuid4().hex
        staging = self._stamps / f".{project}.{stamp}"
        staging.write_text(stamp, encoding="utf-8")
        staging.replace(self._stamps / project)
        self._seen[project] = stamp

    def reading(self, project: str, read: Callable[[], Result]) -> Result:
        """Run a read; if another process's write got in between, reopen and read once more."""
        self.catch_up(project)
        try:
            return read()
        except Exception as error:
            if self._stamps is None or not _is_chroma_error(error):
                raise
            log.info("Vector read failed (%s); reading again from a fresh copy.", error)
            self.reopen()
            return read()

    # -- collections ------------------------------------------------------------------------

    def project_index(self, project: str, model_id: str, create: bool = True) -> ProjectIndex:
        """The project's collection; refuses one built with a different embedding model."""
        self.catch_up(project)
        name = collection_name(project)
        self._finish_interrupted_reindex(project)
        if not self._exists(name):
            if not create:
                raise PmassistError(f"Project '{project}' has no vector index yet; ingest first.")
            self._create(project, name, {MODEL_KEY: model_id})
        else:
            collection = self.client.get_collection(name, embedding_function=None)
            indexed_with = (collection.metadata or {}).get(MODEL_KEY)
            if indexed_with != model_id:
                raise EmbeddingModelMismatchError(project, str(indexed_with), model_id)
        return ProjectIndex(self, project, name)

    def new_reindex_target(self, project: str, model_id: str) -> ProjectIndex:
        self.catch_up(project)
        name = collection_name(project) + REINDEX_SUFFIX
        self._drop(project, name)
        self._create(project, name, {MODEL_KEY: model_id, "complete": False})
        return ProjectIndex(self, project, name)

    def swap_in_reindexed(self, project: str, target: ProjectIndex) -> None:
        """Replace the project's collection with a fully built reindex target."""
        metadata = dict(target.collection.metadata or {})
        metadata["complete"] = True
        target.collection.modify(metadata=metadata)
        self.wrote(project)
        self._finish_interrupted_reindex(project)
        self.purge_files()

    def _finish_interrupted_reindex(self, project: str) -> None:
        """A staged copy marked complete replaces the live collection. An incomplete one may be a
        reindex still running, so it is left alone (the next reindex starts it afresh)."""
        name = collection_name(project)
        staged_name = name + REINDEX_SUFFIX
        if not self._exists(staged_name):
            return
        staged = self.client.get_collection(staged_name, embedding_function=None)
        metadata = dict(staged.metadata or {})
        if not metadata.pop("complete", False):
            return
        if self._exists(name):
            self.client.delete_collection(name)
        staged.modify(name=name, metadata=metadata)
        self.wrote(project)

    def _exists(self, name: str) -> bool:
        return name in {collection.name for collection in self.client.list_collections()}

    def _create(self, project: str, name: str, metadata: dict[str, Any]) -> None:
        self.client.create_collection(
            name,
            embedding_function=None,
            metadata=metadata,
            configuration={"hnsw": {"space": "cosine"}},
        )
        self.wrote(project)

    def _drop(self, project: str, name: str) -> None:
        if self._exists(name):
            self.client.delete_collection(name)
            self.wrote(project)

    def abandoned_reindex(self, project: str) -> bool:
        """A staged copy left by a reindex that did not finish (only the holder of the
        project's lock may call it abandoned: a running reindex holds that lock)."""
        self.catch_up(project)
        return self._exists(collection_name(project) + REINDEX_SUFFIX)

    def compact(self, project: str, model_id: str) -> None:
        """Copy the project's vectors into a fresh collection and swap it in: a deleted vector
        stays in the files of the collection it was deleted from, so after an erasure the old
        collection goes, with its files (`purge_files`)."""
        self.catch_up(project)
        if not self._exists(collection_name(project)):
            return
        live = self.project_index(project, model_id, create=False)
        target = self.new_reindex_target(project, model_id)
        live.copy_to(target)
        self.swap_in_reindexed(project, target)

    def purge_files(self) -> None:
        """Remove what embedded Chroma leaves on disk after deletions: the folders of deleted
        collections (Chroma keeps them) and the free pages of its database."""
        if self._stamps is None:
            return  # a Chroma server keeps its own files
        folder = self.settings.chroma_path
        # Folders first, then the live segments: a folder created meanwhile has its row already.
        candidates = [path for path in folder.iterdir() if path.is_dir() and _is_uuid(path.name)]
        database = folder / "chroma.sqlite3"
        if not database.exists():
            return
        with contextlib.closing(sqlite3.connect(database, timeout=30)) as connection:
            live = {str(row[0]) for row in connection.execute("SELECT id FROM segments")}
            for path in candidates:
                if path.name not in live:
                    shutil.rmtree(path, ignore_errors=True)
            connection.execute("VACUUM")

    def drop_abandoned_reindex(self, project: str) -> None:
        self.catch_up(project)
        self._finish_interrupted_reindex(project)
        self._drop(project, collection_name(project) + REINDEX_SUFFIX)
        self.purge_files()


class ProjectIndex:
    """One project's vectors. Every call goes through the store, which reopens Chroma first
    when another process wrote the project."""

    def __init__(self, store: VectorStore, project: str, name: str) -> None:
        self.store = store
        self.project = project
        self.name = name

    @property
    def collection(self) -> Any:
        return self.store.client.get_collection(self.name, embedding_function=None)

    def count(self) -> int:
        return int(self.store.reading(self.project, lambda: self.collection.count()))

    def ids(self) -> set[str]:
        """Every vector id in the collection."""

        def read() -> set[str]:
            collection = self.collection
            found: set[str] = set()
            offset = 0
            while True:
                page = collection.get(include=[], limit=WRITE_BATCH, offset=offset)
                found.update(page["ids"])
                if len(page["ids"]) < WRITE_BATCH:
                    return found
                offset += WRITE_BATCH

        return self.store.reading(self.project, read)

    def holds_text(self) -> bool:
        """Whether vectors carry their chunk's text (indexes built by versions before 0.2 did;
        the text is read from the relational store, and erasure must not leave a copy)."""
        page = self.store.reading(
            self.project, lambda: self.collection.get(include=["documents"], limit=1)
        )
        return any(page.get("documents") or [])

    def upsert(self, chunks: Sequence[Chunk], embeddings: NDArray[np.float32]) -> None:
        self.store.catch_up(self.project)
        collection = self.collection
        for start in range(0, len(chunks), WRITE_BATCH):
            batch = chunks[start : start + WRITE_BATCH]
            # No text and no titles: the relational store holds those, and an erased document
            # must leave no copy in Chroma's files. Only what filters need goes with a vector.
            collection.upsert(
                ids=[chunk.id for chunk in batch],
                embeddings=embeddings[start : start + WRITE_BATCH],
                metadatas=[_vector_metadata(chunk) for chunk in batch],
            )
        self.store.wrote(self.project)

    def copy_to(self, target: ProjectIndex) -> None:
        """Every vector, with its filter fields, into another collection."""
        source, copy = self.collection, target.collection
        offset = 0
        while True:
            page = source.get(include=["embeddings", "metadatas"], limit=WRITE_BATCH, offset=offset)
            if page["ids"]:
                copy.upsert(
                    ids=page["ids"], embeddings=page["embeddings"], metadatas=page["metadatas"]
                )
            if len(page["ids"]) < WRITE_BATCH:
                break
            offset += WRITE_BATCH
        self.store.wrote(target.project)

    def embeddings(self, chunk_ids: Sequence[str]) -> dict[str, NDArray[np.float32]]:
        """The stored vectors of these chunks (for scoring chunks found by keyword search)."""
        import numpy as np

        if not chunk_ids:
            return {}
        result = self.store.reading(
            self.project,
            lambda: self.collection.get(ids=list(chunk_ids), include=["embeddings"]),
        )
        return {
            chunk_id: np.asarray(vector, dtype=np.float32)
            for chunk_id, vector in zip(result["ids"], result["embeddings"], strict=True)
        }

    def delete(self, chunk_ids: Sequence[str]) -> None:
        ids = list(chunk_ids)
        if not ids:
            return
        self.store.catch_up(self.project)
        collection = self.collection
        for start in range(0, len(ids), WRITE_BATCH):
            collection.delete(ids=ids[start : start + WRITE_BATCH])
        self.store.wrote(self.project)

    def query(
        self, embedding: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[VectorHit]:
        if k <= 0:
            return []
        # An empty collection simply returns no ids (no count() first: it scans the collection).
        result = self.store.reading(
            self.project,
            lambda: self.collection.query(
                query_embeddings=[list(embedding)],
                n_results=k,
                where=where,
                include=["metadatas", "distances"],
            ),
        )
        ids = result["ids"][0]
        return [
            VectorHit(
                chunk_id=chunk_id,
                metadata=dict(result["metadatas"][0][i] or {}),
                distance=float(result["distances"][0][i]),
            )
            for i, chunk_id in enumerate(ids)
        ]


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def _is_uuid(name: str) -> bool:
    try:
        uuid.UUID(name)
    except ValueError:
        return False
    return True


def _is_chroma_error(error: Exception) -> bool:
    from chromadb.errors import ChromaError

    return isinstance(error, ChromaError)


def _vector_metadata(chunk: Chunk) -> dict[str, Any]:
    # Chroma rejects None values; an absent key simply never matches a filter.
    return {
        key: chunk.metadata[key] for key in FILTER_FIELDS if chunk.metadata.get(key) is not None
    }


def _connect(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        try:
            client = chromadb.HttpClient(
                host=settings.chroma_host,
                port=settings.chroma_port,
                ssl=settings.chroma_ssl,
                settings=chroma_settings,
            )
            client.heartbeat()
        except Exception as error:  # connection errors differ by transport
            raise PmassistError(
                f"Cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port} "
                f"({error}). Start it with `chroma run --path DIR --host HOST --port PORT`, or "
                "unset CHROMA_HOST to use the embedded store."
            ) from error
        return client
    from chromadb.api.shared_system_client import SharedSystemClient

    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    # Chroma shares one open copy per folder within a process; a reopen must read the disk
    # afresh, so the shared copy is let go first (clients still holding it keep working).
    SharedSystemClient._identifier_to_system.pop(str(settings.chroma_path), None)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
