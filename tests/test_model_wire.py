"""The model path over the real wire: langchain-openai and the openai client against recorded or
hand-written cassettes (tests/cassettes/test_model_wire/), a deliberately slow local server for
timeouts, and a closed port for an endpoint that is down.

`make cassettes` re-records the tests marked `recordable` against the real OpenAI API.
"""

from __future__ import annotations

import http.server
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from assistant.config import Settings
from assistant.domain.period import week_period
from assistant.embeddings import Embedder
from assistant.llm import (
    ModelUnavailableError,
    StructuredOutputError,
    ask_structured,
    language_model_from_settings,
)
from assistant.prompts import load_prompt
from assistant.service import Assistant
from assistant.store.db import answers
from tests.conftest import RECORDING_KEY, SAMPLES, copy_database, free_port

QUESTION = "Why is PAY-104 blocked?"


@pytest.fixture(scope="module")
def record_home(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """A small project, ingested once for the module: the payments samples."""
    home = tmp_path_factory.mktemp("wire-home")
    folder = tmp_path_factory.mktemp("wire-record") / "record"
    folder.mkdir()
    for name in ("jira-cloud-export.csv", "2026-10-15-payments-weekly.md", "decision-log.csv"):
        shutil.copy(SAMPLES / name, folder)
    Assistant(Settings(_env_file=None, home=home), embedder=embedder).records.ingest(
        [folder], "payments"
    )  # type: ignore[call-arg]
    return home


def model_settings(home: Path, **changes: object) -> Settings:
    values: dict[str, object] = {
        "home": home,
        "openai_api_key": RECORDING_KEY or "sk-test-not-a-real-key",
        "chat_model": "gpt-4o-mini",
        "request_timeout": 20.0,
        "max_retries": 2,
    }
    values.update(changes)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def assistant_for(home: Path, embedder: Embedder, **changes: object) -> Assistant:
    return Assistant(model_settings(home, **changes), embedder=embedder)


def saved_answers(assistant: Assistant) -> int:
    with assistant.wiring.documents.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(answers)) or 0)


@pytest.mark.vcr
@pytest.mark.recordable
def test_cited_answer_streams_from_openai(record_home: Path, embedder: Embedder) -> None:
    assistant = assistant_for(record_home, embedder)
    events = list(assistant.questions.ask_stream(QUESTION, "payments"))
    streamed = "".join(e.text for e in events if type(e).__name__ == "AnswerDelta")
    answer = events[-1].answer  # type: ignore[union-attr]

    assert (
        len([e for e in events if type(e).__name__ == "AnswerDelta"]) > 1
    )  # tokens arrive in pieces
    assert answer.writer == "openai:gpt-4o-mini"
    assert answer.coverage in ("answered", "weak")
    assert answer.sentences and all(s.supported for s in answer.sentences)
    assert all(s.invalid_citations == [] for s in answer.sentences)
    cited = answer.cited_sources()
    assert cited and {c.citation for c in cited} <= {s.citation for s in answer.sources}
    assert all(source.locator.label() for source in cited)
    assert "[S" in streamed
    assert answer.prompt is not None and answer.prompt.name == "answer_question"
    assert answer.prompt.hash == load_prompt("answer_question").hash
    assert answer.input_tokens and answer.output_tokens
    assert answer.id is not None and saved_answers(assistant) >= 1


@pytest.mark.vcr
def test_answer_citing_a_source_that_was_not_retrieved(
    record_home: Path, embedder: Embedder
) -> None:
    answer = assistant_for(record_home, embedder).questions.ask(QUESTION, "payments")
    first, second, third = answer.sentences
    assert first.citations == ["S1"] and first.supported
    assert second.citations == [] and second.invalid_citations == ["S42"]
    assert not second.supported
    assert not third.supported  # no citation at all
    assert "[unsupported: no source given] The vendor promised a fix for 20 October." in answer.text
    assert "S42" not in answer.text
    assert any("S42" in warning for warning in answer.warnings)
    assert any("2 sentence(s) have no valid source" in warning for warning in answer.warnings)


@pytest.mark.vcr
def test_invalid_json_is_asked_again(record_home: Path, embedder: Embedder) -> None:
    from assistant.answers.answering import StandaloneQuestion

    settings = model_settings(record_home)
    model = language_model_from_settings(settings, Assistant(settings).wiring.token_counter)
    assert model is not None
    prompt = load_prompt("rewrite_question")
    reply = ask_structured(
        model,
        prompt.render(history="User: Why is PAY-104 blocked?", question="and who waits on it?"),
        StandaloneQuestion,
        retries=2,
    )
    assert reply.attempts == 2
    assert reply.value.question == "Why is PAY-104 blocked and who is waiting on the acquirer?"
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (231 + 268, 9 + 17)


