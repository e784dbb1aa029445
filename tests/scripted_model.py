"""A scripted stand-in for an OpenAI-compatible endpoint: it writes the eval cassette, and
plays an obedient model in tests/test_model_output.py.

No language model runs here, so the eval suite's model path is replayed in CI from a cassette
whose replies this script composes from each request's own prompt: the status summary repeats
the first computed facts with their citations; each risk signal gets a proposal that restates
its first fact with the signal's sources; a question is answered with the first sentence of the
first source. The replies are grounded by construction, so the cassette tests the wire, the
parsing, the checks and the gate of the model path, never a model's quality.

    python -m tests.scripted_model   # rewrites tests/cassettes/test_evals/...model_engine.yaml
"""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

SOURCE = re.compile(r'<source id="(S\d+)"[^>]*>\n(?P<body>.*?)\n</source>', re.DOTALL)
SIGNAL = re.compile(
    r'<signal key="(?P<key>[^"]+)" kind="[^"]+" category="(?P<category>[^"]+)">\n'
    r"(?P<facts>.*?)\nSources: (?P<sources>[^\n]*)\n</signal>",
    re.DOTALL,
)
FACT_LINE = re.compile(r"^- (?P<text>.+?)(?P<cites>(?:\[S\d+\])+)$", re.MULTILINE)


def summary_reply(prompt: str) -> dict[str, Any]:
    sentences = []
    for match in FACT_LINE.finditer(prompt):
        cites = re.findall(r"S\d+", match.group("cites"))
        sentences.append(
            {"text": f"{match.group('text')} {match.group('cites')}", "citations": cites}
        )
        if len(sentences) == 3:
            break
    return {"summary": sentences or [{"text": "No facts were given.", "citations": []}]}


def proposals_reply(prompt: str) -> dict[str, Any]:
    proposals = []
    for match in SIGNAL.finditer(prompt):
        facts = [line[2:] for line in match.group("facts").splitlines() if line.startswith("- ")]
        cites = re.findall(r"S\d+", match.group("sources"))
        if not facts or not cites:
            continue
        proposals.append(
            {
                "signal": match.group("key"),
                "title": f"Risk from {match.group('key').split(':')[0]} signal",
                "cause": facts[0].rstrip("."),
                "event": "the signal turns into a delay",
                "effect": "the plan slips",
                "category": match.group("category"),
                "likelihood": 3,
                "impact": 3,
                "proximity_date": None,
                "owner": None,
                "response": "mitigate",
                "mitigation": ["Agree an owner and a date for dealing with it"],
                "trigger": "No progress by the next status meeting",
                "citations": cites,
                "confidence": "medium",
            }
        )
    return {"proposals": proposals}


def answer_text(prompt: str) -> str:
    match = SOURCE.search(prompt)
    if match is None:
        return "The project record does not cover this."
    lines = [line.strip("-*• ") for line in match.group("body").splitlines()[1:] if line.strip()]
    first = re.split(r"(?<=[.!?])\s+", lines[0])[0] if lines else "The source says so"
    return f"{first.rstrip('.')} [{match.group(1)}]."


@dataclass(frozen=True)
class Replies:
    """What the endpoint answers to each kind of request, composed from its prompt."""

    summary: Callable[[str], dict[str, Any]]
    proposals: Callable[[str], dict[str, Any]]
    answer: Callable[[str], str]


GROUNDED = Replies(summary_reply, proposals_reply, answer_text)


class _Handler(http.server.BaseHTTPRequestHandler):
    replies = GROUNDED

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = "\n".join(str(m.get("content", "")) for m in request["messages"])
        schema = (request.get("response_format") or {}).get("json_schema", {}).get("name")
        if schema == "ReportSummaryReply":
            content = json.dumps(self.replies.summary(prompt))
        elif schema == "RiskProposalsReply":
            content = json.dumps(self.replies.proposals(prompt))
        else:
            content = self.replies.answer(prompt)
        usage = {"prompt_tokens": len(prompt) // 4, "completion_tokens": len(content) // 4}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        if request.get("stream"):
            self._stream(content, usage)
        else:
            self._json(content, usage)

    def _json(self, content: str, usage: dict[str, int]) -> None:
        body = json.dumps(
            {
                "id": "chatcmpl-scripted",
                "object": "chat.completion",
                "created": 1767225600,
                "model": "gpt-4o-mini-2024-07-18",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content, "refusal": None},
                        "finish_reason": "stop",
                    }
                ],
                "usage": usage,
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, content: str, usage: dict[str, int]) -> None:
        def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
            payload = {
                "id": "chatcmpl-scripted",
                "object": "chat.completion.chunk",
                "created": 1767225600,
                "model": "gpt-4o-mini-2024-07-18",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]
                if delta is not None
                else [],
                **extra,
            }
            return f"data: {json.dumps(payload)}\n\n".encode()

        words = content.split(" ")
        parts = [chunk({"role": "assistant", "content": ""})]
        parts += [chunk({"content": (" " if i else "") + w}) for i, w in enumerate(words)]
        parts.append(chunk({}, "stop"))
        parts.append(chunk(None, None, usage=usage))  # type: ignore[arg-type]
        parts.append(b"data: [DONE]\n\n")
        body = b"".join(parts)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def scripted_endpoint(replies: Replies = GROUNDED) -> Iterator[str]:
    """The scripted endpoint on 127.0.0.1, as an OPENAI_BASE_URL."""
    handler = type("Handler", (_Handler,), {"replies": replies})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    from tests.test_evals import write_model_engine_cassette

    write_model_engine_cassette()
