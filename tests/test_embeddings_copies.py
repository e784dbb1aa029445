"""The faster copies of the bundled model that embed the record's chunks (bfloat16 products on
CPUs with AMX, the int8 ONNX copy elsewhere): used only when they agree with the PyTorch model,
chosen in that order, and retrieving what the PyTorch model retrieves."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.domain.errors import EmbeddingError
from assistant.embeddings import Embedder, LocalMiniLMEmbedder, embedder_from_settings
from assistant.embeddings import bf16 as bf16_module
from assistant.embeddings import chunks as chunks_module
from assistant.embeddings.bf16 import (
    BF16_RECIPE,
    REPORT_FILE,
    Bf16MiniLMEmbedder,
    bf16_report,
    cpu_multiplies_bf16,
    prepare_bf16,
)
from assistant.embeddings.chunks import ChunksMiniLM, fastest_local_embedder
from assistant.embeddings.fidelity import FidelityReport, compare, write_report
from assistant.embeddings.int8 import (
    EXPORT_RECIPE,
    MODEL_FILE,
    OnnxMiniLMEmbedder,
    prepare_int8,
    read_int8_report,
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


@pytest.fixture(scope="module")
def int8_copy(model_cache: Path, float_model: LocalMiniLMEmbedder) -> ChunksMiniLM:
    """The int8 copy, built in the session's model cache (the default on CPUs without AMX)."""
    prepare_int8(model_cache, float_model)
    model = fastest_local_embedder(model_cache, batch_size=32, backend="onnx")
    assert isinstance(model, ChunksMiniLM)
    return model


@pytest.fixture
def amx(monkeypatch: pytest.MonkeyPatch) -> Callable[[bool], None]:
    """Answer 'does this CPU have AMX?' as a test needs, whatever the CPU running it has
    (bfloat16 still computes without AMX, only slower)."""

    def answer(present: bool) -> None:
        for module in (bf16_module, chunks_module):
            monkeypatch.setattr(module, "cpu_multiplies_bf16", lambda: present)

    return answer


