"""The first thing every request meets, before any route reads its body.

- The Host must be one the server answers to (loopback names, and PMASSIST_ALLOWED_HOSTS): a page
  on another site that rebinds its own name to 127.0.0.1 gets nothing.
- A request that changes something and comes from a browser must come from pmassist's own
  pages: an Origin (or, without one, a Referer) of another site is refused.
- A body may not exceed its limit (an upload's, or PMASSIST_REQUEST_MAX_BYTES): a declared
  length over it is refused unread, and a body streamed without one is cut off at the limit.
- A request for the API that names no valid caller is refused before its body is read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from assistant.http.caller import SESSION_COOKIE
from assistant.service import Assistant

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}
# Uploads carry files; every other body is a form or a JSON document.
UPLOAD_PATHS = re.compile(r"^/(?:api/projects/[^/]+/documents|p/[^/]+/ingest)$")
MULTIPART_OVERHEAD = 1_000_000


class RequestTooLarge(Exception):
    pass


class RequestGate:
    def __init__(
        self,
        app: ASGIApp,
        *,
        assistant: Assistant,
        local_mode: bool,
        hosts: set[str],
    ) -> None:
        self.app = app
        self.assistant = assistant
        self.local_mode = local_mode
        self.hosts = LOOPBACK_NAMES | {host.lower() for host in hosts}
        settings = assistant.settings
        self.body_limit = settings.request_max_bytes
        self.upload_limit = (
            settings.upload_max_bytes * settings.upload_max_files + MULTIPART_OVERHEAD
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host_header = headers.get("host", "")
        if host_name(host_header) not in self.hosts:
            await _refuse(send, 400, "This server does not answer to that host name.")
            return
        method = scope["method"]
        path = scope["path"]
        if method not in SAFE_METHODS and not same_origin(headers, scope, host_header):
            await _refuse(send, 403, "A request from another site cannot change anything here.")
            return
        limit = self.upload_limit if UPLOAD_PATHS.match(path) else self.body_limit
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(send, 413, f"The request is larger than the limit of {limit:,} bytes.")
            return
        if not self.local_mode and _needs_caller(path, method):
            problem = self._caller_problem(headers)
            if problem and path.startswith(("/api/", "/v1/", "/mcp")):
                await _refuse(send, 401, problem, {"www-authenticate": "Bearer"})
                return
            if problem:
                await _redirect(send, "/login")
                return
        await self.app(scope, _limited(receive, limit), send)

    def _caller_problem(self, headers: dict[str, str]) -> str | None:
        """Why the request names no valid caller; None when it does."""
        access = self.assistant.access
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            known = access.principal(authorization[7:].strip()) is not None
            return None if known else "Unknown or revoked token."
        session = _cookie(headers.get("cookie", ""), SESSION_COOKIE)
        if session is not None and access.session(session) is not None:
            return None
        return "Log in with an API token."


def host_name(header: str) -> str:
    """The host of a Host header, without its port: `[::1]:8765` -> `::1`."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    return header.rpartition(":")[0] if header.count(":") == 1 else header


def same_origin(headers: dict[str, str], scope: Scope, host_header: str) -> bool:
    """No Origin or Referer (a program, not a browser), or one of this server's own."""
    expected = f"{scope.get('scheme', 'http')}://{host_header.strip().lower()}"
    origin = headers.get("origin")
    if origin is not None:
        return origin.strip().lower() == expected
    referer = headers.get("referer")
    if referer is not None:
        return referer.strip().lower() == expected or referer.lower().startswith(expected + "/")
    return True


def _needs_caller(path: str, method: str) -> bool:
    """The API, the OpenAI routes, and every page that changes something (but logging in)."""
    if path.startswith("/static/") or path in ("/openapi.json", "/api/docs"):
        return False
    if path.startswith("/api/hooks/"):
        return False  # webhooks prove themselves with their own secret (service/hooks.py)
    if path.startswith(("/api/", "/v1/", "/mcp")):
        return True
    return method not in SAFE_METHODS and path != "/login"


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


def _limited(receive: Receive, limit: int) -> Receive:
    """Receive that stops a body streamed past the limit (one without a declared length)."""
    seen = 0

    async def guarded() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise RequestTooLarge(f"The request is larger than the limit of {limit:,} bytes.")
        return message

    return guarded


async def _refuse(
    send: Send, status: int, detail: str, extra: dict[str, str] | None = None
) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _redirect(send: Send, location: str) -> None:
    headers = [(b"location", location.encode()), (b"content-length", b"0")]
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
