"""The OpenAI Chat Completions shape over pmassist, so chat front ends and the official `openai`
client can ask questions: one model per project the token may read (`pmassist:harbor`). The last
user message is the question and the earlier turns of `messages` are its conversation, so a
follow-up ("who owns it?") is read with what came before, as `pmassist chat` reads it. The
answer comes back cited, with its sources in the text and as a `citations` list beside the
message."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from assistant.domain.answer import Answer, AnswerComplete, AnswerDelta, Turn
from assistant.domain.errors import PmassistError
from assistant.http.caller import CurrentPrincipal, Service
from assistant.http.rate_limit import limit_questions

router = APIRouter(prefix="/v1", tags=["openai-compatible"])
MODEL_PREFIX = "pmassist:"


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "developer", "tool"]
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False


def _project_of(model: str) -> str:
    if not model.startswith(MODEL_PREFIX):
        raise HTTPException(404, f"Unknown model '{model}': use pmassist:<project>.")
    return model[len(MODEL_PREFIX) :]


def _text(message: ChatMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    parts = [p.get("text", "") for p in message.content or [] if p.get("type") == "text"]
    return "\n".join(parts)


def conversation(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """The question (the last user message) and the earlier turns: each earlier user message
    with the assistant's reply to it. System, developer and tool messages are not turns."""
    turns: list[Turn] = []
    last: int | None = None
    for index, message in enumerate(messages):
        if message.role == "user":
            last = index
    if last is None:
        raise HTTPException(400, "The messages hold no user message to answer.")
    for message in messages[:last]:
        if message.role == "user":
            turns.append(Turn(question=_text(message), answer=""))
        elif message.role == "assistant" and turns and not turns[-1].answer:
            turns[-1] = Turn(question=turns[-1].question, answer=_text(message))
    return _text(messages[last]), turns


def _sources_text(answer: Answer) -> str:
    cited = answer.cited_sources() or answer.sources[:5]
    if not cited:
        return ""
    return "\n\nSources:\n" + "\n".join(f"[{s.citation}] {s.locator.label()}" for s in cited)


def _citations(answer: Answer) -> list[dict[str, Any]]:
    return [
        {
            "id": s.citation,
            "document_id": s.document_id,
            "title": s.title,
            "locator": s.locator.label(),
        }
        for s in answer.cited_sources()
    ]


@router.get("/models")
def models(principal: CurrentPrincipal, assistant: Service) -> dict[str, Any]:
    """One model per project the caller may read."""
    return {
        "object": "list",
        "data": [
            {
                "id": f"{MODEL_PREFIX}{p.name}",
                "object": "model",
                "created": int(p.created_at.timestamp()),
                "owned_by": "pmassist",
            }
            for p in assistant.records.projects()
            if principal.can_read(p.name)
        ],
    }


@router.post("/chat/completions", response_model=None)
def chat_completions(
    request: Request, body: ChatRequest, principal: CurrentPrincipal, assistant: Service
) -> Any:
    project = assistant.access.project(principal, _project_of(body.model))
    question, history = conversation(body.messages)
    limit_questions(request, principal)
    events = assistant.questions.ask_stream(question, project, history=history)
    completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    created = int(time.time())
    if not body.stream:
        answer = next(e.answer for e in events if isinstance(e, AnswerComplete))
        return {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": body.model,
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": answer.text + _sources_text(answer),
                    },
                    "finish_reason": "stop",
                }
            ],
            "usage": _usage(answer),
            "citations": _citations(answer),
        }

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        payload = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": body.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(payload)}\n\n"

    def stream() -> Iterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        streamed = False
        try:
            for event in events:
                if isinstance(event, AnswerDelta):
                    streamed = True
                    yield chunk({"content": event.text})
                elif isinstance(event, AnswerComplete):
                    answer = event.answer
                    if not streamed:  # an answer written whole (not covered, say)
                        yield chunk({"content": answer.text})
                    yield chunk({"content": _sources_text(answer)})
                    yield chunk({}, "stop", citations=_citations(answer), usage=_usage(answer))
        except PmassistError as error:
            yield chunk({"content": f"\n\n[pmassist could not answer: {error}]"}, "stop")
        yield "data: [DONE]\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream")


def _usage(answer: Answer) -> dict[str, int]:
    prompt, completion = answer.input_tokens or 0, answer.output_tokens or 0
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
