"""The official `openai` client against pmassist's OpenAI-compatible routes on a live uvicorn
server (127.0.0.1): models, answers with and without streaming, citations, and refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openai
import pytest

from assistant.store.access import AccessStore
from tests.live_server import live_server
from tests.test_api import sample_copy


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
