"""Which copy of the bundled model embeds the record's chunks: the fastest one this CPU runs
that agrees with the float model (`fidelity.py`).

In order: the bfloat16 copy on CPUs that multiply bfloat16 in hardware (`bf16.py`), the int8
ONNX copy (`int8.py`), the float model. Questions and the passages an answer quotes are always
the float model's.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.domain.errors import EmbeddingError
from assistant.embeddings import LOCAL_MODEL_ID, Embedder, LocalMiniLMEmbedder
from assistant.embeddings.bf16 import Bf16MiniLMEmbedder, cpu_multiplies_bf16, prepare_bf16
from assistant.embeddings.int8 import OnnxMiniLMEmbedder, prepare_int8

if TYPE_CHECKING:
    from numpy.typing import NDArray

log = logging.getLogger("pmassist")

ChunkModel = Bf16MiniLMEmbedder | OnnxMiniLMEmbedder | LocalMiniLMEmbedder


class ChunksMiniLM(Embedder):
    """The bundled model with a faster copy for the record's chunks and the float model for
    everything read while a PM waits (questions, the answer's passages, risk matching).

    Ingest is where the time goes (hours of text, once); a question is one short text. The
    copy's vectors sit within the fidelity bound of the float model's, so retrieval finds what
    it found; the passages an answer quotes are still scored by the float model, where the int8
    copy would turn near-ties the other way (measured: answer fact recall on the real records'
    questions 0.68 with int8 everywhere, 0.70 on PyTorch).

    The copy is made ready when chunks are first embedded, never on a question's path."""

    model_id = LOCAL_MODEL_ID

    def __init__(self, cache: Path, reading: LocalMiniLMEmbedder, backend: str = "auto") -> None:
        self.cache = cache
        self.reading = reading
        self.backend = backend
        self._chunks: ChunkModel | None = None
        self._lock = threading.Lock()

    @property
    def chunks(self) -> ChunkModel:
        """The model that embeds chunks (with backend auto, the float model when no copy can
        be used; with bf16 or onnx, the reason is raised)."""
        with self._lock:
            if self._chunks is None:
                self._chunks = chunk_model(self.cache, self.reading, self.backend)
            return self._chunks

    def load(self) -> None:
        self.chunks.load()  # the float model loads when first asked to read

    def embed_chunks(self, texts: list[str]) -> NDArray[np.float32]:
        return self.chunks.embed_texts(texts)

    def embed_texts(self, texts: list[str]) -> NDArray[np.float32]:
        return self.reading.embed_texts(texts)


def fastest_local_embedder(
    cache: Path, batch_size: int, backend: str = "auto"
) -> ChunksMiniLM | LocalMiniLMEmbedder:
    """The bundled model: with a faster copy for chunks unless backend is "torch"."""
    float_model = LocalMiniLMEmbedder(batch_size=batch_size)
    if backend == "torch":
        return float_model
    return ChunksMiniLM(cache, float_model, backend)


def chunk_model(cache: Path, float_model: LocalMiniLMEmbedder, backend: str) -> ChunkModel:
    """The copy `backend` asks for: "bf16" or "onnx" that copy or an error naming why not;
    "auto" the first of bfloat16 (on CPUs with AMX), int8, float that can be used."""
    if backend == "bf16" or (backend == "auto" and cpu_multiplies_bf16()):
        try:
            return prepare_bf16(cache, float_model)
        except EmbeddingError as error:
            if backend == "bf16":
                raise
            log.warning("%s; trying the int8 copy", error.message)
    return int8_or_float(cache, float_model, backend)


def int8_or_float(
    cache: Path, float_model: LocalMiniLMEmbedder, backend: str
) -> OnnxMiniLMEmbedder | LocalMiniLMEmbedder:
    """The int8 copy when it passes its fidelity check; otherwise, with backend "auto", the
    float model and a warning; with "onnx", an error naming why the copy cannot be used."""
    try:
        model_file, report = prepare_int8(cache, float_model)
    except EmbeddingError as error:
        if backend == "onnx":
            raise
        log.warning("%s; using the PyTorch model", error.message)
        return float_model
    if not report.passed:
        message = f"The int8 embedding model failed its fidelity check: {report.describe()}"
        if backend == "onnx":
            raise EmbeddingError(message)
        log.warning("%s; using the PyTorch model", message)
        return float_model
    return OnnxMiniLMEmbedder(model_file)