@pytest.mark.vcr
def test_invalid_json_on_every_attempt_is_a_typed_error(
    record_home: Path, embedder: Embedder
) -> None:
    from assistant.answers.answering import StandaloneQuestion

    settings = model_settings(record_home)
    model = language_model_from_settings(settings, Assistant(settings).wiring.token_counter)
    assert model is not None
    with pytest.raises(StructuredOutputError) as error:
        ask_structured(
            model,
            load_prompt("rewrite_question").render(history="User: hi", question="and then?"),
            StandaloneQuestion,
            retries=2,
        )
    assert error.value.attempts == 3
    assert "not valid JSON" in error.value.errors[0]
    assert "question: Field required" in error.value.errors[1]
    assert "at least 1 character" in error.value.errors[2]
    assert (error.value.input_tokens, error.value.output_tokens) == (231 + 260 + 281, 9 + 8 + 6)


@pytest.mark.vcr
@pytest.mark.recordable
def test_answer_cut_off_at_length_limit(record_home: Path, embedder: Embedder) -> None:
    assistant = assistant_for(record_home, embedder, answer_tokens=16)
    before = saved_answers(assistant)
    answer = assistant.questions.ask(QUESTION, "payments")
    # The PM gets the record's extracts, labelled with why; the cut-off reply is not kept.
    label = "The model's answer failed its checks (it was cut off at its length limit)"
    assert answer.text.startswith(label)
    assert answer.writer == "extractive (the model's answer failed its checks)"
    assert answer.sentences and all(s.citations for s in answer.sentences)
    assert any(w.startswith(label) for w in answer.warnings)
    assert saved_answers(assistant) == before + 1
    journal = assistant.wiring.language_model.journal  # type: ignore[union-attr]
    assert journal.outcomes == {"cut off": 1} and journal.fallbacks == {"answer": 1}
    assert journal.output_tokens > 0  # what it wrote before the limit is counted


@pytest.mark.vcr
def test_rate_limited_then_answered(record_home: Path, embedder: Embedder) -> None:
    answer = assistant_for(record_home, embedder).questions.ask(QUESTION, "payments")
    assert answer.writer == "openai:gpt-4o-mini"
    assert answer.cited_sources()


@pytest.mark.vcr
def test_server_errors_until_retries_run_out(record_home: Path, embedder: Embedder) -> None:
    assistant = assistant_for(record_home, embedder)
    before = saved_answers(assistant)
    with pytest.raises(ModelUnavailableError, match="failed with HTTP 500 on all 3 attempts"):
        assistant.questions.ask(QUESTION, "payments")
    assert saved_answers(assistant) == before


@pytest.mark.vcr
@pytest.mark.recordable
def test_follow_up_is_rewritten_with_the_history(record_home: Path, embedder: Embedder) -> None:
    assistant = assistant_for(record_home, embedder)
    first = assistant.questions.ask(QUESTION, "payments")
    follow_up = assistant.questions.ask(
        "Who is assigned to it?", "payments", conversation_id=first.conversation_id
    )
    assert follow_up.conversation_id == first.conversation_id
    assert "PAY-104" in follow_up.search_query
    assert follow_up.search_query != follow_up.question
    history = assistant.wiring.conversations.history(first.conversation_id)
    assert [turn.question for turn in history] == [QUESTION, "Who is assigned to it?"]


class _SlowHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        time.sleep(3)
        self.send_response(500)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slow_endpoint() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_slow_endpoint_times_out_with_a_clear_error(
    record_home: Path, embedder: Embedder, slow_endpoint: str
) -> None:
    assistant = assistant_for(
        record_home, embedder, openai_base_url=slow_endpoint, request_timeout=0.5, max_retries=1
    )
    before = saved_answers(assistant)
    started = time.monotonic()
    with pytest.raises(ModelUnavailableError, match=r"did not answer within 0.5 s \(2 attempts\)"):
        assistant.questions.ask(QUESTION, "payments")
    assert time.monotonic() - started < 10
    assert saved_answers(assistant) == before


def test_endpoint_down_is_a_clear_error(record_home: Path, embedder: Embedder) -> None:
    down = f"http://127.0.0.1:{free_port()}/v1"
    assistant = assistant_for(record_home, embedder, openai_base_url=down, max_retries=0)
    with pytest.raises(
        ModelUnavailableError, match=r"Cannot reach http://127.0.0.1:\d+/v1 \(1 attempts\)"
    ):
        assistant.questions.ask(QUESTION, "payments")