def test_the_default_chunk_model_is_the_fastest_copy_this_cpu_runs(
    model_cache: Path, embedder: Embedder, float_model: LocalMiniLMEmbedder
) -> None:
    settings = Settings(_env_file=None, home=model_cache.parent / "home")  # type: ignore[call-arg]
    default = embedder_from_settings(settings)
    assert isinstance(default, ChunksMiniLM)
    expected = Bf16MiniLMEmbedder if cpu_multiplies_bf16() else OnnxMiniLMEmbedder
    assert type(default.chunks) is expected
    assert default.model_id == default.chunks.model_id == float_model.model_id  # one index
    vectors = default.embed_chunks(PM_TEXTS)
    assert vectors.shape == (len(PM_TEXTS), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # What a PM waits for (questions, the passages an answer quotes) is the float model's.
    assert np.allclose(default.embed_texts(PM_TEXTS), float_model.embed_texts(PM_TEXTS), atol=1e-6)


def test_the_bf16_copy_shares_the_float_weights_and_agrees_closely(
    float_model: LocalMiniLMEmbedder,
) -> None:
    before = float_model.embed_texts(PM_TEXTS)
    copy = Bf16MiniLMEmbedder(float_model)
    fresh = compare(float_model, copy, PM_TEXTS, BF16_RECIPE)
    # bfloat16 products summed in float32: far inside the bound the int8 copy meets (0.99).
    assert fresh.mean_cosine >= 0.999 and fresh.min_cosine >= 0.999, fresh.describe()
    assert copy.float_model is float_model  # no second model in memory
    assert np.abs(copy.embed_texts(PM_TEXTS) - before).max() > 1e-4  # it really ran in bfloat16
    # The float model is unchanged by it: autocast ended with the call.
    assert np.array_equal(float_model.embed_texts(PM_TEXTS), before)


def _never_called(*args: object) -> FidelityReport:
    raise AssertionError("the copy was checked again")


def test_the_bf16_check_runs_once_and_its_report_is_kept(
    tmp_path: Path,
    float_model: LocalMiniLMEmbedder,
    amx: Callable[[bool], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    amx(True)
    cache = tmp_path / "models"
    assert isinstance(prepare_bf16(cache, float_model), Bf16MiniLMEmbedder)
    report = bf16_report(cache)
    assert report is not None and report.passed and report.passages >= 100
    assert report.min_cosine >= 0.999, report.describe()
    # A passing report kept is not checked again.
    with monkeypatch.context() as patched:
        patched.setattr(bf16_module, "check_copy", _never_called)
        assert isinstance(prepare_bf16(cache, float_model), Bf16MiniLMEmbedder)
    # The kept report is what later processes trust: a failed one stops the copy.
    failed = FidelityReport(passages=120, mean_cosine=0.95, min_cosine=0.80, recipe=BF16_RECIPE)
    write_report(cache / REPORT_FILE, failed)
    with pytest.raises(EmbeddingError, match=r"bfloat16 copy failed its fidelity check: mean"):
        prepare_bf16(cache, float_model)
    # A report about another recipe is not trusted: the copy is checked again.
    older = FidelityReport(passages=120, mean_cosine=0.95, min_cosine=0.80, recipe=BF16_RECIPE - 1)
    write_report(cache / REPORT_FILE, older)
    prepare_bf16(cache, float_model)
    again = bf16_report(cache)
    assert again is not None and again.recipe == BF16_RECIPE
    assert again.mean_cosine == pytest.approx(report.mean_cosine, abs=1e-6)


def test_without_amx_auto_uses_the_int8_copy_and_bf16_is_refused(
    model_cache: Path, int8_copy: ChunksMiniLM, amx: Callable[[bool], None]
) -> None:
    amx(False)
    auto = fastest_local_embedder(model_cache, batch_size=32, backend="auto")
    assert isinstance(auto, ChunksMiniLM) and type(auto.chunks) is OnnxMiniLMEmbedder
    insisting = fastest_local_embedder(model_cache, batch_size=32, backend="bf16")
    with pytest.raises(EmbeddingError, match=r"no AMX.*PMASSIST_EMBEDDING_BACKEND"):
        insisting.embed_chunks(["the first chunk of an ingest"])


def _cache_with_the_int8_copy(tmp_path: Path, model_cache: Path) -> Path:
    """A model cache holding the session's int8 copy and its report, and nothing else."""
    cache = tmp_path / "models"
    cache.mkdir()
    for name in (MODEL_FILE, report_path(Path(MODEL_FILE)).name):
        (cache / name).write_bytes((model_cache / name).read_bytes())
    return cache


def test_a_bf16_copy_that_failed_its_check_gives_way_to_the_int8_copy(
    tmp_path: Path,
    model_cache: Path,
    int8_copy: ChunksMiniLM,
    amx: Callable[[bool], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    amx(True)
    cache = _cache_with_the_int8_copy(tmp_path, model_cache)
    failed = FidelityReport(passages=120, mean_cosine=0.98, min_cosine=0.90, recipe=BF16_RECIPE)
    write_report(cache / REPORT_FILE, failed)
    with caplog.at_level(logging.WARNING, logger="pmassist"):
        chunks = fastest_local_embedder(cache, batch_size=32).chunks
    assert type(chunks) is OnnxMiniLMEmbedder
    assert "bfloat16 copy failed its fidelity check: mean cosine 0.9800" in caplog.text
    assert "trying the int8 copy" in caplog.text


def test_a_bf16_check_that_breaks_is_named_and_the_int8_copy_used(
    tmp_path: Path,
    model_cache: Path,
    int8_copy: ChunksMiniLM,
    amx: Callable[[bool], None],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    amx(True)

    def broken(*args: object) -> FidelityReport:
        raise RuntimeError("oneDNN: could not create a primitive")

    monkeypatch.setattr(bf16_module, "check_copy", broken)
    cache = _cache_with_the_int8_copy(tmp_path, model_cache)
    with caplog.at_level(logging.WARNING, logger="pmassist"):
        chunks = fastest_local_embedder(cache, batch_size=32).chunks
    assert type(chunks) is OnnxMiniLMEmbedder
    assert "Could not check the bfloat16 copy: oneDNN: could not create a primitive" in caplog.text
    with pytest.raises(EmbeddingError, match="Could not check the bfloat16 copy"):
        fastest_local_embedder(cache, batch_size=32, backend="bf16").embed_chunks(["a"])


def test_the_int8_copy_is_built_from_the_bundled_weights_and_agrees_with_pytorch(
    model_cache: Path, int8_copy: ChunksMiniLM, float_model: LocalMiniLMEmbedder
) -> None:
    chosen = int8_copy.chunks
    assert isinstance(chosen, OnnxMiniLMEmbedder)
    assert chosen.model_file == model_cache / MODEL_FILE
    report = read_int8_report(model_cache / MODEL_FILE)
    assert report is not None and report.passed and report.passages >= 100
    # Text the check never saw agrees too, short and long.
    fresh = compare(float_model, chosen, PM_TEXTS, EXPORT_RECIPE)
    assert fresh.mean_cosine >= 0.99 and fresh.min_cosine >= 0.97, fresh.describe()
    assert np.allclose(int8_copy.embed_chunks(PM_TEXTS), chosen.embed_texts(PM_TEXTS))


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


def test_an_int8_copy_that_failed_its_check_is_not_used(
    tmp_path: Path,
    model_cache: Path,
    int8_copy: ChunksMiniLM,
    amx: Callable[[bool], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    amx(False)
    # The real model file, with a report saying it disagreed with PyTorch.
    cache = _cache_with_the_int8_copy(tmp_path, model_cache)
    failed = FidelityReport(passages=120, mean_cosine=0.95, min_cosine=0.80, recipe=EXPORT_RECIPE)
    write_report(report_path(cache / MODEL_FILE), failed)

    with caplog.at_level(logging.WARNING, logger="pmassist"):
        default = fastest_local_embedder(cache, batch_size=32, backend="auto")
        assert isinstance(default, ChunksMiniLM)
        assert not caplog.text  # nothing is prepared before chunks are embedded
        chunks = default.chunks
    assert type(chunks) is LocalMiniLMEmbedder  # the float model embeds the chunks
    assert "mean cosine 0.9500 (needs 0.99)" in caplog.text

    insisting = fastest_local_embedder(cache, batch_size=32, backend="onnx")
    assert isinstance(insisting, ChunksMiniLM)
    with pytest.raises(EmbeddingError, match=r"failed its fidelity check: mean cosine 0\.9500"):
        insisting.embed_chunks(["the first chunk of an ingest"])


def test_a_cache_that_cannot_be_written_is_named_and_a_copy_still_used_where_it_can(
    tmp_path: Path, amx: Callable[[bool], None], caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    amx(False)  # the int8 copy must be built and kept: it cannot be
    with caplog.at_level(logging.WARNING, logger="pmassist"):
        chunks = fastest_local_embedder(blocked / "models", batch_size=32).chunks
    assert type(chunks) is LocalMiniLMEmbedder
    assert f"in {blocked / 'models'}" in caplog.text and "PMASSIST_MODEL_CACHE" in caplog.text
    amx(True)  # the bfloat16 copy needs no file: it is used, its check redone next time
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="pmassist"):
        chunks = fastest_local_embedder(blocked / "models", batch_size=32).chunks
    assert type(chunks) is Bf16MiniLMEmbedder
    assert "every process checks it again" in caplog.text


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
    tmp_path: Path,
    model_cache: Path,
    int8_copy: ChunksMiniLM,
    float_model: LocalMiniLMEmbedder,
    amx: Callable[[bool], None],
) -> None:
    """The sample project's labelled questions, answered offline with PyTorch alone and with
    each copy building the index (bfloat16, int8): recall@8 within 0.01 of PyTorch's, and the
    facts the answers carry at least as many (within 0.01)."""
    amx(True)  # measured on any CPU: bfloat16 computes without AMX too, only slower
    bf16_copy = fastest_local_embedder(model_cache, batch_size=32, backend="bf16")
    recall, facts = {}, {}
    models = (("torch", float_model), ("bf16", bf16_copy), ("int8", int8_copy))
    for name, model in models:
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
    for copy in ("bf16", "int8"):
        assert abs(recall[copy] - recall["torch"]) <= 0.01, recall
        assert facts[copy] >= facts["torch"] - 0.01, facts  # no fact lost
