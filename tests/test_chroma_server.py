"""Client/server mode: pmassist against a real `chroma run` started on 127.0.0.1 by the test."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.service import Assistant
from assistant.store.vectors import collection_name
from tests.conftest import CountingEmbedder, free_port

pytestmark = pytest.mark.chroma_server


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    process = subprocess.Popen(
        [
            str(chroma),
            "run",
            "--path",
            str(tmp_path / "server-data"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        deadline = time.monotonic() + 60
        while True:
            try:
                chromadb.HttpClient(
                    host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False)
                ).heartbeat()
                break
            except Exception:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("chroma run did not start") from None
                time.sleep(0.3)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_ingest_and_search_through_a_chroma_server(
    chroma_server: int,
    tmp_path: Path,
    counting_embedder: CountingEmbedder,
    record: Path,
    samples: Path,
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, home=tmp_path / "home", chroma_host="127.0.0.1", chroma_port=chroma_server
    )
    assistant = Assistant(settings, embedder=counting_embedder)
    for name in ("jira-cloud-export.csv", "0007-use-managed-postgresql.md"):
        shutil.copy(samples / name, record)

    summary = assistant.records.ingest([record], "payments")

    assert len(summary.added) == 6 and summary.ok
    # Nothing went to an embedded store: the vectors live on the server.
    assert not (tmp_path / "home" / "chroma").exists()
    import chromadb

    server = chromadb.HttpClient(host="127.0.0.1", port=chroma_server)
    collection = server.get_collection(collection_name("payments"))
    assert collection.count() == summary.chunks_written
    assert collection.metadata["embedding_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    hits = assistant.records.search("Oracle licence renewal", "payments", k=1)
    assert hits[0].document_id == "decision:ADR-0007"
    assert assistant.records.ingest([record], "payments").unchanged == 6


def test_unreachable_server_is_a_clear_error(
    tmp_path: Path, counting_embedder: CountingEmbedder, record: Path, samples: Path
) -> None:
    from assistant.domain.errors import PmassistError

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, home=tmp_path / "home", chroma_host="127.0.0.1", chroma_port=free_port()
    )
    shutil.copy(samples / "0007-use-managed-postgresql.md", record)
    with pytest.raises(PmassistError, match=r"Cannot reach the Chroma server at 127\.0\.0\.1"):
        Assistant(settings, embedder=counting_embedder).records.ingest([record], "payments")