@pytest.mark.vcr
@pytest.mark.recordable
def test_sample_project_questions_through_the_model(
    harbor: tuple[Assistant, object], embedder: Embedder
) -> None:
    offline, _ = harbor
    assistant = Assistant(model_settings(offline.settings.home), embedder=embedder)
    for question, expected_document in (
        ("Why did the load test slip?", None),
        ("What did we decide about the database vendor?", "decision:ADR-0001"),
    ):
        answer = assistant.questions.ask(question, "harbor")
        assert answer.writer == "openai:gpt-4o-mini" and answer.coverage != "not_covered"
        assert answer.sentences and not answer.unsupported_sentences()
        cited = answer.cited_sources()
        assert cited and all(source.locator.label() for source in cited)
        if expected_document:
            assert expected_document in {source.document_id for source in answer.sources}


@pytest.mark.vcr
def test_report_summary_through_the_model(harbor: Any, embedder: Embedder) -> None:
    """The status report's summary over the wire: grounded sentences are kept; one citing a
    source that does not exist and one naming a ticket that does not exist are flagged and kept
    out of the summary. Hand-written cassette."""
    offline, _ = harbor
    assistant = assistant_for(offline.settings.home, embedder)
    before = len(assistant.drafts.summaries("harbor"))

    draft_id, report = assistant.reports.draft("harbor", week_period("2026-W46"))

    assert report.writer == "openai:gpt-4o-mini"
    assert report.overall_status == "amber"
    assert (report.input_tokens, report.output_tokens) == (5210, 190)
    assert len(report.executive_summary) == 3
    assert all(not line.flags and line.citations for line in report.executive_summary)
    flagged = {line.text: line.flags for line in report.needs_checking}
    assert flagged == {
        "Payflow has promised to lift the sandbox limit by 2026-11-20.": [
            "cites S98, which is not among the sources",
            "states facts without a source",
        ],
        "The refund simulator HBR-998 is complete.": ["ticket HBR-998 is not in the cited sources"],
    }
    saved = assistant.drafts.report(draft_id)
    assert saved is not None
    assert saved.prompt is not None
    assert saved.prompt.name == "write_status_report"
    assert len(assistant.drafts.summaries("harbor")) == before + 1


@pytest.mark.vcr
def test_risk_proposals_through_the_model(harbor: Any, embedder: Embedder, tmp_path: Path) -> None:
    """Risk proposals over the wire (hand-written cassette): the grounded proposal is stored as
    a proposal; one with a likelihood of 7 (and a made-up threshold) and one citing a source it
    was not given are dropped with their reasons, and nothing of them is stored. The signals
    the model wrote nothing usable for get the offline proposals, marked as such."""
    offline, _ = harbor
    settings = model_settings(
        offline.settings.home, database_url=copy_database(offline, tmp_path / "register.db")
    )
    assistant = Assistant(settings, embedder=embedder)

    draft_id, run = assistant.risks.suggest("harbor", week_period("2026-W46"))

    assert run.writer == "openai:gpt-4o-mini"
    assert run.prompt is not None and run.prompt.name == "propose_risks"
    assert (run.input_tokens, run.output_tokens) == (5900, 420)
    entries = assistant.risks.entries("harbor")
    assert [(e.id, e.title, e.status, e.score) for e in entries[:1]] == [
        ("R-001", "M4 load test keeps slipping", "proposed", 20)
    ]
    assert entries[0].proposed_by == "openai:gpt-4o-mini"
    # The other eight signals: nothing usable from the model, so the offline proposals.
    assert len(entries) == len(run.signals) == 9
    fallback = "offline (openai:gpt-4o-mini's proposal failed its checks)"
    assert {e.proposed_by for e in entries[1:]} == {fallback}
    assert {e.signal_key for e in entries} == set(run.signals)
    assert run.warnings[0].startswith(
        "The model's risk proposals failed their checks (8 of 9 signals had no usable proposal)"
    )
    assert entries[0].evidence[0].label.startswith("record/minutes/2026-11-12-weekly-status.md")
    assert entries[0].inferred["likelihood"] == "the model's assessment, not stated in the record"
    assert {d.title: d.reasons for d in run.dropped} == {
        # A threshold the model made up is a number nobody stated: dropped too.
        "Budget overrun": [
            "likelihood 7 is outside 1-5",
            "trigger: amount USD 660,000 is not in the cited sources",
        ],
        "Payflow will not lift the sandbox limit": ["cites S98, which is not among the sources"],
    }
    assert (
        assistant.risks.entry("harbor", "R-001").history[0].actor == "pmassist (openai:gpt-4o-mini)"
    )
    saved = assistant.drafts.summaries("harbor")
    assert saved[0].id == draft_id
