"""The HTTP server: one FastAPI app with the JSON API (`/api`), the OpenAI-compatible routes
(`/v1`) and the web pages, over one service.

Every response carries a Content-Security-Policy that allows only pmassist's own scripts and
styles (no CDN, nothing inline), and refuses framing. Errors a person can act on come back as
JSON `{"detail": …, "field": …}` with a status that says what kind they are.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import escape
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from mcp.server.transport_security import TransportSecuritySettings
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from assistant import api, web
from assistant.api.errors import error_body, error_status
from assistant.config import Settings
from assistant.domain.access import LOCAL_USER, Principal
from assistant.domain.errors import AccessDeniedError, PmassistError
from assistant.http.access_log import hide_secrets_in_access_log
from assistant.http.gate import RequestGate, RequestTooLarge
from assistant.http.rate_limit import RateLimiter
from assistant.mcp_tools import build_mcp_server
from assistant.service import Assistant
from assistant.service.schedule import POLL_SECONDS

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
STATIC = Path(__file__).resolve().parent / "web" / "static"


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


def create_app(
    assistant: Assistant,
    *,
    local_mode: bool,
    hosts: tuple[str, ...] = (),
    schedules: bool = False,
    poll_seconds: float = POLL_SECONDS,
    local_csrf: str | None = None,
) -> FastAPI:
    """`local_mode`: no tokens exist and the server listens on loopback only; every caller is
    the local user. Otherwise every route needs a token or a logged-in session. `hosts`: host
    names the server answers to besides the loopback names and PMASSIST_ALLOWED_HOSTS.
    `schedules`: run the syncs and the weekly draft while the server runs (`pmassist serve`).
    `local_csrf`: the local mode's form token, shared by every worker of one server (a page
    from one worker is posted to whichever worker the next connection reaches)."""
    # The stores and the vector index are opened now, once, not by the first burst of requests.
    assistant.open()

    # MCP clients over Streamable HTTP at /mcp/: the same tools as `pmassist mcp`, for the
    # caller the request's token names (the gate has checked it, and the host and origin).
    mcp_server = build_mcp_server(
        assistant, caller=lambda request: _mcp_caller(assistant, local_mode, request)
    )
    mcp_app = mcp_server.streamable_http_app(
        streamable_http_path="/",
        stateless_http=True,
        json_response=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hide_secrets_in_access_log()
        if schedules:
            assistant.schedule.start(poll_seconds)
        try:
            async with mcp_server.session_manager.run():
                yield
        finally:
            assistant.schedule.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="pmassist",
        version="0.1.0",
        description="Cited answers, weekly status drafts and risk suggestions from the project "
        "record. Authenticate with `Authorization: Bearer <token>`.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.assistant = assistant
    app.state.local_mode = local_mode
    app.state.local_csrf = local_csrf or secrets.token_urlsafe(24)
    app.state.ask_limiter = RateLimiter(assistant.settings.ask_per_minute)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        RequestGate,
        assistant=assistant,
        local_mode=local_mode,
        hosts={*assistant.settings.allowed_host_names, *hosts},
    )

    @app.exception_handler(PmassistError)
    async def _pmassist_error(request: Request, error: PmassistError) -> JSONResponse:
        return JSONResponse(error_body(error), status_code=error_status(error))

    @app.exception_handler(RequestTooLarge)
    async def _too_large(request: Request, error: RequestTooLarge) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=413)

    for router in api.ROUTERS:
        app.include_router(router)

    @app.get("/api/docs", include_in_schema=False, response_class=HTMLResponse)
    def api_docs() -> str:
        """The API's operations, from the OpenAPI schema (no CDN: a plain page)."""
        schema = app.openapi()
        rows = []
        for path, operations in sorted(schema["paths"].items()):
            for method, operation in operations.items():
                summary = operation.get("summary", "")
                rows.append(
                    f"<tr><td><code>{escape(method.upper())}</code></td>"
                    f"<td><code>{escape(path)}</code></td><td>{escape(summary)}</td></tr>"
                )
        return (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>pmassist API"
            "</title><link rel='stylesheet' href='/static/app.css'></head><body><main>"
            "<h1>pmassist API</h1><p>The full schema: <a href='/openapi.json'>/openapi.json"
            "</a>. Send <code>Authorization: Bearer &lt;token&gt;</code>.</p><table>"
            + "".join(rows)
            + "</table></main></body></html>"
        )

    for router in web.ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/mcp", mcp_app, name="mcp")
    return app


# What `pmassist serve --workers N` decided, for the app each worker process builds.
SERVE_LOCAL_MODE = "PMASSIST_SERVE_LOCAL_MODE"
SERVE_HOSTS = "PMASSIST_SERVE_HOSTS"
SERVE_LOCAL_CSRF = "PMASSIST_SERVE_LOCAL_CSRF"


def serve_environment(*, local_mode: bool, hosts: tuple[str, ...]) -> dict[str, str]:
    """The variables `app_from_environment` reads in every worker."""
    return {
        SERVE_LOCAL_MODE: "1" if local_mode else "0",
        SERVE_HOSTS: ",".join(hosts),
        SERVE_LOCAL_CSRF: secrets.token_urlsafe(24),
    }


def app_from_environment() -> FastAPI:
    """The app of one server worker (uvicorn's `factory=True`): built in each worker process
    from the settings, with what `pmassist serve` decided. Local mode (no login) holds only if
    the command line chose it and there are still no tokens: a token created meanwhile is
    required, never skipped."""
    assistant = Assistant(Settings())
    local_mode = os.environ.get(SERVE_LOCAL_MODE) == "1" and not assistant.access.has_tokens()
    hosts = tuple(name for name in os.environ.get(SERVE_HOSTS, "").split(",") if name)
    return create_app(
        assistant,
        local_mode=local_mode,
        hosts=hosts,
        schedules=True,
        local_csrf=os.environ.get(SERVE_LOCAL_CSRF),
    )


def _mcp_caller(assistant: Assistant, local_mode: bool, request: Request | None) -> Principal:
    if local_mode:
        return LOCAL_USER
    authorization = request.headers.get("authorization", "") if request is not None else ""
    principal = (
        assistant.access.principal(authorization[7:].strip())
        if authorization.lower().startswith("bearer ")
        else None
    )
    if principal is None:  # the gate lets no such request through; this is the second lock
        raise AccessDeniedError("Send Authorization: Bearer <token> to use pmassist's tools.")
    return principal
