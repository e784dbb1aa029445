"""Logging in with an API token (into a browser session) and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assistant.http.caller import SESSION_COOKIE, require_form_csrf
from assistant.web.common import assistant_of, guard, page, who

router = APIRouter(include_in_schema=False)
SESSION_SECONDS = 12 * 3600


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    if request.app.state.local_mode:
        return RedirectResponse("/", status_code=303)
    return page(request, "login.html", None, message=request.query_params.get("message"))


@router.post("/login")
def login(request: Request, token: Annotated[str, Form()]) -> Response:
    access = assistant_of(request).access
    principal = access.principal(token.strip())
    if principal is None:
        return page(
            request, "login.html", None, message="Unknown or revoked token.", message_kind="error"
        )
    session, _ = access.open_session(principal)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session,
        httponly=True,
        samesite="strict",
        secure=assistant_of(request).settings.cookie_secure,
        max_age=SESSION_SECONDS,
        path="/",
    )
    return response


@router.post("/logout")
@guard
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    who(request)
    require_form_csrf(request, csrf)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        assistant_of(request).access.close_session(cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
