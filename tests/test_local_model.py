"""The model path against a real language model: llama.cpp's server embedded on 127.0.0.1 with
the small bundled GGUF model (the `local` extra). What is asserted holds for any model: an
answer is saved, every sentence it keeps cites only sources it was given, and a reply that fails
its checks leaves the PM with the extracts, labelled as such."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.service.wiring import Configured
from tests.conftest import sample_copy


def test_a_question_through_the_real_local_model(harbor: Any, tmp_path: Path) -> None:
    pm = sample_copy(
        harbor,
        tmp_path,
        model=Configured,
        llm="local",
        local_threads=2,
        local_context_tokens=4096,
        answer_tokens=256,
        request_timeout=120,
    )
    answer = pm.questions.ask("Who owns the Payflow load test?", "harbor")
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
    assert pm.wiring.conversations.history(answer.conversation_id)
