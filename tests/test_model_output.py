"""What a real model's output can do wrong, and how the model layer takes it: replies that loop,
prompts that must fit a small context, and the journal of calls and fallbacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from pydantic import BaseModel

from assistant.config import Settings
from assistant.domain.errors import PmassistError
from assistant.llm import LanguageModel, ModelOutputError, StructuredOutputError, ask_structured
from assistant.llm.errors import failed_because
from assistant.llm.journal import ModelJournal
from assistant.llm.local_server import model_file
from assistant.llm.repetition import repeats_itself
from assistant.tokens import TokenCounter

COUNTER = TokenCounter("o200k_base")
QUESTION = [HumanMessage(content="Who owns the load test?")]


def fake(*replies: str, context_tokens: int | None = None) -> LanguageModel:
    chat = GenericFakeChatModel(messages=iter([AIMessage(content=reply) for reply in replies]))
    return LanguageModel(chat, "fake", COUNTER, context_tokens=context_tokens)


# Replies that loop ---------------------------------------------------------------------------

PROSE = (
    "Sam Lee owns the Payflow load test [S1]. It has been blocked since 2026-11-04 and waits "
    "on the vendor's sandbox limit [S2]. The sponsor decides on the go-live date by "
    "2026-11-19 [S3]."
)


@pytest.mark.parametrize(
    "text",
    [
        "The load test " + "is blocked " * 40,
        PROSE + " the the the" + " the" * 80,
        # One long sentence said again and again, with other text between.
        " ".join(["Sam Lee owns the Payflow load test for M4 [S1].", "Yes."] * 3),
        '{"summary": [' + '{"text": "Amber [S1].", "citations": ["S1"]}, ' * 12,
    ],
)
def test_a_reply_that_loops_repeats_itself(text: str) -> None:
    assert repeats_itself(text)


@pytest.mark.parametrize(
    "text",
    [
        PROSE,
        # Short sentences may fairly recur.
        "Owner: Dana Fox. Owner: Dana Fox. Owner: Dana Fox. Done.",
        "| Milestone | Baseline | Forecast |\n|---|---|---|\n| M4 | 2026-10-30 | 2026-11-27 |",
    ],
)
def test_ordinary_replies_do_not_repeat_themselves(text: str) -> None:
    assert not repeats_itself(text)


def test_json_items_may_share_field_values() -> None:
    """Several risk proposals may name the same owner and mitigation: not a loop."""
    item = {
        "title": "M4 slips",
        "cause": "M4 moved from its baseline 2026-10-30 to 2026-11-27",
        "mitigation": ["Accept the simulator as the load-test target"],
    }
    proposals = [{**item, "title": f"Risk {n}"} for n in range(4)]
    reply = json.dumps({"proposals": proposals}, indent=2)
    assert repeats_itself(reply) and not repeats_itself(reply, structured=True)


def test_a_streamed_reply_that_loops_is_stopped_early_and_journalled() -> None:
    looping = PROSE + " and then" * 400
    model = fake(looping)
    shown: list[str] = []
    with pytest.raises(ModelOutputError) as stopped:
        shown.extend(piece for piece in model.stream(QUESTION) if isinstance(piece, str))
    assert stopped.value.reason == "repetition"
    assert failed_because(stopped.value) == "it started repeating itself or its instructions"
    # Stopped as soon as the loop was plain, long before the reply's end.
    assert len("".join(shown)) < len(looping) / 3
    assert model.journal.calls == 1 and model.journal.outcomes == {"repeats itself": 1}


def test_a_reply_reciting_its_instructions_is_stopped() -> None:
    instructions = (
        "You are pmassist, the assistant of an IT project manager. You answer questions about "
        "the project using only the numbered sources in the user's message. End every sentence "
        "that states a fact with the ids of the sources that state it."
    )
    recital = "Sure.\n" + instructions.replace("project manager. ", "project\nmanager. ")
    assert repeats_itself(recital, instructions=instructions)
    # Quoting a few words of them is not reciting.
    assert not repeats_itself("I answer from the numbered sources [S1].", instructions=instructions)
    model = fake(recital + " More text follows here." * 5)
    messages = [SystemMessage(content=instructions), *QUESTION]
    with pytest.raises(ModelOutputError) as stopped:
        list(model.stream(messages))
    assert stopped.value.reason == "repetition"


# Budgets from the model's context --------------------------------------------------------------


def test_the_prompt_budget_leaves_the_reply_its_room() -> None:
    unknown = fake()
    assert unknown.prompt_budget(6000, 700) == 6000
    small = fake(context_tokens=4096)
    # (4096 - 700) tokens, less a fifth for tokenizers that count more than tiktoken.
    assert small.prompt_budget(6000, 700) == 2716
    assert small.prompt_budget(2000, 700) == 2000
    assert fake(context_tokens=600).prompt_budget(6000, 700) == 256


# The journal -----------------------------------------------------------------------------------


class Verdict(BaseModel):
    supported: bool


def test_the_journal_counts_calls_schema_validity_and_fallbacks() -> None:
    model = fake("not json", '{"supported": true}')
    reply = ask_structured(model, QUESTION, Verdict, retries=1)
    assert reply.value.supported and reply.attempts == 2
    model.journal.sentences(kept=3, flagged=1)
    model.journal.fell_back("answer", "it was cut off at its length limit")

    figures = model.journal.figures()

    assert figures["model_calls"] == 2
    assert figures["calls_completed"] == 1.0
    assert figures["structured_replies"] == 2 and figures["schema_valid"] == 0.5
    assert figures["sentences_written"] == 4 and figures["sentences_kept"] == 0.75
    assert figures["fallbacks_answer"] == 1
    assert figures["output_tokens_per_call"] > 0
    assert model.journal.recent_fallbacks[0].reason == "it was cut off at its length limit"


def test_a_reply_failing_its_format_every_time_is_named_so() -> None:
    model = fake("no", "still no")
    with pytest.raises(StructuredOutputError) as failure:
        ask_structured(model, QUESTION, Verdict, retries=1)
    assert failed_because(failure.value) == "its reply failed the format 2 times"
    assert model.journal.structured_valid == 0 and model.journal.structured_replies == 2


def test_an_empty_journal_has_no_shares_to_divide() -> None:
    figures = ModelJournal().figures()
    assert figures["model_calls"] == 0 and figures["schema_valid"] == 0.0


# The local server's chat template -----------------------------------------------------------


def test_a_chat_template_is_a_shipped_name_or_a_file(tmp_path: Path) -> None:
    model_path = tmp_path / "model.gguf"
    model_path.write_bytes(b"GGUF")
    template = tmp_path / "mine.jinja"
    template.write_text("{{ messages[0]['content'] }}", encoding="utf-8")

    def chosen(choice: str) -> str | None:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, local_model=model_path, local_chat_template=choice
        )
        return model_file(settings)[1]

    # Jinja text, never a bare name: llama.cpp would read the name as the whole prompt.
    assert "<start_of_turn>" in (chosen("gemma") or "")
    assert chosen(str(template)) == "{{ messages[0]['content'] }}"
    with pytest.raises(PmassistError, match=r"PMASSIST_LOCAL_CHAT_TEMPLATE is 'chatml'.*gemma"):
        chosen("chatml")
