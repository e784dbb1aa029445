"""`pmassist eval`: run the labelled projects through pmassist and measure every draft.

There are two sets of labelled projects, measured and gated apart:

- the fixtures (`evals/fixtures/<project>/`): records written for the evals, every label known;
- the real projects (`evals/real/<corpus>/` with a `scope.yaml`): a slice of real teams' records
  (`evals/real_records.py`), hand labelled. Without the records folder the set is skipped
  (`skipped: no real records at <path>`) and gates nothing; a file of theirs that fails to load
  is reported, and the run goes on.

Every project's record is ingested into a scratch data directory; then every chosen suite
(`evals/suites/`) runs over every project of each set it measures (the real set: the suites
marked `real`), and its metrics are pooled over the set's projects and gated by that set's
thresholds (`thresholds.yaml`: `offline`/`model` for the fixtures, `real:` for the real set).
`--set fixtures` or `--set real` runs one set alone. A case that fails with a model error counts
against schema validity; the run goes on. A suite over records of its own (`extraction`) runs
once, needs no project ingested, and is skipped (gating nothing) when it has nothing to measure.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NoReturn

from assistant.domain.errors import InvalidInputError, PmassistError
from assistant.domain.evidence import Evidence
from evals.dataset import DataSet, FixtureError, FixtureProject, load_fixtures
from evals.real_records import (
    LABELS,
    load_real_projects,
    real_project_names,
    records_folder,
    stage,
)
from evals.results import CaseResult, Engine, EvalResult, SuiteResult, Tally, percentile
from evals.suites import SUITES, EvalSuite, SuiteRun
from evals.thresholds import Thresholds
from evals.workspace import Workspace

JUDGED_PER_CASE = 4  # bounds what the optional judge costs
FAILURES_SHOWN = 5  # of a real project's files that fail to load, named one by one

# The workspace a run drives, for its engine: "offline" has no model, "model" the configured one.
OpenWorkspace = Callable[[Engine], Workspace]
# A model's verdict on one statement and the sources it cites: supported or not.
JudgeStatement = Callable[[str, list[Evidence]], bool]
# Which sets a run measures.
SetChoice = Literal["all", "fixtures", "real"]


@dataclass
class EvalOptions:
    fixtures: Path
    work_dir: Path
    suites: tuple[EvalSuite, ...] = SUITES
    engine: Engine = "offline"
    projects: list[str] | None = None
    weeks: list[str] | None = None
    questions: list[str] | None = None
    dataset: SetChoice = "all"
    real_labels: Path = LABELS
    records: Path | None = None  # the real records; None: where `records_folder()` finds them


@dataclass
class _Sets:
    """The projects of each set a run measures, and why the real set is not measured."""

    fixtures: list[FixtureProject] = field(default_factory=list)
    real: list[FixtureProject] = field(default_factory=list)
    real_skipped: str | None = None
    real_problems: list[str] = field(default_factory=list)


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
        sets = self._projects()
        # Suites with records of their own need no project ingested (nor a model).
        workspace = self._ingested(sets) if sets.fixtures or sets.real else None
        results: list[SuiteResult] = []
        for suite in self.options.suites:
            if suite.standalone is not None:
                results.append(self._standalone(suite, suite.standalone))
                continue
            if workspace is None:
                # Only the real set was asked for, and it is skipped (the run says why).
                self.progress(f"{suite.name}: no project to measure")
                continue
            results += self._measured(suite, workspace, sets)
        result = EvalResult(
            engine=self.options.engine,
            writer=workspace.writer if workspace else "none (the loaders alone)",
            started_at=started,
            seconds=time.perf_counter() - clock,
            projects=[p.name for p in sets.fixtures],
            suites=results,
            real_projects=[p.name for p in sets.real],
            real_skipped=sets.real_skipped,
            real_problems=sets.real_problems,
            model=workspace.model_figures() if workspace else {},
        )
        if self.thresholds is not None:
            measured = [suite for suite in results if suite.skipped is None]
            result.failures = self.thresholds.failures(self.options.engine, measured)
        return result

    # The projects ---------------------------------------------------------------------------

    def _projects(self) -> _Sets:
        """The fixture and real projects the chosen suites and sets measure (`--project` names
        either kind)."""
        options = self.options
        on_projects = [s for s in options.suites if s.standalone is None]
        sets = _Sets()
        if not on_projects:
            return sets
        real_names = real_project_names(options.real_labels)
        wanted_real = [p for p in options.projects or [] if p in real_names]
        wanted_fixtures = [p for p in options.projects or [] if p not in real_names]
        if options.dataset != "real" and (wanted_fixtures or not options.projects):
            sets.fixtures = load_fixtures(options.fixtures, wanted_fixtures or None)
            if not sets.fixtures:
                raise InvalidInputError(f"No fixture projects in {options.fixtures}.")
        elif options.dataset == "real" and wanted_fixtures:
            raise InvalidInputError(
                f"No real project {', '.join(wanted_fixtures)} in {options.real_labels} "
                f"(there are: {', '.join(real_names) or 'none'})."
            )
        if any(s.real for s in on_projects):
            self._real_set(sets, wanted_real)
        clash = {p.name for p in sets.fixtures} & {p.name for p in sets.real}
        if clash:
            raise FixtureError(f"{', '.join(sorted(clash))}: both a fixture and a real project.")
        return sets

    def _records(self) -> Path:
        """The real records: the options' folder, else where `records_folder()` finds them."""
        given = self.options.records
        return given if given is not None else records_folder()

    def _real_set(self, sets: _Sets, wanted: list[str]) -> None:
        options = self.options
        records = self._records()
        if options.dataset == "fixtures":
            sets.real_skipped = "skipped: --set fixtures"
        elif not records.is_dir():
            sets.real_skipped = f"skipped: no real records at {records}"
        elif options.projects and not wanted:
            sets.real_skipped = f"skipped: no real project among {', '.join(options.projects)}"
        else:
            sets.real = load_real_projects(options.real_labels, wanted or None)
            if not sets.real:
                sets.real_skipped = f"skipped: no real project labelled in {options.real_labels}"
        if sets.real_skipped:
            self.progress(f"Real projects: {sets.real_skipped}")

    def _ingested(self, sets: _Sets) -> Workspace:
        """The workspace the suites drive, with every project's record ingested. A fixture file
        that fails to load is an error; a real one is reported."""
        base = self.open_workspace("offline")
        for project in sets.fixtures:
            self.progress(f"Ingesting {project.name}")
            summary = base.ingest(project.record, project.name)
            if summary.failures:
                raise InvalidInputError(
                    f"The fixture record of {project.name} has files that fail to load: "
                    + "; ".join(f"{f.file}: {f.reason}" for f in summary.failures[:3])
                )
        for project in list(sets.real):
            staged = stage(project, self._records(), self.options.work_dir)
            sets.real_problems += staged.problems
            if not staged.files:
                sets.real.remove(project)
                continue
            self.progress(f"Ingesting {project.name} (real, {staged.files} files)")
            clock = time.perf_counter()
            try:
                summary = base.ingest(staged.folder, project.name)
            except PmassistError as error:
                sets.real_problems.append(f"{project.name}: ingest failed: {error}")
                sets.real.remove(project)
                continue
            failures = [f"{f.file}: {f.reason}" for f in summary.failures]
            if failures:
                sets.real_problems.append(
                    f"{project.name}: {len(failures)} file(s) failed to load: "
                    + "; ".join(failures[:FAILURES_SHOWN])
                )
            self.progress(f"Ingested {project.name} in {time.perf_counter() - clock:.0f} s")
        for problem in sets.real_problems:
            self.progress(f"Real records: {problem}")
        if not sets.real and not sets.real_skipped and any(s.real for s in self.options.suites):
            sets.real_skipped = "skipped: no real project could be ingested"
        return base if self.options.engine == "offline" else self.open_workspace("model")

    # The suites -----------------------------------------------------------------------------

    def _measured(self, suite: EvalSuite, workspace: Workspace, sets: _Sets) -> list[SuiteResult]:
        """The suite's figures on each set it measures; a set without a case is skipped (the
        run fails when no set has one)."""
        chosen: list[tuple[DataSet, list[FixtureProject]]] = []
        if sets.fixtures:
            chosen.append(("fixtures", sets.fixtures))
        if suite.real and sets.real:
            chosen.append(("real", sets.real))
        if not chosen:
            self.progress(f"{suite.name}: no project of the chosen sets to measure")
            return []
        measured = [(name, self._cases(suite, workspace, projects)) for name, projects in chosen]
        if not any(cases for _, cases in measured):
            self._no_case(suite, [p for _, projects in chosen for p in projects])
        results = []
        for name, cases in measured:
            if not cases:
                why = "skipped: no case matches the filters"
                results.append(SuiteResult(suite.name, {}, [], skipped=why, dataset=name))
                continue
            per_project = {
                project: aggregate(suite, [c for c in cases if c.project == project])
                for project in sorted({case.project for case in cases})
            }
            results.append(
                SuiteResult(suite.name, aggregate(suite, cases), cases, per_project, dataset=name)
            )
        return results

    def _cases(
        self, suite: EvalSuite, workspace: Workspace, projects: list[FixtureProject]
    ) -> list[CaseResult]:
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
        return cases

    def _no_case(self, suite: EvalSuite, projects: list[FixtureProject]) -> NoReturn:
        raise InvalidInputError(
            f"No {suite.name} case matches the filters (projects "
            f"{', '.join(p.name for p in projects)}"
            + (f", weeks {', '.join(self.options.weeks)}" if self.options.weeks else "")
            + (f", questions {', '.join(self.options.questions)}" if self.options.questions else "")
            + ")."
        )

    def _standalone(
        self, suite: EvalSuite, run: Callable[[list[str] | None], list[CaseResult] | str]
    ) -> SuiteResult:
        """A suite over records of its own: its metrics pooled and per source (the cases'
        `project`), or the reason it was skipped. Its records are real ones: `--set fixtures`
        skips it."""
        self.progress(suite.name)
        outcome = (
            "skipped: --set fixtures"
            if self.options.dataset == "fixtures"
            else run(self.options.projects)
        )
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
