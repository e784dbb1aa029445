"""The model path against a real language model: llama.cpp's server embedded on 127.0.0.1 with
the small bundled GGUF model (the `local` extra). What is asserted holds for any model: an answer
or a draft is saved, every sentence kept cites only sources it was given, and output that fails
its checks leaves the PM with the offline writer's, labelled as such.

One server serves the module. Three model calls in all (retries are off, replies are short), so
the module stays within a few minutes on two cores."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from assistant.config import Settings
from assistant.domain.period import PeriodChoice
from assistant.llm import LanguageModel, ModelOutputError
from assistant.service import Assistant
from assistant.service.wiring import Configured
from tests.conftest import sample_copy

WEEK = PeriodChoice(week="2026-W46")
LOCAL = {
    "llm": "local",
    "local_threads": 2,
    "local_context_tokens": 4096,
    "answer_tokens": 256,
    "draft_tokens": 600,
    "structured_output_retries": 0,
    "request_timeout": 180,
}


def local_copy(harbor: Any, tmp_path: Path) -> Assistant:
    return sample_copy(harbor, tmp_path, model=Configured, **LOCAL)


def model_of(pm: Assistant) -> LanguageModel:
    model = pm.wiring.language_model
    assert model is not None and model.name.startswith("local:gemma")
    return model


def test_a_question_through_the_real_local_model(harbor: Any, tmp_path: Path) -> None:
    pm = local_copy(harbor, tmp_path)
    answer = pm.questions.ask("Who owns the Payflow load test?", "harbor")
    model = model_of(pm)
    fell_back = "The model's answer failed its checks" in answer.text
    assert answer.writer.startswith("local:gemma") or fell_back
    given = {source.citation for source in answer.sources}
    assert answer.sentences
    for sentence in answer.sentences:
        assert set(sentence.citations) <= given
    if fell_back:
        # The extracts are the record's words, each quoted from a source, and the label says
        # why the model's reply was not used.
        assert all(sentence.citations for sentence in answer.sentences)
        assert any("failed its checks" in warning for warning in answer.warnings)
        assert model.journal.fallbacks["answer"] == 1
    assert pm.wiring.conversations.history(answer.conversation_id)
    assert model.journal.calls == 1
    # The prompt fitted the server's context (4096) with the answer's room to spare.
    assert model.context_tokens == 4096
    assert 0 < model.journal.input_tokens <= 4096 - 256


def test_a_report_through_the_real_local_model(harbor: Any, tmp_path: Path) -> None:
    pm = local_copy(harbor, tmp_path)
    (tmp_path / "offline").mkdir()
    offline = sample_copy(harbor, tmp_path / "offline")
    _, expected = offline.reports.draft("harbor", WEEK)

    draft_id, report = pm.reports.draft("harbor", WEEK)

    model = model_of(pm)
    assert model.journal.calls == 1
    assert pm.drafts.report(draft_id) is not None
    # What code computes does not depend on the model.
    assert report.overall_status == expected.overall_status
    assert report.sections == expected.sections
    cited = {source.citation for source in report.sources}
    if report.writer.startswith("offline"):
        assert report.writer == f"offline ({model.name}'s summary failed its checks)"
        assert re.fullmatch(
            r"The model's summary failed its checks \(.+\); the summary composed from the facts "
            r"is shown\.",
            report.warnings[0],
        )
        assert report.executive_summary == expected.executive_summary
        assert model.journal.fallbacks["report summary"] == 1
    else:
        assert report.writer == model.name
        for line in report.executive_summary:
            assert line.citations and set(line.citations) <= cited and not line.flags
    # Whatever the model wrote that failed a check is kept apart, with its reasons.
    assert all(line.flags for line in report.needs_checking)


def test_risk_suggestions_through_the_real_local_model(harbor: Any, tmp_path: Path) -> None:
    pm = local_copy(harbor, tmp_path)

    _, run = pm.risks.suggest("harbor", WEEK)

    model = model_of(pm)
    assert model.journal.calls == 1
    entries = pm.risks.entries("harbor")
    # Every signal found has a proposal for the PM, the model's or the offline one.
    assert run.signals and {entry.signal_key for entry in entries} == set(run.signals)
    assert {entry.status for entry in entries} == {"proposed"}
    fallback = f"offline ({model.name}'s proposal failed its checks)"
    for entry in entries:
        assert entry.proposed_by in (model.name, fallback)
        assert entry.evidence
        if entry.proposed_by == model.name:
            assert entry.inferred["likelihood"]  # the model's assessment is marked
    if any(entry.proposed_by == fallback for entry in entries):
        assert run.warnings[0].startswith("The model's risk proposals failed their checks (")
        assert model.journal.fallbacks["risk proposals"] == 1


def test_a_prompt_longer_than_the_context_is_named(harbor: Any, tmp_path: Path) -> None:
    """The server refuses it at once (nothing is generated); the error says so, and the answer,
    report and risk paths take it as a reason to fall back."""
    settings = Settings(_env_file=None, home=tmp_path, **LOCAL)  # type: ignore[call-arg]
    from assistant.llm.model import language_model_from_settings
    from assistant.tokens import TokenCounter

    model = language_model_from_settings(settings, TokenCounter())
    assert model is not None
    with pytest.raises(ModelOutputError) as refused:
        model.invoke([HumanMessage(content="status report " * 3000)])
    assert refused.value.reason == "context"
    assert "did not fit the model's context window" in str(refused.value)
    assert model.journal.outcomes == {"prompt too long": 1}
