"""`pmassist eval`: the labelled projects run through pmassist's own use cases, gated by the
thresholds; and approved reports captured as new cases.

The suites (`evals/`) drive a `Workspace`; here the service provides one: a scratch data
directory with the labelled projects ingested (the fixtures, and the real projects' slices of real
records where those are present), answering through the same use cases as the CLI, the API and the
web pages.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import evals
from assistant.domain.answer import Answer
from assistant.domain.drafts import DraftChecks
from assistant.domain.errors import InvalidInputError
from assistant.domain.evidence import Evidence
from assistant.domain.ingest import IngestSummary
from assistant.domain.period import ReportPeriod
from assistant.domain.report import StatusReport
from assistant.domain.risk import RiskEntry, RiskSuggestionRun
from assistant.review.checks import CheckContext
from assistant.service.drafts import DraftService
from assistant.service.questions import QuestionService
from assistant.service.records import RecordService
from assistant.service.reports import ReportService
from assistant.service.risks import RiskService
from assistant.service.wiring import Wiring
from assistant.store.maintenance import copy_sqlite
from evals import suites
from evals.capture import capture_case
from evals.dataset import ReportCase
from evals.judge import judge_support
from evals.real_records import LABELS
from evals.report import metric_rows, project_rows, real_set_line, write_results
from evals.results import Engine, EvalResult
from evals.runner import EvalOptions, EvalRunner, SetChoice
from evals.thresholds import Thresholds
from evals.workspace import Workspace

EVALS = Path(evals.__file__).resolve().parent
FIXTURES = EVALS / "fixtures"
THRESHOLDS = EVALS / "thresholds.yaml"
RESULTS_FILE = "eval-results.json"

MetricRow = tuple[str, str, float, str, str]  # suite, metric, value, threshold, verdict
ProjectRow = tuple[str, str, str]  # suite, gated metric, its figure per project
SETS = ("all", "fixtures", "real")


@dataclass(frozen=True)
class EvalRun:
    result: EvalResult
    rows: list[MetricRow]
    json_path: Path
    html_path: Path
    project_rows: list[ProjectRow]
    real_set: str  # the real projects measured, or why none was


def suite_names() -> list[str]:
    """The eval suites there are (the suite registry), as read now."""
    return suites.names()


class EvalService:
    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring

    def run(
        self,
        *,
        suite: str = "all",
        engine: str = "offline",
        projects: list[str] | None = None,
        weeks: list[str] | None = None,
        questions: list[str] | None = None,
        judge: bool = False,
        fixtures: Path | None = None,
        thresholds: Path | Thresholds | None = None,
        out: Path | None = None,
        progress: Callable[[str], None] | None = None,
        dataset: str = "all",
        real_labels: Path | None = None,
    ) -> EvalRun:
        """Run the suites over the labelled projects in a fresh data directory (nothing from an
        earlier run leaks in), write the results as JSON and HTML, and gate the metrics.
        `dataset`: all, fixtures (the fixture projects) or real (real teams' records, where
        they are present; `real_labels` is their labels folder, `evals/real` by default)."""
        if engine not in ("offline", "model"):
            raise InvalidInputError(
                f"The engine is offline or model, not '{engine}'.", field="engine"
            )
        if dataset not in SETS:
            raise InvalidInputError(f"The set is {', '.join(SETS)}, not '{dataset}'.", field="set")
        chosen_set: SetChoice = (
            "fixtures" if dataset == "fixtures" else "real" if dataset == "real" else "all"
        )
        chosen_engine: Engine = "offline" if engine == "offline" else "model"
        root = fixtures or FIXTURES
        if not root.is_dir():
            raise InvalidInputError(f"No fixtures folder at {root}.", field="fixtures")
        gates = (
            thresholds
            if isinstance(thresholds, Thresholds)
            else Thresholds.load(thresholds or THRESHOLDS)
        )
        chosen = suites.parse_suites(suite)
        model = self.wiring.language_model
        if chosen_engine == "model" and model is None:
            raise InvalidInputError(
                "The model engine needs a language model: set OPENAI_API_KEY, OPENAI_BASE_URL "
                "or AZURE_OPENAI_ENDPOINT (see .env.example).",
                field="engine",
            )
        judged: Callable[[str, list[Evidence]], bool] | None = None
        if judge:
            if model is None:
                raise InvalidInputError(
                    "The judge needs a language model: configure one (see .env.example).",
                    field="judge",
                )
            counter = self.wiring.token_counter
            judged = lambda text, cited: judge_support(model, counter, text, cited).supported  # noqa: E731
        with tempfile.TemporaryDirectory(prefix="pmassist-eval-") as scratch:
            work = Path(scratch)
            options = EvalOptions(
                fixtures=root,
                work_dir=work,
                suites=chosen,
                engine=chosen_engine,
                projects=projects,
                weeks=weeks,
                questions=questions,
                dataset=chosen_set,
                real_labels=real_labels or LABELS,
            )
            runner = EvalRunner(
                options,
                lambda wanted: self._workspace(work, wanted),
                judge=judged,
                thresholds=gates,
                progress=progress,
            )
            result = runner.run()
        json_path, html_path = write_results(result, out or self.results_folder(), gates)
        return EvalRun(
            result,
            metric_rows(result, gates),
            json_path,
            html_path,
            project_rows(result, gates),
            real_set_line(result),
        )

    def results_folder(self) -> Path:
        return self.wiring.settings.home / "evals"

    def latest_results(self) -> dict[str, Any] | None:
        """The results of the last run with this data directory, if any."""
        path = self.results_folder() / RESULTS_FILE
        if not path.is_file():
            return None
        results: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return results

    def capture(self, draft_id: int, fixtures: Path | None = None) -> tuple[Path, ReportCase]:
        """An approved (and edited) report becomes a labelled case of its fixture project."""
        drafts = self.wiring.drafts
        draft = drafts.get(draft_id)
        approved = drafts.report(draft_id)
        first = drafts.report(drafts.versions(draft_id)[0].id)
        if approved is None or first is None:
            raise InvalidInputError(f"Draft {draft_id} is not a status report.", field="draft_id")
        return capture_case(draft, approved, first, fixtures or FIXTURES)

    def _workspace(self, work: Path, engine: Engine) -> Workspace:
        """The run's data directory: offline for ingest (and the offline engine), with the
        configured model for the model engine."""
        settings = self.wiring.settings.model_copy(update={"home": work, "database_url": None})
        model = self.wiring.language_model if engine == "model" else None
        return ServiceWorkspace(
            Wiring(settings, embedder=self.wiring.embedder(), language_model=model), work
        )


class ServiceWorkspace:
    """The use cases the suites drive, on one data directory (see `evals.workspace`)."""

    def __init__(self, wiring: Wiring, work: Path) -> None:
        self.wiring = wiring
        self.work = work
        self.records = RecordService(wiring)
        self.reports = ReportService(wiring)
        self.risk_service = RiskService(wiring)
        self.drafts = DraftService(wiring)
        self.questions = QuestionService(wiring)

    @property
    def writer(self) -> str:
        model = self.wiring.language_model
        return model.name if model is not None else "offline"

    def ingest(self, record: Path, project: str) -> IngestSummary:
        return self.records.ingest([record], project)

    def draft_report(self, project: str, period: ReportPeriod) -> tuple[int, StatusReport]:
        return self.reports.draft(project, period)

    def draft_checks(self, draft_id: int) -> DraftChecks | None:
        return self.drafts.checks(draft_id)

    def suggest_risks(self, project: str, period: ReportPeriod) -> tuple[int, RiskSuggestionRun]:
        return self.risk_service.suggest(project, period)

    def risks(self, project: str) -> list[RiskEntry]:
        return self.risk_service.entries(project)

    def ask(self, question: str, project: str) -> Answer:
        return self.questions.ask(question, project)

    def check_context(self, project: str) -> CheckContext:
        return self.wiring.check_context(self.wiring.record(project))

    def document_chunks(self, project: str, document_id: str) -> list[str]:
        return self.records.document_chunks(project, document_id)

    def model_figures(self) -> dict[str, float]:
        model = self.wiring.language_model
        return model.journal.figures() if model is not None else {}

    def scratch_copy(self, name: str) -> Workspace:
        copies = self.work / "copies"
        copies.mkdir(parents=True, exist_ok=True)
        url = copy_sqlite(self.wiring.settings.sqlalchemy_url, copies / f"{name}.db")
        settings = self.wiring.settings.model_copy(update={"database_url": url})
        wiring = Wiring(
            settings,
            embedder=self.wiring.embedder(),
            language_model=self.wiring.language_model,
        )
        return ServiceWorkspace(wiring, self.work)
