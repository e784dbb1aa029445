"""The vector index: a Chroma collection per project, embedded on disk or on a `chroma run` server.

Embeddings are always computed by pmassist and handed to Chroma, so Chroma never loads (or
downloads) an embedding model of its own. Each collection records the model that built it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
        self._opening = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            # One client per store, whichever thread asks first (a second, racing client on the
            # same folder fails the requests it serves).
            with self._opening:
                if self._client is None:
                    self._client = _connect(self.settings)
        return self._client

    def open(self) -> None:
        """Connect now rather than on first use."""
        _ = self.client

    def project_index(self, project: str, model_id: str, create: bool = True) -> ProjectIndex:
        """The project's collection; refuses one built with a different embedding model."""
        name = collection_name(project)
        self._finish_interrupted_reindex(name)
        existing = {collection.name for collection in self.client.list_collections()}
        if name not in existing:
            if not create:
                raise PmassistError(f"Project '{project}' has no vector index yet; ingest first.")
            collection = self.client.create_collection(
                name,
                embedding_function=None,
                metadata={MODEL_KEY: model_id},
                configuration={"hnsw": {"space": "cosine"}},
            )
        else:
            collection = self.client.get_collection(name, embedding_function=None)
            indexed_with = (collection.metadata or {}).get(MODEL_KEY)
            if indexed_with != model_id:
                raise EmbeddingModelMismatchError(project, str(indexed_with), model_id)
        return ProjectIndex(collection)

    def new_reindex_target(self, project: str, model_id: str) -> ProjectIndex:
        name = collection_name(project) + REINDEX_SUFFIX
        self._drop(name)
        collection = self.client.create_collection(
            name,
            embedding_function=None,
            metadata={MODEL_KEY: model_id, "complete": False},
            configuration={"hnsw": {"space": "cosine"}},
        )
        return ProjectIndex(collection)

    def swap_in_reindexed(self, project: str, target: ProjectIndex) -> None:
        """Replace the project's collection with a fully built reindex target."""
        metadata = dict(target.collection.metadata or {})
        metadata["complete"] = True
        target.collection.modify(metadata=metadata)
        self._finish_interrupted_reindex(collection_name(project))

    def _finish_interrupted_reindex(self, name: str) -> None:
        """A staged copy marked complete replaces the live collection. An incomplete one may be a
        reindex still running, so it is left alone (the next reindex starts it afresh)."""
        names = {collection.name for collection in self.client.list_collections()}
        staged_name = name + REINDEX_SUFFIX
        if staged_name not in names:
            return
        staged = self.client.get_collection(staged_name, embedding_function=None)
        metadata = dict(staged.metadata or {})
        if not metadata.pop("complete", False):
            return
        if name in names:
            self.client.delete_collection(name)
        staged.modify(name=name, metadata=metadata)

    def _drop(self, name: str) -> None:
        if name in {collection.name for collection in self.client.list_collections()}:
            self.client.delete_collection(name)

    def drop_project(self, project: str) -> None:
        self._drop(collection_name(project))

    def abandoned_reindex(self, project: str) -> bool:
        """A staged copy left by a reindex that did not finish (only the holder of the
        project's lock may call it abandoned: a running reindex holds that lock)."""
        staged = collection_name(project) + REINDEX_SUFFIX
        return staged in {collection.name for collection in self.client.list_collections()}

    def drop_abandoned_reindex(self, project: str) -> None:
        self._finish_interrupted_reindex(collection_name(project))
        self._drop(collection_name(project) + REINDEX_SUFFIX)


class ProjectIndex:
    def __init__(self, collection: Any) -> None:
        self.collection = collection

    @property
    def model_id(self) -> str:
        return str((self.collection.metadata or {}).get(MODEL_KEY))

    def count(self) -> int:
        return int(self.collection.count())

    def ids(self) -> set[str]:
        """Every vector id in the collection."""
        found: set[str] = set()
        offset = 0
        while True:
            page = self.collection.get(include=[], limit=WRITE_BATCH, offset=offset)
            found.update(page["ids"])
            if len(page["ids"]) < WRITE_BATCH:
                return found
            offset += WRITE_BATCH

    def holds_text(self) -> bool:
        """Whether vectors carry their chunk's text (indexes built by versions before 0.2 did;
        the text is read from the relational store, and erasure must not leave a copy)."""
        page = self.collection.get(include=["documents"], limit=1)
        return any(page.get("documents") or [])

    def upsert(self, chunks: Sequence[Chunk], embeddings: NDArray[np.float32]) -> None:
        for start in range(0, len(chunks), WRITE_BATCH):
            batch = chunks[start : start + WRITE_BATCH]
            # No text and no titles: the relational store holds those, and an erased document
            # must leave no copy in Chroma's files. Only what filters need goes with a vector.
            self.collection.upsert(
                ids=[chunk.id for chunk in batch],
                embeddings=embeddings[start : start + WRITE_BATCH],
                metadatas=[_vector_metadata(chunk) for chunk in batch],
            )

    def embeddings(self, chunk_ids: Sequence[str]) -> dict[str, NDArray[np.float32]]:
        """The stored vectors of these chunks (for scoring chunks found by keyword search)."""
        import numpy as np

        if not chunk_ids:
            return {}
        result = self.collection.get(ids=list(chunk_ids), include=["embeddings"])
        return {
            chunk_id: np.asarray(vector, dtype=np.float32)
            for chunk_id, vector in zip(result["ids"], result["embeddings"], strict=True)
        }

    def delete(self, chunk_ids: Sequence[str]) -> None:
        ids = list(chunk_ids)
        for start in range(0, len(ids), WRITE_BATCH):
            self.collection.delete(ids=ids[start : start + WRITE_BATCH])

    def query(
        self, embedding: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[VectorHit]:
        if k <= 0:
            return []
        # An empty collection simply returns no ids (no count() first: it scans the collection).
        result = self.collection.query(
            query_embeddings=[list(embedding)],
            n_results=k,
            where=where,
            include=["metadatas", "distances"],
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
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
