"""How cassettes are stored: YAML with JSON bodies parsed (readable, diffable) and secrets gone.

A cassette written by `make cassettes` starts with a comment saying where and when it was
recorded. Cassettes written by hand to OpenAI's wire format start with a comment saying so:
they are fixtures, for behaviour no real endpoint produces on demand (429s, 500s, invalid JSON).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any
from urllib.parse import urlparse

import yaml

# Scrubbed from requests (by vcrpy's filter_headers) and from responses (below).
REQUEST_HEADERS_TO_DROP = [
    "authorization",
    "api-key",
    "openai-organization",
    "openai-project",
    "cookie",
]
RESPONSE_HEADERS_TO_DROP = {
    "set-cookie",
    "openai-organization",
    "openai-project",
    "x-request-id",
    "cf-ray",
}


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in RESPONSE_HEADERS_TO_DROP:
            del headers[name]
    return response


class _LiteralDumper(yaml.SafeDumper):
    pass


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _string)


def _text(body: Any) -> str | None:
    if body is None:
        return None
    if isinstance(body, bytes):
        return body.decode("utf-8")
    return str(body)


def _as_json(text: str | None) -> Any:
    if not text or text.lstrip()[:1] not in ("{", "["):
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def serialize(cassette: dict[str, Any]) -> str:
    data = copy.deepcopy(cassette)
    hosts: set[str] = set()
    for interaction in data["interactions"]:
        request, response = interaction["request"], interaction["response"]
        hosts.add(urlparse(request["uri"]).netloc)
        request_body = _text(request.get("body"))
        if (parsed := _as_json(request_body)) is not None:
            request.pop("body", None)
            request["parsed_body"] = parsed
        else:
            request["body"] = request_body
        response_body = _text(response.get("body", {}).get("string"))
        if (parsed := _as_json(response_body)) is not None:
            response.pop("body", None)
            response["parsed_body"] = parsed
        else:
            response["body"] = {"string": response_body}
    header = (
        f"# Recorded against {', '.join(sorted(hosts))} on {dt.date.today().isoformat()} with "
        "`make cassettes`; credentials and cookies scrubbed.\n"
    )
    return header + yaml.dump(data, Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True)


def deserialize(text: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(text)
    for interaction in data["interactions"]:
        request, response = interaction["request"], interaction["response"]
        if "parsed_body" in request:
            request["body"] = json.dumps(request.pop("parsed_body"))
        if "parsed_body" in response:
            response["body"] = {"string": json.dumps(response.pop("parsed_body"))}
    return data
