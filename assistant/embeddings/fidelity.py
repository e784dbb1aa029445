"""Whether a faster copy of the bundled model may embed the record: its vectors against the
float model's on a sample of the sample project's text. An index built by the copy is searched
with the float model's question vectors, so the two must agree (mean cosine at least
FIDELITY_MEAN_COSINE, none below FIDELITY_MIN_COSINE); a copy that does not is never used."""

from __future__ import annotations

import importlib.resources
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from assistant.domain.errors import EmbeddingError
from assistant.embeddings import Embedder

FIDELITY_MEAN_COSINE = 0.99
FIDELITY_MIN_COSINE = 0.97
SAMPLE_PASSAGES = 160


@dataclass(frozen=True)
class FidelityReport:
    """How a copy's vectors compare with the float model's on the sample. `recipe` names how
    the copy was made, so a report on an older recipe is not trusted for a newer one."""

    passages: int
    mean_cosine: float
    min_cosine: float
    recipe: int

    @property
    def passed(self) -> bool:
        return self.mean_cosine >= FIDELITY_MEAN_COSINE and self.min_cosine >= FIDELITY_MIN_COSINE

    def describe(self) -> str:
        return (
            f"mean cosine {self.mean_cosine:.4f} (needs {FIDELITY_MEAN_COSINE}), lowest "
            f"{self.min_cosine:.4f} (needs {FIDELITY_MIN_COSINE}) on {self.passages} passages"
        )


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


def compare(float_model: Embedder, copy: Embedder, texts: list[str], recipe: int) -> FidelityReport:
    reference = float_model.embed_texts(texts)
    candidate = copy.embed_texts(texts)
    cosines = (reference * candidate).sum(axis=1)
    return FidelityReport(len(texts), float(cosines.mean()), float(cosines.min()), recipe)


def required_sample() -> list[str]:
    """The fidelity sample, or an error saying it is missing (nothing can be checked)."""
    sample = fidelity_sample()
    if not sample:
        raise EmbeddingError(
            "The fidelity sample (the sample project's record, installed with pmassist's "
            "evals) is missing, so a faster copy of the embedding model cannot be checked."
        )
    return sample


def check_copy(float_model: Embedder, copy: Embedder, recipe: int) -> FidelityReport:
    """The copy compared with the float model on the fidelity sample."""
    return compare(float_model, copy, required_sample(), recipe)


def read_report(path: Path, recipe: int) -> FidelityReport | None:
    """The report kept at `path`, if it is readable and about this recipe."""
    if not path.is_file():
        return None
    try:
        report = FidelityReport(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None  # unreadable, damaged or from another version: check again
    return report if report.recipe == recipe else None


def write_report(path: Path, report: FidelityReport) -> None:
    # Per process: workers checking at the same time never write into one another's file.
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(asdict(report)), encoding="utf-8")
    partial.replace(path)  # a half-written report is never read
