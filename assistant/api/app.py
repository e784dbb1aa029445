"""The FastAPI application: the JSON API, the OpenAI-compatible routes and the web pages.

Every response carries a Content-Security-Policy that allows only pmassist's own scripts and
styles (no CDN, nothing inline), and refuses framing. Errors a person can act on come back as
JSON `{"detail": …}` with a status that says what kind they are.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from assistant.api import drafts, openai_compat, records, risks
from assistant.api.deps import CurrentPrincipal
from assistant.api.jobs import IngestJobs, RateLimiter
from assistant.domain.errors import (
    ApprovalRefused,
    InvalidInputError,
    PmassistError,
    UnknownDraftError,
    UnknownProjectError,
    UnknownRiskError,
)
from assistant.service import Assistant
from assistant.store.access import AccessStore

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
STATIC = Path(__file__).resolve().parent.parent / "web" / "static"


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


def create_app(assistant: Assistant, *, local_mode: bool) -> FastAPI:
    """`local_mode`: no tokens exist and the server listens on loopback only; every caller is
    the local user. Otherwise every route needs a token or a logged-in session."""
    app = FastAPI(
        title="pmassist",
        version="0.1.0",
        description="Cited answers, weekly status drafts and risk suggestions from the project "
        "record. Authenticate with `Authorization: Bearer <token>` "
        "(`pmassist token create`).",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.assistant = assistant
    app.state.access = AccessStore(assistant.documents.engine)
    app.state.local_mode = local_mode
    settings = assistant.settings
    app.state.jobs = IngestJobs(assistant, settings.home / "uploads", settings.upload_max_bytes)
    app.state.ask_limiter = RateLimiter(settings.ask_per_minute)
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(PmassistError)
    async def _pmassist_error(request: Request, error: PmassistError) -> JSONResponse:
        status = 400
        body: dict[str, Any] = {"detail": str(error)}
        if isinstance(error, UnknownProjectError | UnknownRiskError | UnknownDraftError):
            status = 404
        elif isinstance(error, ApprovalRefused):
            status, body["reasons"] = 409, error.reasons
        elif isinstance(error, InvalidInputError):
            status = 400
        return JSONResponse(body, status_code=status)

    for module in (records, drafts, risks, openai_compat):
        app.include_router(module.router)

    @app.get("/api/evals/latest", tags=["evals"])
    def latest_eval(principal: CurrentPrincipal) -> dict[str, Any]:
        """The results of the last `pmassist eval` run with this data directory."""
        path = settings.home / "evals" / "eval-results.json"
        if not path.is_file():
            return {"available": False, "detail": "No eval run yet: `pmassist eval`."}
        results: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        results["available"] = True
        return results

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

    from assistant.web.pages import router as pages

    app.include_router(pages)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
