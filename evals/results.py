"""What an eval run measures: each case, each suite's pooled metrics, and the run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from evals.dataset import DataSet

Engine = Literal["offline", "model"]


@dataclass
class CaseResult:
    suite: str
    project: str
    case: str
    passed: bool
    values: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    prompt_tokens: int = 0


@dataclass
class SuiteResult:
    """A suite's figures on one set of projects (the fixtures, or the real projects): pooled
    over the set's projects, and per project."""

    suite: str
    metrics: dict[str, float]
    cases: list[CaseResult]
    # The suite's metrics for each project on its own: the gate uses the pooled ones, these
    # show a project that lags behind.
    per_project: dict[str, dict[str, float]] = field(default_factory=dict)
    skipped: str | None = None  # why a suite had nothing to measure; its thresholds do not apply
    dataset: DataSet = "fixtures"

    @property
    def label(self) -> str:
        """`reports` on the fixtures, `real reports` on the real projects."""
        return self.suite if self.dataset == "fixtures" else f"{self.dataset} {self.suite}"


@dataclass
class EvalResult:
    engine: Engine
    writer: str
    started_at: dt.datetime
    seconds: float
    projects: list[str]
    suites: list[SuiteResult]
    failures: list[str] = field(default_factory=list)  # metrics below their thresholds
    # The real projects measured, or why the real set was not (then it gates nothing), and what
    # went wrong staging or ingesting their records (reported; the run goes on).
    real_projects: list[str] = field(default_factory=list)
    real_skipped: str | None = None
    real_problems: list[str] = field(default_factory=list)
    # What the model did (calls, latency, tokens/s, schema validity, fallbacks): measured, for
    # the model named in `writer`; empty on the offline engine.
    model: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "writer": self.writer,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "seconds": round(self.seconds, 1),
            "projects": self.projects,
            "real_projects": self.real_projects,
            "real_skipped": self.real_skipped,
            "real_problems": self.real_problems,
            "model": self.model,
            "passed": self.passed,
            "failures": self.failures,
            "suites": [
                {
                    "suite": s.suite,
                    "set": s.dataset,
                    "metrics": s.metrics,
                    "per_project": s.per_project,
                    "skipped": s.skipped,
                    "cases": [c.__dict__ for c in s.cases],
                }
                for s in self.suites
            ],
        }


class Tally:
    """Sums and shares over a suite's cases, for its metrics."""

    def __init__(self, cases: list[CaseResult]) -> None:
        self.cases = cases
        self.ran = [c for c in cases if c.error is None]

    def total(self, name: str, only: Callable[[CaseResult], bool] = lambda c: True) -> float:
        return sum(c.values.get(name, 0.0) for c in self.cases if only(c))

    @staticmethod
    def share(part: float, whole: float) -> float | None:
        # Nothing to measure is not a perfect score: the metric is left out, and a threshold on
        # it fails as missing.
        return round(part / whole, 4) if whole else None

    def count(self, test: Callable[[CaseResult], bool]) -> int:
        return sum(1 for c in self.ran if test(c))


def percentile(values: list[float], percent: int) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))
    return round(ordered[index], 3)
