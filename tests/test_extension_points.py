"""Each extension point is one new module plus one registry line: a throwaway loader, report
section, risk signal family, output format, eval suite and notification channel are registered
here (the registry line, by monkeypatch) and each is then used end to end, as
docs/architecture.md says.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant import cli, notify
from assistant.domain.drafts import DraftChecks
from assistant.domain.notice import Notice, NoticeNotDeliveredError
from assistant.domain.period import week_period
from assistant.domain.record import Kind, StatusCategory, Ticket
from assistant.domain.report import SectionLine, StatusReport
from assistant.domain.risk import ProposalDraft
from assistant.reports import rendering, sections
from assistant.reports.drafting import model_facts
from assistant.reports.rendering import Renderer
from assistant.reports.sections import ReportSection, SectionInputs
from assistant.risks import signals
from assistant.risks.signals import RiskSignal, SignalFamily
from assistant.risks.signals.proposals import draft
from assistant.risks.signals.scan import SignalScan
from assistant.server import create_app
from assistant.service import Assistant
from evals import suites
from evals.results import CaseResult, Tally
from evals.suites import EvalSuite, SuiteRun
from evals.thresholds import Thresholds
from ingest import loaders
from ingest.loaders.base import LoaderOptions, LoadResult
from ingest.loaders.files import Loader, RecordFile
from ingest.loaders.tickets import ticket_document
from tests.conftest import sample_copy

W46 = week_period("2026-W46")


# A loader: a tab-separated ticket list ------------------------------------------------------


def read_ticket_list(file: RecordFile, options: LoaderOptions) -> LoadResult:
    result = LoadResult(format="ticket-tsv")
    for row, fields in enumerate(csv.DictReader(io.StringIO(file.text), delimiter="\t"), 2):
        ticket = Ticket(
            key=fields["key"],
            summary=fields["summary"],
            status=fields["status"],
            status_category=StatusCategory.DONE
            if fields["status"] == "Done"
            else StatusCategory.TODO,
        )
        result.documents.append(
            ticket_document(ticket, file.source, options, file_format="ticket-tsv", row=row)
        )
    return result


TICKET_LIST = Loader(
    name="ticket-tsv",
    kind=Kind.TICKET,
    extensions=frozenset({".tsv"}),
    describes="a tab-separated ticket list (key, summary, status)",
    looks_like=lambda file: file.text.startswith("key\t"),
    load=read_ticket_list,
)


def test_a_new_loader_is_one_module_and_one_registry_line(
    assistant: Assistant, record: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loaders, "LOADERS", (*loaders.LOADERS, TICKET_LIST))
    (record / "board.tsv").write_text(
        "key\tsummary\tstatus\nOPS-1\tRotate the signing keys\tIn Progress\n"
        "OPS-2\tRenew the TLS certificates\tDone\n",
        encoding="utf-8",
    )
    summary = assistant.records.ingest([record], "ops")
    assert summary.failures == []
    documents = {d.id: d for d in assistant.records.documents("ops")}
    assert set(documents) == {"ticket:OPS-1", "ticket:OPS-2"}
    assert documents["ticket:OPS-1"].title == "OPS-1: Rotate the signing keys"
    assert ".tsv" in assistant.records.supported_extensions()
    assert assistant.uploads.check_upload("board.tsv", 100) == "board.tsv"
    hits = assistant.records.search("signing keys", "ops", k=1)
    assert hits[0].document_id == "ticket:OPS-1"


# A report section ----------------------------------------------------------------------------


def meetings_held(inputs: SectionInputs) -> list[SectionLine]:
    count = len(inputs.facts.meetings)
    return [inputs.line(f"{count} meeting{'s' if count != 1 else ''} held this week.", [])]


MEETINGS = ReportSection(key="meetings_held", title="Meetings held", build=meetings_held)


@pytest.fixture
def sample(harbor: Any, tmp_path: Path) -> Assistant:
    return sample_copy(harbor, tmp_path)


def test_a_new_report_section_is_one_module_and_one_registry_line(
    sample: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sections, "SECTIONS", (*sections.SECTIONS, MEETINGS))
    draft_id, report = sample.reports.draft("harbor", W46)
    assert list(report.sections)[-1] == "meetings_held"
    assert report.section("meetings_held")[0].text.endswith("held this week.")
    assert "## Meetings held" in sample.reports.render(draft_id, "md").text
    assert "<h2>Meetings held</h2>" in sample.reports.render(draft_id, "html").text
    assert "Meetings held" in model_facts(report)  # the model's facts, by title
    shown = [s.title for s in sample.reports.shown_sections(report)]
    assert shown[-1] == "Meetings held"  # the web page
    saved = sample.drafts.report(draft_id)
    assert saved is not None and saved.section("meetings_held") == report.section("meetings_held")
    checks = sample.drafts.checks(draft_id)
    assert checks is not None and checks.passed, checks.reasons()


# A risk signal family --------------------------------------------------------------------------


def detect_freeze(scan: SignalScan, specific: Any) -> list[RiskSignal]:
    signal = RiskSignal(key="freeze:change", kind="change_freeze", category="schedule")
    for line in scan.minutes_lines(scan.period.start):
        if "freeze" in line.text.lower():
            scan.cite_line(signal, line, "freeze")
    return [signal] if signal.evidence else []


def propose_freeze(signal: RiskSignal) -> ProposalDraft:
    return draft(
        signal,
        title="Change freeze near the go-live",
        cause="the minutes name a change freeze close to the go-live",
        event="the go-live falls inside the freeze",
        effect="the go-live waits until the freeze ends",
        likelihood=3,
        impact=3,
        response="mitigate",
        mitigation=["Agree the go-live date against the freeze calendar"],
        trigger="A go-live date inside the freeze",
    )


FREEZE = SignalFamily(
    kind="change_freeze", generic=False, detect=detect_freeze, propose=propose_freeze
)


def test_a_new_risk_signal_is_one_module_and_one_registry_line(
    sample: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    families = list(signals.FAMILIES)
    families.insert([f.generic for f in families].index(True), FREEZE)  # with the specific ones
    monkeypatch.setattr(signals, "FAMILIES", tuple(families))
    draft_id, run = sample.risks.suggest("harbor", W46)
    assert "freeze:change" in run.signals
    entry = next(e for e in sample.risks.entries("harbor") if e.signal_key == "freeze:change")
    assert entry.title == "Change freeze near the go-live" and entry.status == "proposed"
    assert any("freeze" in item.excerpt.lower() for item in entry.evidence)
    assert "likelihood" not in entry.inferred  # inferences are the rule's to mark
    assert entry.inferred["response"].startswith("suggested by pmassist's rules")
    checks = sample.drafts.checks(draft_id)
    assert checks is not None and checks.passed, checks.reasons()


# An output format --------------------------------------------------------------------------------


def render_text(report: StatusReport, checks: DraftChecks | None) -> str:
    lines = [f"{report.project} {report.period.label}: {report.overall_status.upper()}"]
    lines += [line.text for line in report.executive_summary]
    return "\n".join(lines) + "\n"


PLAIN_TEXT = Renderer("txt", "Plain text", "text/plain; charset=utf-8", ".txt", render_text)


def test_a_new_output_format_is_one_module_and_one_registry_line(
    sample: Assistant, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(rendering, "RENDERERS", (*rendering.RENDERERS, PLAIN_TEXT))
    draft_id, _ = sample.reports.draft("harbor", W46)
    assert "txt" in [f.name for f in sample.reports.formats()]
    rendered = sample.reports.render(draft_id, "txt")
    assert rendered.text.startswith("harbor 2026-W46: AMBER")
    assert rendered.file_name.endswith(".txt")

    # The API offers it.
    client = TestClient(create_app(sample, local_mode=True), base_url="http://localhost")
    response = client.get(f"/api/drafts/{draft_id}/export", params={"format": "txt"})
    assert response.status_code == 200 and response.text == rendered.text
    assert response.headers["content-type"].startswith("text/plain")
    assert "txt" in client.get("/api/formats").json()["report"]

    # So does the command line.
    cli._state.clear()
    cli._state["assistant"] = sample
    out = tmp_path / "w46.txt"
    result = CliRunner().invoke(
        cli.app,
        ["report", "-p", "harbor", "--week", "2026-W46", "--format", "txt", "--out", str(out)],
    )
    cli._state.clear()
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("harbor 2026-W46: AMBER")


# An eval suite -----------------------------------------------------------------------------------


def run_coverage(suite: SuiteRun) -> list[CaseResult]:
    answer = suite.workspace.ask("What is the project status?", suite.project.name)
    return [
        CaseResult(
            "coverage",
            suite.project.name,
            "status question",
            passed=answer.coverage != "not_covered",
            values={"answered": float(answer.coverage != "not_covered")},
        )
    ]


def coverage_metrics(tally: Tally) -> dict[str, float | None]:
    return {"answered_share": tally.share(tally.total("answered"), len(tally.cases))}


COVERAGE = EvalSuite(name="coverage", run=run_coverage, metrics=coverage_metrics)


def test_a_new_eval_suite_is_one_module_and_one_registry_line(
    harbor: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(suites, "SUITES", (*suites.SUITES, COVERAGE))
    gate = tmp_path / "thresholds.yaml"
    gate.write_text("offline: {coverage: {answered_share: 1.0}}\nmodel: {}\n", encoding="utf-8")
    assert Thresholds.load(gate).offline == {"coverage": {"answered_share": 1.0}}
    offline, _ = harbor
    assistant = Assistant(offline.settings, embedder=offline.wiring.embedder(), language_model=None)
    run = assistant.evals.run(
        suite="coverage", projects=["harbor"], thresholds=gate, out=tmp_path / "out"
    )
    assert [s.suite for s in run.result.suites] == ["coverage"]
    assert run.result.suites[0].metrics["answered_share"] == 1.0
    assert run.result.passed, run.result.failures


# A notification channel -------------------------------------------------------------------------


PAGED: list[Notice] = []


class PagerChannel:
    """A throwaway channel: keeps what it is sent, and fails the first time."""

    label = "Pager"

    def __init__(self, settings: Any, *, http: Any = None, tls_context: Any = None) -> None:
        pass

    @staticmethod
    def configured(settings: Any) -> bool:
        return True

    def send(self, notice: Notice) -> None:
        PAGED.append(notice)
        if len(PAGED) == 1:
            raise NoticeNotDeliveredError("the pager gateway is busy")


def test_a_new_notification_channel_is_one_module_and_one_registry_line(
    sample: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(notify.CHANNELS, "pager", PagerChannel)
    monkeypatch.setattr(notify, "BACKOFF_SECONDS", (0.0, 0.0))

    run = sample.schedule.run("harbor", "weekly_draft", "run now")

    assert run.outcome == "succeeded", run.detail
    assert [(d.channel, d.delivered, d.attempts) for d in run.deliveries] == [("pager", True, 2)]
    notice = PAGED[-1]
    assert (
        notice.kind == "draft_ready"
        and notice.link == f"http://127.0.0.1:8000/drafts/{run.draft_id}"
    )
    assert sample.schedule.history("harbor")[0].deliveries == run.deliveries
