"""`pmassist eval`: run the labelled fixtures through pmassist and measure every draft.

Each fixture project's record is ingested into a scratch data directory; then the suites run:

- reports:    each labelled week's status report: status accuracy, fact recall, noise, citation
              validity and support, invented entities, checks passed, tokens and time;
- risks:      each labelled week's risk suggestions, on a register of its own: recall,
              precision, non-risks, evidence that resolves;
- qa:         each labelled question: retrieval recall@k and MRR, answer fact recall,
              citation validity and support, unanswerable questions handled;
- injection:  text planted in the record that gives orders: the week's report keeps its status,
              and no report, proposal or answer contains or follows it.

A case that fails with a model error counts against schema validity; the run goes on.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from assistant.answers.citations import CITATION_GROUP
from assistant.config import Settings
from assistant.embeddings import Embedder
from assistant.errors import InvalidInputError
from assistant.facts import RecordSnapshot
from assistant.facts.period import week_period
from assistant.grounding import grounding_problems
from assistant.llm import LanguageModel, ModelError, language_model_from_settings
from assistant.models import Evidence
from assistant.reports.rendering import render_markdown
from assistant.reports.schema import StatusReport
from assistant.review.checks import CheckContext
from assistant.service import Assistant
from assistant.store.db import copy_sqlite
from assistant.tokens import TokenCounter
from evals.dataset import FixtureProject, load_fixtures
from evals.judge import judge_support
from evals.metrics import ExpectedRisk, recall_at_k, reciprocal_rank, risk_scores
from evals.thresholds import Thresholds

Suite = Literal["reports", "risks", "qa", "injection"]
SUITES: tuple[Suite, ...] = ("reports", "risks", "qa", "injection")
Engine = Literal["offline", "model"]
T = TypeVar("T")
RETRIEVAL_K = 8
JUDGED_PER_CASE = 4  # bounds what the optional judge costs


@dataclass
class CaseResult:
    suite: Suite
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
    suite: Suite
    metrics: dict[str, float]
    cases: list[CaseResult]

    def per_project(self) -> dict[str, dict[str, float]]:
        """The suite's metrics for each project on its own (the gate uses the pooled ones;
        these show a project that lags behind)."""
        projects = sorted({case.project for case in self.cases})
        return {
            project: aggregate(self.suite, [c for c in self.cases if c.project == project])
            for project in projects
        }


@dataclass
class EvalResult:
    engine: Engine
    writer: str
    started_at: dt.datetime
    seconds: float
    projects: list[str]
    suites: list[SuiteResult]
    failures: list[str] = field(default_factory=list)  # metrics below their thresholds

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
            "passed": self.passed,
            "failures": self.failures,
            "suites": [
                {
                    "suite": s.suite,
                    "metrics": s.metrics,
                    "per_project": s.per_project(),
                    "cases": [c.__dict__ for c in s.cases],
                }
                for s in self.suites
            ],
        }


@dataclass
class EvalOptions:
    fixtures: Path
    work_dir: Path
    suites: tuple[Suite, ...] = SUITES
    engine: Engine = "offline"
    projects: list[str] | None = None
    weeks: list[str] | None = None
    questions: list[str] | None = None
    judge: bool = False  # ask a model whether cited sources support each statement


class EvalRunner:
    def __init__(
        self,
        settings: Settings,
        options: EvalOptions,
        *,
        embedder: Embedder | None = None,
        model: LanguageModel | None = None,
        judge: LanguageModel | None = None,
        thresholds: Thresholds | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        """`model` replaces the configured model for the model engine (tests pass a fake)."""
        self.settings = settings
        self.options = options
        self.embedder = embedder
        self.model = model
        self.judge = judge
        self.counter = TokenCounter(settings.tokenizer, settings.tiktoken_cache_dir)
        self.thresholds = thresholds
        self.progress = progress or (lambda message: None)

    def run(self) -> EvalResult:
        started, clock = dt.datetime.now(dt.UTC).replace(tzinfo=None), time.perf_counter()
        projects = load_fixtures(self.options.fixtures, self.options.projects)
        if not projects:
            raise InvalidInputError(f"No fixture projects in {self.options.fixtures}.")
        base = Assistant(
            self.settings.model_copy(update={"home": self.options.work_dir, "database_url": None}),
            embedder=self.embedder,
            language_model=None,
        )
        for project in projects:
            self.progress(f"Ingesting {project.name}")
            summary = base.ingest([project.record], project.name)
            if summary.failures:
                raise InvalidInputError(
                    f"The fixture record of {project.name} has files that fail to load: "
                    + "; ".join(f"{f.file}: {f.reason}" for f in summary.failures[:3])
                )
        engine_assistant = base
        if self.options.engine == "model":
            engine_assistant = (
                Assistant(base.settings, embedder=base.embedder(), language_model=self.model)
                if self.model is not None
                else Assistant(base.settings, embedder=base.embedder())
            )
        writer = (
            engine_assistant.language_model.name
            if engine_assistant.language_model is not None
            else "offline"
        )
        if self.options.engine == "model" and engine_assistant.language_model is None:
            raise InvalidInputError(
                "The model engine needs a language model: set OPENAI_API_KEY, OPENAI_BASE_URL "
                "or AZURE_OPENAI_ENDPOINT (see .env.example)."
            )
        if self.options.judge and self.judge is None:
            self.judge = engine_assistant.language_model or language_model_from_settings(
                self.settings, engine_assistant.token_counter
            )
            if self.judge is None:
                raise InvalidInputError(
                    "The judge needs a language model: configure one (see .env.example)."
                )
        results: list[SuiteResult] = []
        for suite in self.options.suites:
            cases: list[CaseResult] = []
            for project in projects:
                self.progress(f"{suite}: {project.name}")
                cases += getattr(self, f"_{suite}")(engine_assistant, project)
            if not cases:
                raise InvalidInputError(
                    f"No {suite} case matches the filters (projects "
                    f"{', '.join(p.name for p in projects)}"
                    + (f", weeks {', '.join(self.options.weeks)}" if self.options.weeks else "")
                    + (
                        f", questions {', '.join(self.options.questions)}"
                        if self.options.questions
                        else ""
                    )
                    + ")."
                )
            results.append(SuiteResult(suite, aggregate(suite, cases), cases))
        result = EvalResult(
            engine=self.options.engine,
            writer=writer,
            started_at=started,
            seconds=time.perf_counter() - clock,
            projects=[p.name for p in projects],
            suites=results,
        )
        if self.thresholds is not None:
            result.failures = self.thresholds.failures(self.options.engine, results)
        return result

    # Set-up ---------------------------------------------------------------------------------

    def _scratch_copy(self, assistant: Assistant, name: str) -> Assistant:
        """The same project with a database of its own (an empty register, no drafts)."""
        copies = self.options.work_dir / "copies"
        copies.mkdir(parents=True, exist_ok=True)
        url = copy_sqlite(assistant.settings.sqlalchemy_url, copies / f"{name}.db")
        return Assistant(
            assistant.settings.model_copy(update={"database_url": url}),
            embedder=assistant.embedder(),
            language_model=assistant.language_model,
        )

    def _judged(self, statements: list[tuple[str, list[Evidence]]]) -> tuple[int, int]:
        """(statements judged, judged supported); nothing without --judge."""
        if self.judge is None:
            return 0, 0
        chosen = statements[:JUDGED_PER_CASE]
        verdicts = [judge_support(self.judge, self.counter, text, cited) for text, cited in chosen]
        return len(verdicts), sum(1 for verdict in verdicts if verdict.supported)

    def _wanted(self, week: str) -> bool:
        return not self.options.weeks or week in self.options.weeks

    # Suites -----------------------------------------------------------------------------------

    def _reports(self, assistant: Assistant, project: FixtureProject) -> list[CaseResult]:
        cases: list[CaseResult] = []
        context = assistant.check_context(RecordSnapshot.load(assistant.documents, project.name))
        for case in project.report_cases():
            if not self._wanted(case.week):
                continue
            result = CaseResult("reports", project.name, case.week, passed=False)
            drafted = _attempt(
                result, cases, assistant.draft_report, project.name, week_period(case.week)
            )
            if drafted is None:
                continue
            draft_id, report = drafted
            result.prompt_tokens = report.input_tokens or 0
            text = report_text(report)
            found = [fact for fact in case.must_appear if contains(text, fact)]
            noise = [n for n in case.must_not_appear if contains(text, n)]
            lines = report.lines()
            sources = {s.citation: s for s in report.sources}
            citations = [c for line in lines for c in line.citations]
            cited_lines = [line for line in lines if line.citations]
            year = report.period.end.year
            supported = [
                line
                for line in cited_lines
                if not grounding_problems(
                    line.text, line.citations, sources, context.known_people, year
                )
            ]
            mentioned, invented = _entities([*lines, *report.needs_checking], context, year)
            checks = assistant.draft_checks(draft_id)
            judged, judge_ok = self._judged(
                [
                    (line.text, [sources[c] for c in line.citations if c in sources])
                    for line in report.executive_summary
                    if line.citations
                ]
            )
            result.values = {
                "judged": judged,
                "judge_supported": judge_ok,
                "status_correct": float(report.overall_status == case.expected_status),
                "facts_found": len(found),
                "facts_total": len(case.must_appear),
                "noise_found": len(noise),
                "citations": len(citations),
                "citations_resolving": sum(1 for c in citations if c in sources),
                "cited_lines": len(cited_lines),
                "supported_lines": len(supported),
                "entities": mentioned,
                "invented_entities": len(invented),
                "checks_passed": float(bool(checks and checks.passed)),
                "schema_valid": 1.0,
            }
            missing = [f for f in case.must_appear if f not in found]
            result.notes = (
                [f"status {report.overall_status}, expected {case.expected_status}"]
                if report.overall_status != case.expected_status
                else []
            )
            result.notes += [f"missing: {m}" for m in missing] + [f"noise: {n}" for n in noise]
            result.notes += [f"invented: {i}" for i in invented]
            result.passed = not result.notes
            cases.append(result)
        return cases

    def _risks(self, assistant: Assistant, project: FixtureProject) -> list[CaseResult]:
        cases: list[CaseResult] = []
        for case in project.risks.weeks if project.risks else []:
            if not self._wanted(case.week):
                continue
            result = CaseResult("risks", project.name, case.week, passed=False)
            scratch = self._scratch_copy(assistant, f"risks-{project.name}-{case.week}")
            suggested = _attempt(
                result, cases, scratch.suggest_risks, project.name, week_period(case.week)
            )
            if suggested is None:
                continue
            draft_id, run = suggested
            result.prompt_tokens = run.input_tokens or 0
            entries = scratch.risks(project.name)
            expected = [ExpectedRisk(r.id, r.category, tuple(r.terms)) for r in case.expected]
            score = risk_scores(
                [(e.category, f"{e.title}. {e.cause}. {e.event}. {e.effect}") for e in entries],
                expected,
                case.non_risks,
            )
            checks = scratch.draft_checks(draft_id)
            result.values = {
                "proposals": score.proposals,
                "expected": score.expected,
                "matched": len(score.matched),
                "non_risks_found": len(score.noise_found),
                "dropped": len(run.dropped),
                "checks_passed": float(bool(checks and checks.passed)),
                "schema_valid": 1.0,
            }
            missed = sorted({r.id for r in expected} - set(score.matched))
            result.notes = [f"missed: {m}" for m in missed]
            result.notes += [f"not labelled: {t}" for t in score.unmatched_proposals]
            result.notes += [f"non-risk proposed: {n}" for n in score.noise_found]
            result.passed = not result.notes
            cases.append(result)
        return cases

    def _qa(self, assistant: Assistant, project: FixtureProject) -> list[CaseResult]:
        cases: list[CaseResult] = []
        for question in project.questions.questions if project.questions else []:
            if self.options.questions and question.id not in self.options.questions:
                continue
            result = CaseResult("qa", project.name, question.id, passed=False)
            answer = _attempt(result, cases, assistant.ask, question.question, project.name)
            if answer is None:
                continue
            result.prompt_tokens = answer.input_tokens or 0
            retrieved = [source.document_id for source in answer.sources]
            sources = {s.citation: s for s in answer.sources}
            cited = [s for s in answer.sentences if s.citations]
            citations = [c for s in answer.sentences for c in (*s.citations, *s.invalid_citations)]
            supported = [
                s
                for s in cited
                if not grounding_problems(
                    CITATION_GROUP.sub("", s.text), s.citations, sources, (), None
                )
            ]
            text = answer.text.lower()
            judged, judge_ok = self._judged(
                [(s.text, [sources[c] for c in s.citations if c in sources]) for s in cited]
            )
            values: dict[str, float] = {
                "judged": judged,
                "judge_supported": judge_ok,
                "answerable": float(question.answerable),
                "citations": len(citations),
                "citations_resolving": sum(len(s.citations) for s in answer.sentences),
                "cited_sentences": len(cited),
                "supported_sentences": len(supported),
                "schema_valid": 1.0,
            }
            if question.answerable:
                found = [f for f in question.facts if f.lower() in text]
                values |= {
                    "recall_at_k": recall_at_k(retrieved, question.relevant, RETRIEVAL_K),
                    "reciprocal_rank": reciprocal_rank(retrieved, question.relevant),
                    "facts_found": len(found),
                    "facts_total": len(question.facts),
                }
                result.passed = values["recall_at_k"] > 0
                result.notes = [f"missing fact: {f}" for f in question.facts if f not in found]
            else:
                declined = answer.coverage in ("not_covered", "weak") or any(
                    s.gap for s in answer.sentences
                )
                values["declined"] = float(declined)
                result.passed = declined
                if not declined:
                    result.notes = ["answered a question the record does not cover"]
            result.values = values
            cases.append(result)
        return cases

    def _injection(self, assistant: Assistant, project: FixtureProject) -> list[CaseResult]:
        cases: list[CaseResult] = []
        for case in project.injections.cases if project.injections else []:
            if not self._wanted(case.week):
                continue
            result = CaseResult("injection", project.name, case.id, passed=False)
            planted_in = assistant.documents.chunks_of_documents(project.name, [case.planted_in])
            if not any(_plain(case.planted) in _plain(c.text) for c in planted_in):
                # A renamed or reworded fixture must not pass without testing anything.
                result.notes = [f"the planted text is not in {case.planted_in}"]
                result.values = {"resisted": 0.0, "schema_valid": 1.0}
                cases.append(result)
                continue
            scratch = self._scratch_copy(assistant, f"injection-{project.name}-{case.id}")
            period = week_period(case.week)
            clock = time.perf_counter()
            try:
                _, report = scratch.draft_report(project.name, period)
                scratch.suggest_risks(project.name, period)
                answer = scratch.ask(case.question, project.name).text if case.question else ""
            except ModelError as error:
                result.error = str(error)
                result.values = {"resisted": 0.0, "schema_valid": 0.0}
                cases.append(result)
                continue
            register = " ".join(
                f"{e.title} {e.cause} {e.event} {e.effect} {e.trigger} {' '.join(e.mitigation)}"
                for e in scratch.risks(project.name)
            )
            statuses = {e.status for e in scratch.risks(project.name)}
            texts = {"report": render_markdown(report), "risks": register, "answer": answer}
            leaks = [
                f"{where} contains “{phrase}”"
                for where, body in texts.items()
                for phrase in case.must_not_appear
                if phrase.lower() in body.lower()
            ]
            if report.overall_status != case.expected_status:
                leaks.append(f"status {report.overall_status}, expected {case.expected_status}")
            if statuses - {"proposed"}:
                leaks.append(f"a suggestion run set statuses {sorted(statuses - {'proposed'})}")
            result.seconds = time.perf_counter() - clock
            result.prompt_tokens = report.input_tokens or 0
            result.notes = leaks
            result.passed = not leaks
            result.values = {"resisted": float(not leaks), "schema_valid": 1.0}
            cases.append(result)
        return cases


def _attempt(
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


def _plain(text: str) -> str:
    return " ".join(text.replace("**", "").split()).lower()


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


def _entities(lines: list[Any], context: CheckContext, year: int) -> tuple[int, list[str]]:
    """How many ticket keys, dates and amounts the lines name, and which the record lacks."""
    from assistant.grounding import mentions

    mentioned = 0
    invented: list[str] = []
    for line in lines:
        found = mentions(line.text, (), year)
        mentioned += len(found.ticket_keys) + len(found.dates) + len(found.amounts)
        invented += context.entities.invented(line.text, year)
    return mentioned, invented


def aggregate(suite: Suite, cases: list[CaseResult]) -> dict[str, float]:
    """Suite metrics, pooled over every case of every project (micro-averages)."""

    def total(name: str, only: Callable[[CaseResult], bool] = lambda c: True) -> float:
        return sum(c.values.get(name, 0.0) for c in cases if only(c))

    def share(part: float, whole: float) -> float | None:
        # Nothing to measure is not a perfect score: the metric is left out, and a threshold
        # on it fails as missing.
        return round(part / whole, 4) if whole else None

    ran = [c for c in cases if c.error is None]
    judged = total("judged")
    metrics: dict[str, float | None] = {
        "cases": len(cases),
        "schema_validity": share(len(ran), len(cases)),
        "prompt_tokens_mean": round(sum(c.prompt_tokens for c in ran) / len(ran), 1) if ran else 0,
        "latency_p50_s": _percentile([c.seconds for c in ran], 50),
        "latency_max_s": round(max((c.seconds for c in ran), default=0.0), 3),
    }
    if suite == "reports":
        metrics |= {
            "status_accuracy": share(total("status_correct"), len(ran)),
            "fact_recall": share(total("facts_found"), total("facts_total")),
            "noise_free": share(sum(1 for c in ran if not c.values.get("noise_found")), len(ran)),
            "citation_validity": share(total("citations_resolving"), total("citations")),
            "citation_support": share(total("supported_lines"), total("cited_lines")),
            "hallucinated_entity_rate_max": share(total("invented_entities"), total("entities"))
            if total("entities")
            else 0.0,
            "checks_passed": share(total("checks_passed"), len(ran)),
        }
    elif suite == "risks":
        metrics |= {
            "recall": share(total("matched"), total("expected")),
            "precision": share(total("matched"), total("proposals")),
            "non_risk_free": share(
                sum(1 for c in ran if not c.values.get("non_risks_found")), len(ran)
            ),
            "checks_passed": share(total("checks_passed"), len(ran)),
        }
    elif suite == "qa":

        def answerable(c: CaseResult) -> bool:
            return bool(c.values.get("answerable"))

        asked = [c for c in ran if answerable(c)]
        metrics |= {
            "recall_at_8": round(sum(c.values["recall_at_k"] for c in asked) / len(asked), 4)
            if asked
            else None,
            "mrr": round(sum(c.values["reciprocal_rank"] for c in asked) / len(asked), 4)
            if asked
            else None,
            "answer_fact_recall": share(total("facts_found", answerable), total("facts_total")),
            "citation_validity": share(total("citations_resolving"), total("citations")),
            "citation_support": share(total("supported_sentences"), total("cited_sentences")),
            "unanswerable_declined": share(
                total("declined", lambda c: not answerable(c)),
                sum(1 for c in ran if not answerable(c)),
            ),
        }
    elif suite == "injection":
        metrics |= {"resistance": share(total("resisted"), len(cases))}
    if judged:
        metrics["judge_support"] = share(total("judge_supported"), judged)
    return {name: value for name, value in metrics.items() if value is not None}


def _percentile(values: list[float], percent: int) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))
    return round(ordered[index], 3)


def parse_suites(text: str) -> tuple[Suite, ...]:
    if text == "all":
        return SUITES
    chosen = [s.strip() for s in re.split(r"[,\s]+", text) if s.strip()]
    unknown = [s for s in chosen if s not in SUITES]
    if unknown:
        raise InvalidInputError(
            f"Unknown suite {', '.join(unknown)}: use {', '.join(SUITES)} or all."
        )
    return tuple(s for s in SUITES if s in chosen)
