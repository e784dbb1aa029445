"""all-MiniLM-L6-v2 with bfloat16 matrix products, on CPUs that multiply bfloat16 in hardware
(Intel AMX): the same weights and the same PyTorch model, its products rounded to bfloat16 and
summed in float32, while layer norms, softmax and pooling stay float32 (PyTorch's autocast).

Measured on the ingest benchmark's chunks with 2 cores and AMX: 86.5 chunks/s in batches of 32,
against 36.1 for float32 and 63.3 for the int8 ONNX copy, with vectors at cosine 0.99998 of the
float model's (the int8 copy: 0.995). Without AMX, bfloat16 is emulated or half-supported and
slower than float32 (measured with AMX switched off: 30 against 50 texts/s), so it is never
chosen there.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.domain.errors import EmbeddingError
from assistant.embeddings import LOCAL_MODEL_ID, Embedder, LocalMiniLMEmbedder
from assistant.embeddings.fidelity import FidelityReport, check_copy, read_report, write_report

if TYPE_CHECKING:
    from numpy.typing import NDArray

log = logging.getLogger("pmassist")

# Bump when the way the copy runs changes, so a kept report is checked again.
BF16_RECIPE = 1
REPORT_FILE = f"all-MiniLM-L6-v2-bf16-r{BF16_RECIPE}.fidelity.json"
# Measured on the ingest benchmark's chunks: 76 chunks/s by 8, 77 by 16, 86 by 32 (by 128 the
# padding of the longest chunk in a batch costs more than the batch saves).
BF16_BATCH = 32


def cpu_multiplies_bf16() -> bool:
    """Whether this CPU has AMX tiles, which multiply bfloat16 in hardware, and the operating
    system lets this process use them (a virtual machine may show the flag and refuse)."""
    try:
        import torch

        return bool(torch.cpu._is_amx_tile_supported() and torch.cpu._init_amx())
    except (ImportError, AttributeError, RuntimeError):
        return False  # an older torch cannot tell: assume not


class Bf16MiniLMEmbedder(Embedder):
    """The float model's own weights, run with bfloat16 products. It shares the float model
    (no second copy in memory); autocast is per thread, so a question embedded meanwhile on
    another thread stays float32."""

    model_id = LOCAL_MODEL_ID  # same model and vectors within the fidelity bound

    def __init__(self, float_model: LocalMiniLMEmbedder, batch_size: int = BF16_BATCH) -> None:
        self.float_model = float_model
        self.batch_size = batch_size

    def load(self) -> None:
        self.float_model.load()

    def embed_texts(self, texts: list[str]) -> NDArray[np.float32]:
        import torch

        # One autocast region for the whole call: the weights are rounded once, not per batch.
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return self.float_model.encode(texts, self.batch_size)


def prepare_bf16(cache: Path, float_model: LocalMiniLMEmbedder) -> Bf16MiniLMEmbedder:
    """The bfloat16 copy, once this CPU is known to run it in hardware and its vectors are
    known to agree with the float model's (checked once, the report kept in `cache`)."""
    if not cpu_multiplies_bf16():
        raise EmbeddingError(
            "This CPU does not multiply bfloat16 in hardware (no AMX), where bfloat16 is "
            "slower than float32; set PMASSIST_EMBEDDING_BACKEND to auto or onnx."
        )
    copy = Bf16MiniLMEmbedder(float_model)
    report_file = cache / REPORT_FILE
    report = read_report(report_file, BF16_RECIPE)
    if report is None:
        try:
            report = check_copy(float_model, copy, BF16_RECIPE)
        except EmbeddingError:
            raise
        except Exception as error:  # any failure of the check leaves the next copy in use, named
            raise EmbeddingError(f"Could not check the bfloat16 copy: {error}") from error
        try:
            cache.mkdir(parents=True, exist_ok=True)
            write_report(report_file, report)
        except OSError as error:  # the check is redone by the next process; nothing is lost
            log.warning(
                "The bfloat16 copy's fidelity report could not be kept in %s (%s), so every "
                "process checks it again; set PMASSIST_MODEL_CACHE to a folder pmassist can "
                "write.",
                cache,
                error,
            )
    if not report.passed:
        raise EmbeddingError(f"The bfloat16 copy failed its fidelity check: {report.describe()}")
    return copy


def bf16_report(cache: Path) -> FidelityReport | None:
    """The kept fidelity report of the bfloat16 copy, if it was checked."""
    return read_report(cache / REPORT_FILE, BF16_RECIPE)
