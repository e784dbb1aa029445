"""What an eval suite is, and what every suite shares: the run's filters, timing one model-backed
step, and reading a report as a person does."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from assistant.domain.evidence import Evidence
from assistant.domain.report import StatusReport
from assistant.llm import ModelError
from assistant.reports.rendering import render_markdown
from evals.dataset import FixtureProject
from evals.results import CaseResult, Tally
from evals.workspace import Workspace

T = TypeVar("T")
# (statements judged, judged supported) for statements with the sources they cite.
Judge = Callable[[list[tuple[str, list[Evidence]]]], tuple[int, int]]


@dataclass(frozen=True)
class SuiteRun:
    """One suite's run over one labelled project (a fixture or a real one): the workspace to
    drive and the run's filters."""

    workspace: Workspace
    project: FixtureProject
    weeks: list[str] | None
    questions: list[str] | None
    judge: Judge

    def wanted(self, week: str) -> bool:
        return not self.weeks or week in self.weeks


@dataclass(frozen=True)
class EvalSuite:
    """One suite: its cases over a project, and its metrics pooled over every project's cases.
    The registry (`suites/__init__.py`) lists them; thresholds name them."""

    name: str
    run: Callable[[SuiteRun], list[CaseResult]]
    # Suite-specific metrics from the pooled cases; a metric with nothing to measure is None
    # (left out, so a threshold on it fails as missing).
    metrics: Callable[[Tally], dict[str, float | None]]
    # Also measured on the real projects (their figures pooled and gated apart: `real:` in
    # thresholds.yaml); a suite whose labels only a fixture can have (planted text) is not.
    real: bool = False
    # A suite that measures records of its own rather than the fixture projects runs once,
    # without them, given the run's `--project` filter: it returns its cases, or why it has
    # nothing to measure (then it is skipped and gates nothing). `run` is not called for it.
    standalone: Callable[[list[str] | None], list[CaseResult] | str] | None = None


def attempt(
    result: CaseResult, cases: list[CaseResult], action: Callable[..., T], *args: Any
) -> T | None:
    """Run one case's model-backed step, timed; a model error fails the case (and counts
    against schema validity) instead of the run."""
    clock = time.perf_counter()
    try:
        value = action(*args)
    except ModelError as error:
        result.error = str(error)
        result.values = {"schema_valid": 0.0}
        cases.append(result)
        return None
    result.seconds = time.perf_counter() - clock
    return value


def contains(text: str, phrase: str) -> bool:
    """`phrase` in `text`, case-insensitively and on word boundaries (HBR-12 is not in
    HBR-123)."""
    pattern = rf"(?<![\w]){re.escape(phrase.lower())}(?![\w])"
    return re.search(pattern, text.lower()) is not None


def report_text(report: StatusReport) -> str:
    """The report as a reader sees it, without the list of sources (locators name tickets
    a report may have dropped)."""
    markdown = render_markdown(report)
    return markdown.split("\n## Sources\n", 1)[0]


def plain(text: str) -> str:
    return " ".join(text.replace("**", "").split()).lower()
