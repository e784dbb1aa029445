"""`pmassist eval`: run the labelled fixtures through pmassist and measure every draft.

Each fixture project's record is ingested into a scratch data directory; then every chosen suite
(`evals/suites/`) runs over every project, and its metrics are pooled over the projects and
gated by `thresholds.yaml`. A case that fails with a model error counts against schema validity;
the run goes on. A suite over records of its own (`extraction`) runs once, needs no fixture
project, and is skipped (gating nothing) when it has nothing to measure.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.domain.errors import InvalidInputError
from assistant.domain.evidence import Evidence
from evals.dataset import FixtureProject, load_fixtures
from evals.results import CaseResult, Engine, EvalResult, SuiteResult, Tally, percentile
from evals.suites import SUITES, EvalSuite, SuiteRun
from evals.thresholds import Thresholds
from evals.workspace import Workspace

JUDGED_PER_CASE = 4  # bounds what the optional judge costs

# The workspace a run drives, for its engine: "offline" has no model, "model" the configured one.
OpenWorkspace = Callable[[Engine], Workspace]
# A model's verdict on one statement and the sources it cites: supported or not.
JudgeStatement = Callable[[str, list[Evidence]], bool]


@dataclass
class EvalOptions:
    fixtures: Path
    work_dir: Path
    suites: tuple[EvalSuite, ...] = SUITES
    engine: Engine = "offline"
    projects: list[str] | None = None
    weeks: list[str] | None = None
    questions: list[str] | None = None


class EvalRunner:
    def __init__(
        self,
        options: EvalOptions,
        open_workspace: OpenWorkspace,
        *,
        judge: JudgeStatement | None = None,
        thresholds: Thresholds | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        """`judge`: ask a model whether cited sources support each statement (off by default)."""
        self.options = options
        self.open_workspace = open_workspace
        self.judge = judge
        self.thresholds = thresholds
        self.progress = progress or (lambda message: None)

    def run(self) -> EvalResult:
        started, clock = dt.datetime.now(dt.UTC).replace(tzinfo=None), time.perf_counter()
        # Suites with records of their own need no fixture project ingested (nor a model).
        on_fixtures = any(suite.standalone is None for suite in self.options.suites)
        projects = (
            load_fixtures(self.options.fixtures, self.options.projects) if on_fixtures else []
        )
        if on_fixtures and not projects:
            raise InvalidInputError(f"No fixture projects in {self.options.fixtures}.")
        workspace = self._ingested(projects) if on_fixtures else None
        results: list[SuiteResult] = []
        for suite in self.options.suites:
            if suite.standalone is not None:
                results.append(self._standalone(suite, suite.standalone))
                continue
            assert workspace is not None
            cases: list[CaseResult] = []
            for project in projects:
                self.progress(f"{suite.name}: {project.name}")
                cases += suite.run(
                    SuiteRun(
                        workspace,
                        project,
                        self.options.weeks,
                        self.options.questions,
                        self._judged,
                    )
                )
            if not cases:
                raise InvalidInputError(
                    f"No {suite.name} case matches the filters (projects "
                    f"{', '.join(p.name for p in projects)}"
                    + (f", weeks {', '.join(self.options.weeks)}" if self.options.weeks else "")
                    + (
                        f", questions {', '.join(self.options.questions)}"
                        if self.options.questions
                        else ""
                    )
                    + ")."
                )
            per_project = {
                name: aggregate(suite, [c for c in cases if c.project == name])
                for name in sorted({case.project for case in cases})
            }
            results.append(SuiteResult(suite.name, aggregate(suite, cases), cases, per_project))
        result = EvalResult(
            engine=self.options.engine,
            writer=workspace.writer if workspace else "none (the loaders alone)",
            started_at=started,
            seconds=time.perf_counter() - clock,
            projects=[p.name for p in projects],
            suites=results,
        )
        if self.thresholds is not None:
            measured = [suite for suite in results if suite.skipped is None]
            result.failures = self.thresholds.failures(self.options.engine, measured)
        return result

    def _ingested(self, projects: list[FixtureProject]) -> Workspace:
        """The workspace the suites drive, with every fixture project's record ingested."""
        base = self.open_workspace("offline")
        for project in projects:
            self.progress(f"Ingesting {project.name}")
            summary = base.ingest(project.record, project.name)
            if summary.failures:
                raise InvalidInputError(
                    f"The fixture record of {project.name} has files that fail to load: "
                    + "; ".join(f"{f.file}: {f.reason}" for f in summary.failures[:3])
                )
        return base if self.options.engine == "offline" else self.open_workspace("model")

    def _standalone(
        self, suite: EvalSuite, run: Callable[[list[str] | None], list[CaseResult] | str]
    ) -> SuiteResult:
        """A suite over records of its own: its metrics pooled and per source (the cases'
        `project`), or the reason it was skipped."""
        self.progress(suite.name)
        outcome = run(self.options.projects)
        if isinstance(outcome, str):
            self.progress(f"{suite.name}: {outcome}")
            return SuiteResult(suite.name, {}, [], skipped=outcome)
        per_source = {
            name: aggregate(suite, [c for c in outcome if c.project == name])
            for name in sorted({case.project for case in outcome})
        }
        return SuiteResult(suite.name, aggregate(suite, outcome), outcome, per_source)

    def _judged(self, statements: list[tuple[str, list[Evidence]]]) -> tuple[int, int]:
        """(statements judged, judged supported); nothing without a judge."""
        if self.judge is None:
            return 0, 0
        chosen = statements[:JUDGED_PER_CASE]
        verdicts = [self.judge(text, cited) for text, cited in chosen]
        return len(verdicts), sum(1 for supported in verdicts if supported)


def aggregate(suite: EvalSuite, cases: list[CaseResult]) -> dict[str, float]:
    """A suite's metrics, pooled over every case of every project (micro-averages): what every
    suite measures (validity, tokens, latency), then the suite's own."""
    tally = Tally(cases)
    ran = tally.ran
    judged = tally.total("judged")
    metrics: dict[str, float | None] = {
        "cases": len(cases),
        "schema_validity": tally.share(len(ran), len(cases)),
        "prompt_tokens_mean": round(sum(c.prompt_tokens for c in ran) / len(ran), 1) if ran else 0,
        "latency_p50_s": percentile([c.seconds for c in ran], 50),
        "latency_max_s": round(max((c.seconds for c in ran), default=0.0), 3),
    }
    metrics |= suite.metrics(tally)
    if judged:
        metrics["judge_support"] = tally.share(tally.total("judge_supported"), judged)
    return {name: value for name, value in metrics.items() if value is not None}
