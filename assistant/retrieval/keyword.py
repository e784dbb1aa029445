"""BM25 keyword search over a project's chunks (bm25s), one index per project.

The index is derived data: it is rebuilt from the relational store whenever the project's
generation (bumped by every chunk change) differs from the one it was built from, and saved under
`PMASSIST_HOME/bm25/<project>/` so the next process can load it instead of rebuilding.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from assistant.domain.search import FILTER_FIELDS
from assistant.store.documents import DocumentStore

log = logging.getLogger("pmassist")

INDEX_FORMAT = 2
# Lucene's BM25 defaults; chunks are short and of similar length, so length normalisation (b)
# matters little.
BM25_K1 = 1.2
BM25_B = 0.75


@dataclass(frozen=True)
class KeywordHit:
    chunk_id: str
    score: float
    date: int | None = None


# Identifiers (HBR-100, CR-3, ADR-0005, PF-CASE-88213) stay one token: split into "hbr" and
# "100" they would match every ticket and every number.
IDENTIFIER = r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*-\d+"
TOKEN_PATTERN = rf"(?u)\b{IDENTIFIER}\b|\b\w\w+\b"


def _parameters() -> dict[str, Any]:
    return {"k1": BM25_K1, "b": BM25_B, "tokens": TOKEN_PATTERN}


def _bm25s() -> Any:
    import bm25s

    # bm25s sets its own logger to DEBUG, which would print through any application handler.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str], *, return_ids: bool = True) -> Any:
    return _bm25s().tokenize(
        texts,
        stopwords="en",
        stemmer=_stemmer(),
        token_pattern=TOKEN_PATTERN,
        return_ids=return_ids,
        show_progress=False,
    )


class KeywordIndex:
    def __init__(
        self, retriever: Any, chunk_ids: list[str], metadata: list[dict[str, Any]], generation: int
    ) -> None:
        self.retriever = retriever
        self.chunk_ids = chunk_ids
        self.metadata = metadata
        self.generation = generation

    @classmethod
    def build(cls, store: DocumentStore, project: str, generation: int) -> KeywordIndex:
        bm25s = _bm25s()
        chunk_ids: list[str] = []
        texts: list[str] = []
        metadata: list[dict[str, Any]] = []
        for batch in store.iter_chunks(project, batch_size=2000):
            for chunk in batch:
                chunk_ids.append(chunk.id)
                texts.append(chunk.text)
                metadata.append({k: chunk.metadata.get(k) for k in FILTER_FIELDS})
        retriever = bm25s.BM25(k1=BM25_K1, b=BM25_B)
        if texts:
            retriever.index(tokenize(texts), show_progress=False)
        return cls(retriever, chunk_ids, metadata, generation)

    def search(
        self, query: str, k: int, allowed: Callable[[dict[str, Any]], bool] | None = None
    ) -> list[KeywordHit]:
        if not self.chunk_ids or k <= 0:
            return []
        tokens = tokenize([query], return_ids=False)
        if not any(tokens):
            return []
        mask: NDArray[np.float32] | None = None
        if allowed is not None:
            mask = np.array([1.0 if allowed(m) else 0.0 for m in self.metadata], dtype=np.float32)
            if not mask.any():
                return []
        found, scores = self.retriever.retrieve(
            tokens, k=min(k, len(self.chunk_ids)), show_progress=False, weight_mask=mask
        )
        return [
            KeywordHit(self.chunk_ids[int(i)], float(score), self.metadata[int(i)].get("date"))
            for i, score in zip(found[0], scores[0], strict=True)
            if score > 0
        ]

    def save(self, folder: Path) -> None:
        """Write to a sibling folder, then swap it in, so a reader never sees half an index."""
        # A staging folder of its own: another process may be saving the same index.
        staging = folder.with_name(f"{folder.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if self.chunk_ids:
            self.retriever.save(str(staging / "bm25"), show_progress=False)
        (staging / "chunks.json").write_text(
            json.dumps(
                {
                    "format": INDEX_FORMAT,
                    "parameters": _parameters(),
                    "generation": self.generation,
                    "chunk_ids": self.chunk_ids,
                    "metadata": self.metadata,
                }
            ),
            encoding="utf-8",
        )
        shutil.rmtree(folder, ignore_errors=True)
        try:
            staging.rename(folder)
        except OSError:
            # Another process saved it meanwhile: its copy stands, ours is not needed.
            shutil.rmtree(staging, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex | None:
        bm25s = _bm25s()
        try:
            data = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
            if data.get("format") != INDEX_FORMAT or data.get("parameters") != _parameters():
                return None  # built by another version or with other settings: rebuild
            retriever = (
                bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
                if data["chunk_ids"]
                else bm25s.BM25()
            )
        except (OSError, ValueError, KeyError) as error:
            log.info("Keyword index at %s is unreadable (%s); rebuilding.", folder, error)
            return None
        return cls(retriever, data["chunk_ids"], data["metadata"], int(data["generation"]))


class KeywordIndexes:
    """Each project's keyword index, kept in step with its chunks."""

    def __init__(self, store: DocumentStore, folder: Path) -> None:
        self.store = store
        self.folder = folder
        self._cache: dict[str, KeywordIndex] = {}
        self._lock = threading.Lock()

    def get(self, project: str) -> KeywordIndex:
        generation = self.store.project_generation(project)
        with self._lock:
            cached = self._cache.get(project)
            if cached is not None and cached.generation == generation:
                return cached
            path = self.folder / project
            index = KeywordIndex.load(path) if path.exists() else None
            if index is None or index.generation != generation:
                index = KeywordIndex.build(self.store, project, generation)
                index.save(path)
            self._cache[project] = index
            return index

    def saved_generation(self, project: str) -> int | None:
        """The generation the saved index was built from (None when there is none)."""
        try:
            data = json.loads((self.folder / project / "chunks.json").read_text(encoding="utf-8"))
            return int(data["generation"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def current(self, project: str) -> bool:
        return self.saved_generation(project) == self.store.project_generation(project)

    def refresh(self, project: str) -> None:
        """Bring the project's index up to date now (after an ingest) rather than on first use."""
        self.get(project)

    def drop(self, project: str) -> None:
        with self._lock:
            self._cache.pop(project, None)
            shutil.rmtree(self.folder / project, ignore_errors=True)
