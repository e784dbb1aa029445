"""Quality metrics shared by the benchmarks, the tests and the eval runner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def distinct(items: Sequence[str]) -> list[str]:
    """Items in first-seen order without repeats (several chunks of one document count once)."""
    return list(dict.fromkeys(items))


def recall_at_k(retrieved: Sequence[str], relevant: Sequence[str], k: int) -> float:
    """Share of the relevant documents found among the first `k` distinct documents retrieved.

    Normalised by min(|relevant|, k): when more than `k` documents state the answer, finding `k`
    of them is a perfect score.
    """
    wanted = set(relevant)
    if not wanted:
        raise ValueError("recall is undefined for a question without relevant documents")
    top = set(distinct(retrieved)[:k])
    return len(top & wanted) / min(len(wanted), k)


def reciprocal_rank(retrieved: Sequence[str], relevant: Sequence[str]) -> float:
    """1 / rank of the first relevant document among the distinct documents retrieved; 0 if none."""
    wanted = set(relevant)
    for rank, document in enumerate(distinct(retrieved), start=1):
        if document in wanted:
            return 1.0 / rank
    return 0.0


@dataclass(frozen=True)
class RetrievalScore:
    questions: int
    recall: float
    mrr: float


def score_retrieval(runs: Sequence[tuple[Sequence[str], Sequence[str]]], k: int) -> RetrievalScore:
    """Mean recall@k and MRR over (retrieved document ids, relevant document ids) pairs."""
    if not runs:
        raise ValueError("no questions to score")
    recalls = [recall_at_k(retrieved, relevant, k) for retrieved, relevant in runs]
    ranks = [reciprocal_rank(retrieved, relevant) for retrieved, relevant in runs]
    return RetrievalScore(len(runs), sum(recalls) / len(runs), sum(ranks) / len(runs))
