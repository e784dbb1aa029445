"""The vector index: a Chroma collection per project, embedded on disk or on a `chroma run` server.

Embeddings are always computed by pmassist and handed to Chroma, so Chroma never loads (or
downloads) an embedding model of its own. Each collection records the model that built it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.config import Settings
from assistant.domain.errors import EmbeddingModelMismatchError, PmassistError
from assistant.domain.record import Chunk

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
    text: str
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

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = _connect(self.settings)
        return self._client

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


class ProjectIndex:
    def __init__(self, collection: Any) -> None:
        self.collection = collection

    @property
    def model_id(self) -> str:
        return str((self.collection.metadata or {}).get(MODEL_KEY))

    def count(self) -> int:
        return int(self.collection.count())

    def upsert(self, chunks: Sequence[Chunk], embeddings: NDArray[np.float32]) -> None:
        for start in range(0, len(chunks), WRITE_BATCH):
            batch = chunks[start : start + WRITE_BATCH]
            self.collection.upsert(
                ids=[chunk.id for chunk in batch],
                embeddings=embeddings[start : start + WRITE_BATCH],
                documents=[chunk.text for chunk in batch],
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
            include=["documents", "metadatas", "distances"],
        )
        ids = result["ids"][0]
        return [
            VectorHit(
                chunk_id=chunk_id,
                text=result["documents"][0][i] or "",
                metadata=dict(result["metadatas"][0][i] or {}),
                distance=float(result["distances"][0][i]),
            )
            for i, chunk_id in enumerate(ids)
        ]


def _vector_metadata(chunk: Chunk) -> dict[str, Any]:
    metadata: dict[str, Any] = {"document_id": chunk.document_id, "locator": chunk.locator.label()}
    # Chroma rejects None values; an absent key simply never matches a filter.
    metadata.update({key: value for key, value in chunk.metadata.items() if value is not None})
    return metadata


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
