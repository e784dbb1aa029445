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


@dataclass(frozen=True)
class ExpectedRisk:
    """A labelled risk: proposed when a proposal of its category names one of its terms."""

    id: str
    category: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class RiskScore:
    proposals: int
    expected: int
    matched: dict[str, str]  # expected risk id -> the title of the proposal that matched it
    unmatched_proposals: list[str]
    noise_found: list[str]

    @property
    def recall(self) -> float:
        return len(self.matched) / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        """A proposal counts when it is the first to match a labelled risk; a second proposal
        for the same risk is a duplicate and counts against precision."""
        return len(self.matched) / self.proposals if self.proposals else 1.0


def risk_scores(
    proposals: Sequence[tuple[str, str]],
    expected: Sequence[ExpectedRisk],
    noise: Sequence[str] = (),
) -> RiskScore:
    """`proposals` are (category, text) pairs, text being the proposal's title, cause, event and
    effect. A proposal can match a labelled risk of its category whose terms it names; each
    labelled risk counts once, and the pairing is the one that matches the most (a maximum
    bipartite matching, so proposal order does not matter)."""
    fits = [
        [
            index
            for index, risk in enumerate(expected)
            if risk.category == category and any(t.lower() in text.lower() for t in risk.terms)
        ]
        for category, text in proposals
    ]
    owner: dict[int, int] = {}  # expected risk index -> proposal index

    def assign(proposal: int, seen: set[int]) -> bool:
        for risk in fits[proposal]:
            if risk in seen:
                continue
            seen.add(risk)
            if risk not in owner or assign(owner[risk], seen):
                owner[risk] = proposal
                return True
        return False

    for proposal in range(len(proposals)):
        assign(proposal, set())
    titles = [text.split(". ")[0] for _, text in proposals]
    matched = {expected[risk].id: titles[proposal] for risk, proposal in owner.items()}
    used = set(owner.values())
    unmatched = [titles[i] for i in range(len(proposals)) if i not in used]
    found = [n for n in noise if any(n.lower() in text.lower() for _, text in proposals)]
    return RiskScore(len(proposals), len(expected), matched, unmatched, found)
