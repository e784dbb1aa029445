"""The int8 ONNX copy of the bundled model: built from the bundled weights, used by default only
when it agrees with the PyTorch model, and retrieving what the PyTorch model retrieves."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.domain.errors import EmbeddingError
from assistant.embeddings import Embedder, LocalMiniLMEmbedder, embedder_from_settings
from assistant.embeddings.int8 import (
    MODEL_FILE,
    FidelityReport,
    Int8ChunksMiniLM,
    compare,
    fastest_local_embedder,
    read_report,
    report_path,
)
from assistant.service import Assistant
from evals.thresholds import Thresholds
from tests.conftest import CountingEmbedder

# Not in the fidelity sample (which is the sample project's record): a PM's own phrasing.
PM_TEXTS = [
    "Is the go-live date still realistic after the vendor slipped the API delivery?",
    "Dana Fox owns the data migration rehearsal; it moved to the week after the freeze.",
    "Budget: 62% spent at 55% of the schedule, contingency down to 4,000 EUR.",
    "Steering committee decided to keep the scope and add a second test environment.",
    "PAY-214 blocked since 2026-11-17 waiting on the firewall change request.",
    "ok",
]


@pytest.fixture(scope="module")
def float_model() -> LocalMiniLMEmbedder:
    model = LocalMiniLMEmbedder()
    model.load()
    return model


def test_the_default_local_model_is_the_int8_copy_and_it_agrees_with_pytorch(
    model_cache: Path, embedder: Embedder, float_model: LocalMiniLMEmbedder
) -> None:
    settings = Settings(_env_file=None, home=model_cache.parent / "home")  # type: ignore[call-arg]
    default = embedder_from_settings(settings)
    assert isinstance(default, Int8ChunksMiniLM)
    chosen = default.chunks
    assert chosen.model_file == model_cache / MODEL_FILE
    assert default.model_id == chosen.model_id == float_model.model_id  # one model, one index

    report = read_report(model_cache / MODEL_FILE)
    assert report is not None and report.passed and report.passages >= 100
    # Text the check never saw agrees too, short and long.
    fresh = compare(float_model, chosen, PM_TEXTS)
    assert fresh.mean_cosine >= 0.99 and fresh.min_cosine >= 0.97, fresh.describe()
    vectors = default.embed_chunks(PM_TEXTS)
    assert vectors.shape == (len(PM_TEXTS), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors, chosen.embed_texts(PM_TEXTS))
    # What a PM waits for (questions, the passages an answer quotes) is the float model's.
    assert np.allclose(default.embed_texts(PM_TEXTS), float_model.embed_texts(PM_TEXTS), atol=1e-6)


def test_settings_choose_pytorch_without_building_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PMASSIST_MODEL_CACHE")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, home=tmp_path / "home", embedding_backend="torch"
    )
    assert type(embedder_from_settings(settings)) is LocalMiniLMEmbedder
    assert not settings.model_cache_path.exists()
    assert settings.model_cache_path == tmp_path / "home" / "models"


def test_a_copy_that_failed_its_check_is_not_used(
    tmp_path: Path, model_cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The real model file, with a report saying it disagreed with PyTorch.
    cache = tmp_path / "models"
    cache.mkdir()
    (cache / MODEL_FILE).write_bytes((model_cache / MODEL_FILE).read_bytes())
    failed = FidelityReport(passages=120, mean_cosine=0.95, min_cosine=0.80)
    report_path(cache / MODEL_FILE).write_text(json.dumps(asdict(failed)), encoding="utf-8")

    with caplog.at_level(logging.WARNING, logger="pmassist"):
        default = fastest_local_embedder(cache, batch_size=32, backend="auto")
        assert isinstance(default, Int8ChunksMiniLM)
        assert not caplog.text  # nothing is prepared before chunks are embedded
        chunks = default.chunks
    assert type(chunks) is LocalMiniLMEmbedder  # the float model embeds the chunks
    assert "mean cosine 0.9500 (needs 0.99)" in caplog.text

    insisting = fastest_local_embedder(cache, batch_size=32, backend="onnx")
    assert isinstance(insisting, Int8ChunksMiniLM)
    with pytest.raises(EmbeddingError, match=r"failed its fidelity check: mean cosine 0\.9500"):
        insisting.embed_chunks(["the first chunk of an ingest"])


def test_a_cache_that_cannot_be_written_is_named_and_pytorch_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="pmassist"):
        chunks = fastest_local_embedder(blocked / "models", batch_size=32).chunks
    assert type(chunks) is LocalMiniLMEmbedder
    assert f"in {blocked / 'models'}" in caplog.text and "PMASSIST_MODEL_CACHE" in caplog.text


def test_a_query_is_embedded_once_per_process(embedder: Embedder) -> None:
    counting = CountingEmbedder(embedder)
    first = counting.embed_query("when does UAT start")
    first.append(0.0)  # the caller's copy, not the remembered one
    again = counting.embed_query("when does UAT start")
    assert counting.texts_embedded == 1
    assert len(again) == 384
    counting.embed_query("who owns the cutover plan")
    assert counting.texts_embedded == 2


def test_retrieval_recall_on_the_labelled_questions_matches_pytorch(
    tmp_path: Path, embedder: Embedder, float_model: LocalMiniLMEmbedder
) -> None:
    """The sample project's labelled questions, answered offline with PyTorch alone and with
    the default (the index built by the int8 copy): recall@8 within 0.01, and the facts the
    answers carry at least as many (within 0.01)."""
    recall, facts = {}, {}
    for name, model in (("torch", float_model), ("onnx", embedder)):
        settings = Settings(_env_file=None, home=tmp_path / name)  # type: ignore[call-arg]
        assistant = Assistant(settings, embedder=model, language_model=None)
        run = assistant.evals.run(
            suite="qa",
            projects=["harbor"],
            dataset="fixtures",
            thresholds=Thresholds(offline={}, model={}),
            out=tmp_path / f"{name}-out",
        )
        (qa,) = run.result.suites
        recall[name] = qa.metrics["recall_at_8"]
        facts[name] = qa.metrics["answer_fact_recall"]
    assert recall["torch"] >= 0.75
    assert abs(recall["onnx"] - recall["torch"]) <= 0.01, recall
    assert facts["onnx"] >= facts["torch"] - 0.01, facts  # no fact lost
