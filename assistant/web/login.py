"""Logging in with an API token (into a browser session) and out."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assistant.http.caller import SESSION_COOKIE, require_form_csrf
from assistant.web.common import assistant_of, guard, page, who

router = APIRouter(include_in_schema=False)
SESSION_SECONDS = 12 * 3600


LOGIN_COOKIE = "pmassist_login"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    if request.app.state.local_mode:
        return RedirectResponse("/", status_code=303)
    return _login_form(request, message=request.query_params.get("message"))


def _login_form(request: Request, **values: str | None) -> Response:
    """The form, with a token that must come back both in the form and in a cookie only this
    site can set: another site cannot log a browser in to its own account (login CSRF)."""
    form_token = secrets.token_urlsafe(24)
    response = page(request, "login.html", None, login_csrf=form_token, **values)
    _set_cookie(request, response, LOGIN_COOKIE, form_token, max_age=3600, path="/login")
    return response


def _set_cookie(
    request: Request, response: Response, name: str, value: str, *, max_age: int, path: str
) -> None:
    """A cookie only this site's pages send back, never readable by a script."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=assistant_of(request).settings.cookie_secure,
        max_age=max_age,
        path=path,
    )


@router.post("/login")
def login(
    request: Request,
    token: Annotated[str, Form()],
    login_csrf: Annotated[str, Form()] = "",
) -> Response:
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(login_csrf, expected):
        return _login_form(
            request, message="The login form has expired; log in again.", message_kind="error"
        )
    access = assistant_of(request).access
    principal = access.principal(token.strip())
    if principal is None:
        return _login_form(request, message="Unknown or revoked token.", message_kind="error")
    session, _ = access.open_session(principal)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    _set_cookie(request, response, SESSION_COOKIE, session, max_age=SESSION_SECONDS, path="/")
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
