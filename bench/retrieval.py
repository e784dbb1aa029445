"""Retrieval quality and latency: hybrid against dense-only and keyword-only, side by side.

    python bench/retrieval.py [--sizes 10000 100000] [--repeats 3]

1. Quality on the labelled questions of the sample project (evals/fixtures/harbor/questions.yaml):
   recall@8 and MRR for hybrid, dense-only and BM25-only retrieval.
2. Latency of one query, query embedding included, on projects of 10,000 and 100,000 chunks:
   p50 and p95 for each mode. Chunk texts are generated; the first 10,000 chunks are embedded
   for real, and larger sizes reuse those vectors with small random noise (a realistic vector
   distribution without a 35-minute embedding run). Queries are the labelled questions.
   The query's vector is computed for every query (the per-process memory of questions is
   emptied first), with pmassist's default model (questions on the float MiniLM), and hybrid
   retrieval is timed again with the PyTorch model beside it.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
import bench  # noqa: E402, F401  (sets the environment every benchmark runs with)
from assistant.config import Settings  # noqa: E402
from assistant.domain.record import Chunk, Document, Kind, Locator, Ticket  # noqa: E402
from assistant.embeddings import Embedder, LocalMiniLMEmbedder  # noqa: E402
from assistant.embeddings.chunks import fastest_local_embedder  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from assistant.store.documents import DocumentWrite  # noqa: E402
from bench.ingest import AREAS, PEOPLE, PROBLEMS, machine, sentence  # noqa: E402
from evals.metrics import score_retrieval  # noqa: E402

MODES = ("hybrid", "dense", "keyword")
REAL_VECTORS = 10_000


def quality(
    assistant: Assistant, questions: list[dict[str, object]]
) -> dict[str, dict[str, float]]:
    result = {}
    for mode in MODES:
        runs = []
        for case in questions:
            retrieval = assistant.wiring.retriever.retrieve(
                str(case["question"]),
                "harbor",
                k=8,
                per_document=2,
                mode=mode,  # type: ignore[arg-type]
            )
            runs.append(([e.document_id for e in retrieval.evidence], list(case["relevant"])))  # type: ignore[call-overload]
        score = score_retrieval(runs, k=8)
        result[mode] = {"recall_at_8": score.recall, "mrr": score.mrr, "questions": score.questions}
    return result


def synthetic_project(assistant: Assistant, project: str, size: int, embedder: Embedder) -> None:
    """`size` one-chunk ticket documents written straight into both stores."""
    rng = random.Random(size)
    assistant.wiring.documents.ensure_project(project, embedder.model_id)
    index = assistant.wiring.vectors.project_index(project, embedder.model_id)
    texts = [
        f"BEN-{n}: {rng.choice(AREAS).capitalize()} {rng.choice(PROBLEMS)} "
        f"(2026-{1 + n % 12:02d}-{1 + n % 28:02d})\n"
        + " ".join(sentence(rng) for _ in range(rng.randint(2, 6)))
        for n in range(size)
    ]
    real = embedder.embed_chunks(texts[: min(size, REAL_VECTORS)])
    noise = np.random.default_rng(size)
    for start in range(0, size, 2000):
        batch = range(start, min(start + 2000, size))
        vectors = np.stack([real[n % len(real)] for n in batch])
        if start >= len(real):
            vectors = vectors + noise.normal(0, 0.02, vectors.shape).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        writes = []
        for n in batch:
            key = f"BEN-{n}"
            document = Document(
                id=f"ticket:{key}",
                project=project,
                kind=Kind.TICKET,
                title=texts[n].split("\n")[0],
                source="bench.csv",
                content_hash=f"{n:064d}",
                record=Ticket(
                    key=key, summary=texts[n].split("\n")[0], assignee=rng.choice(PEOPLE)
                ),
            )
            chunk = Chunk(
                id=f"ticket:{key}#{n:012d}-0",
                document_id=document.id,
                seq=0,
                text=texts[n],
                token_count=60,
                locator=Locator(source="bench.csv", ticket_key=key, row=n + 2),
                metadata={
                    "kind": "ticket",
                    "title": document.title,
                    "date": 20260000 + 100 * (1 + n % 12) + 1 + n % 28,
                },
            )
            writes.append(DocumentWrite(document, "bench.csv", [chunk]))
        chunks = [write.chunks[0] for write in writes]
        index.upsert(chunks, vectors.astype(np.float32))
        intent = assistant.wiring.documents.announce_vector_write(
            project, "upsert", [c.id for c in chunks]
        )
        assistant.wiring.documents.commit_documents(project, writes, intent)
    assistant.wiring.keyword_indexes.refresh(project)


def latency(
    assistant: Assistant, project: str, queries: list[str], repeats: int, modes: tuple[str, ...]
) -> dict[str, dict[str, float]]:
    result = {}
    model = assistant.wiring.embedder()
    for mode in modes:
        assistant.wiring.retriever.retrieve(queries[0], project, k=8, mode=mode)  # type: ignore[arg-type]  # warm caches
        timings = []
        for _ in range(repeats):
            for query in queries:
                model.forget_queries()  # the model's time is part of every query's
                started = time.perf_counter()
                assistant.wiring.retriever.retrieve(query, project, k=8, per_document=2, mode=mode)  # type: ignore[arg-type]
                timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        result[mode] = {
            "p50_ms": statistics.median(timings),
            "p95_ms": timings[int(0.95 * (len(timings) - 1))],
            "queries": len(timings),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "retrieval.json")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="pmassist-bench-retrieval-"))
    try:
        settings = Settings(_env_file=None, home=work / "home")
        embedder = fastest_local_embedder(settings.model_cache_path, 32)
        embedder.load()
        float_model = LocalMiniLMEmbedder()
        float_model.load()
        print(f"pmassist's model: {type(embedder).__name__}; beside it: PyTorch")
        assistant = Assistant(settings, embedder=embedder, language_model=None)
        # The same stores, searched with the PyTorch model's query vectors.
        on_torch = Assistant(settings, embedder=float_model, language_model=None)
        assistant.records.ingest([REPO / "evals" / "fixtures" / "harbor" / "record"], "harbor")
        cases = yaml.safe_load(
            (REPO / "evals" / "fixtures" / "harbor" / "questions.yaml").read_text("utf-8")
        )
        answerable = [case for case in cases["questions"] if case["answerable"]]
        print(f"Machine: {machine()}")
        scores = quality(assistant, answerable)
        print(f"\nQuality on {len(answerable)} labelled questions (sample project):")
        print("| retrieval | recall@8 | MRR |\n|---|---:|---:|")
        for mode, row in scores.items():
            print(f"| {mode} | {row['recall_at_8']:.3f} | {row['mrr']:.3f} |")
        # The index built with PyTorch, searched with PyTorch: the float model's own figures.
        reference = Assistant(
            Settings(_env_file=None, home=work / "torch-home"),
            embedder=float_model,
            language_model=None,
        )
        reference.records.ingest([REPO / "evals" / "fixtures" / "harbor" / "record"], "harbor")
        float_scores = quality(reference, answerable)
        for mode, row in float_scores.items():
            print(f"| {mode}, PyTorch model | {row['recall_at_8']:.3f} | {row['mrr']:.3f} |")

        queries = [str(case["question"]) for case in cases["questions"]]
        timings: dict[int, dict[str, dict[str, float]]] = {}
        for size in args.sizes:
            project = f"load-{size}"
            started = time.perf_counter()
            synthetic_project(assistant, project, size, embedder)
            print(f"\nBuilt {size} chunks in {time.perf_counter() - started:.0f} s")
            timings[size] = latency(assistant, project, queries, args.repeats, MODES)
            torch_hybrid = latency(on_torch, project, queries, args.repeats, ("hybrid",))
            timings[size]["hybrid, PyTorch model"] = torch_hybrid["hybrid"]
        print("\nQuery latency, query embedding included:")
        print("| chunks | retrieval | p50 ms | p95 ms | queries |\n|---:|---|---:|---:|---:|")
        for size, rows in timings.items():
            for mode, row in rows.items():
                print(
                    f"| {size} | {mode} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | "
                    f"{row['queries']} |"
                )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps(
                {
                    "machine": machine(),
                    "quality": scores,
                    "quality_pytorch": float_scores,
                    "latency": timings,
                },
                indent=2,
            ),
            "utf-8",
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
