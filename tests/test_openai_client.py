"""The official `openai` client against pmassist's OpenAI-compatible routes on a live uvicorn
server (127.0.0.1): models, answers with and without streaming, citations, follow-ups read with
the earlier turns of `messages` (offline, and through a model replayed from a hand-written
cassette), and refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai
import pytest

from assistant.config import Settings
from assistant.service import Assistant
from assistant.store.access import AccessStore
from tests.conftest import copy_database
from tests.live_server import live_server
from tests.test_api import sample_copy

MODEL = "pmassist:harbor"
FIRST = "What is blocking the peak load test?"
FOLLOW_UP = "Who owns it?"
# A chat front end (Open WebUI, say) sends its own system message and every earlier turn.
SYSTEM = {"role": "system", "content": "You are a helpful assistant."}


@pytest.fixture
def server(harbor: Any, tmp_path: Path) -> Any:
    assistant = sample_copy(harbor, tmp_path)
    store = AccessStore(assistant.wiring.documents.engine)
    _, token = store.create_token("chat front end", "viewer", ["harbor"])
    with live_server(assistant) as url:
        yield url, token


def test_models_list_one_per_readable_project(server: Any) -> None:
    url, token = server
    client = openai.OpenAI(base_url=f"{url}/v1", api_key=token, max_retries=0)
    assert [m.id for m in client.models.list()] == ["pmassist:harbor"]


def test_a_cited_answer_without_and_with_streaming(server: Any) -> None:
    url, token = server
    client = openai.OpenAI(base_url=f"{url}/v1", api_key=token, max_retries=0)
    question = [{"role": "user", "content": "Why did the load test slip?"}]

    completion = client.chat.completions.create(model="pmassist:harbor", messages=question)
    text = completion.choices[0].message.content or ""
    assert "[S1]" in text or "[S2]" in text
    assert "\n\nSources:\n[S" in text
    citations = (completion.model_extra or {})["citations"]
    assert citations and all(c["locator"] and c["document_id"] for c in citations)
    assert completion.choices[0].finish_reason == "stop"

    stream = client.chat.completions.create(model="pmassist:harbor", messages=question, stream=True)
    chunks = list(stream)
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == text
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_refusals_come_back_as_the_openai_client_expects(server: Any) -> None:
    url, token = server
    client = openai.OpenAI(base_url=f"{url}/v1", api_key=token, max_retries=0)
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(
            model="pmassist:payroll", messages=[{"role": "user", "content": "Salaries?"}]
        )
    stranger = openai.OpenAI(base_url=f"{url}/v1", api_key="pma_not-a-token", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        stranger.models.list()


def cited_documents(completion: Any) -> set[str]:
    return {c["document_id"] for c in (completion.model_extra or {})["citations"]}


def test_a_follow_up_is_answered_with_the_earlier_turns(server: Any) -> None:
    """Offline, the follow-up's search carries what the previous question named."""
    url, token = server
    client = openai.OpenAI(base_url=f"{url}/v1", api_key=token, max_retries=0)
    first = [SYSTEM, {"role": "user", "content": FIRST}]
    reply = client.chat.completions.create(model=MODEL, messages=first)  # type: ignore[arg-type]
    assert "ticket:HBR-48" in cited_documents(reply)

    follow_up = [
        *first,
        {"role": "assistant", "content": reply.choices[0].message.content},
        {"role": "user", "content": FOLLOW_UP},
    ]
    answer = client.chat.completions.create(model=MODEL, messages=follow_up)  # type: ignore[arg-type]
    assert "ticket:HBR-48" in cited_documents(answer)
    stream = client.chat.completions.create(model=MODEL, messages=follow_up, stream=True)  # type: ignore[arg-type]
    streamed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert streamed == answer.choices[0].message.content

    # The same words in a fresh conversation have nothing to lean on.
    alone = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": FOLLOW_UP}]
    )
    assert "ticket:HBR-48" not in cited_documents(alone)


SENT_TO_THE_MODEL: list[Any] = []


def remember(request: Any) -> Any:
    """What pmassist sends to the model (the cassette only holds abbreviated requests)."""
    SENT_TO_THE_MODEL.append(request)
    return request


@pytest.mark.vcr(ignore_localhost=True, before_record_request=remember)
def test_a_follow_up_through_a_model_is_rewritten_with_the_earlier_turns(
    harbor: Any, tmp_path: Path
) -> None:
    """With a model, the follow-up is first rewritten with the earlier turns into a standalone
    question, as `pmassist chat` does. Hand-written cassette (OpenAI's wire format): the
    rewrite, then the streamed answer; the requests pmassist sent are checked."""
    offline, _ = harbor
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        home=offline.settings.home,
        database_url=copy_database(offline, tmp_path / "model.db"),
        openai_api_key="sk-test-not-a-real-key",
        chat_model="gpt-4o-mini",
    )
    assistant = Assistant(settings, embedder=offline.wiring.embedder())
    _, token = assistant.access.create_token("viewer", ["harbor"], name="chat front end")
    messages = [
        SYSTEM,
        {"role": "user", "content": FIRST},
        {"role": "assistant", "content": "HBR-48 is blocked by the Payflow sandbox limit [S1]."},
        {"role": "user", "content": FOLLOW_UP},
    ]
    SENT_TO_THE_MODEL.clear()
    with live_server(assistant) as url:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key=token, max_retries=0)
        completion = client.chat.completions.create(model=MODEL, messages=messages)  # type: ignore[arg-type]

    text = completion.choices[0].message.content or ""
    assert text.startswith("Sam Lee owns HBR-48, the peak load test against the Payflow sandbox")
    assert cited_documents(completion) == {"ticket:HBR-48"}
    # vcrpy looks at each request more than once while matching it.
    bodies = list(dict.fromkeys(request.body for request in SENT_TO_THE_MODEL))
    rewrite, answer = (json.loads(body) for body in bodies)
    rewrite_prompt = rewrite["messages"][-1]["content"]
    assert f"User: {FIRST}" in rewrite_prompt and FOLLOW_UP in rewrite_prompt
    assert "Who owns HBR-48, the blocked peak load test?" in answer["messages"][-1]["content"]
