"""Who is calling and what they may touch: the dependencies every route uses.

The caller is a bearer token (API clients) or a browser session (the web UI). The project a
route works on comes from the path and is checked against the caller's token by the service's
access rules: a project outside the token's scope answers 404, exactly like one that does not
exist, so ids cannot be probed. Nothing in a request body can widen the scope.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request

from assistant.domain.access import LOCAL_USER, Principal
from assistant.service import Assistant

SESSION_COOKIE = "pmassist_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def service(request: Request) -> Assistant:
    assistant: Assistant = request.app.state.assistant
    return assistant


def current_principal(request: Request) -> Principal:
    """The caller, or 401. In local mode (no tokens, loopback only) the local user. A browser
    session changing something must send the session's CSRF token (header X-CSRF-Token)."""
    return _principal(request, check_csrf=True)


def page_principal(request: Request) -> Principal:
    """As `current_principal`, for pages: form posts check their `csrf` field themselves
    (`require_form_csrf`), since a dependency cannot read the form before the route."""
    return _principal(request, check_csrf=False)


def require_form_csrf(request: Request, sent: str) -> None:
    """Every form post carries the CSRF token of the page it came from (a session's, or in
    local mode the server's own)."""
    expected = getattr(request.state, "csrf", None)
    if expected is not None and not hmac.compare_digest(sent or "", expected):
        raise HTTPException(403, "The form has expired or did not come from pmassist; reload it.")


def from_a_browser(request: Request) -> bool:
    """Browsers say where a request comes from (Origin, Referer, Sec-Fetch-*); programs on this
    machine (curl, the openai client) say nothing of the kind."""
    headers = request.headers
    fetch_site = headers.get("sec-fetch-site")
    return bool(
        headers.get("origin")
        or headers.get("referer")
        or (fetch_site is not None and fetch_site != "none")
        or headers.get("cookie")
    )


def _principal(request: Request, *, check_csrf: bool) -> Principal:
    if request.app.state.local_mode:
        # No tokens: the local user, on loopback only. A web page the user visits could still
        # send requests here, so a browser's change needs the token pmassist's own pages carry.
        token: str = request.app.state.local_csrf
        request.state.csrf = token
        if check_csrf and request.method not in SAFE_METHODS and from_a_browser(request):
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent, token):
                raise HTTPException(403, "Missing or wrong X-CSRF-Token; reload the page.")
        return LOCAL_USER
    access = service(request).access
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        principal = access.principal(header[7:].strip())
        if principal is None:
            raise HTTPException(401, "Unknown or revoked token.", {"WWW-Authenticate": "Bearer"})
        request.state.csrf = None
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    session = access.session(cookie) if cookie else None
    if session is None:
        raise HTTPException(401, "Log in with an API token.", {"WWW-Authenticate": "Bearer"})
    request.state.csrf = session.csrf_token
    if check_csrf and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent, session.csrf_token):
            raise HTTPException(403, "Missing or wrong X-CSRF-Token for this session.")
    return session.principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
PagePrincipal = Annotated[Principal, Depends(page_principal)]
Service = Annotated[Assistant, Depends(service)]


def readable_project(
    principal: CurrentPrincipal, assistant: Service, project: Annotated[str, Path()]
) -> str:
    return assistant.access.project(principal, project)


def changeable_project(
    principal: CurrentPrincipal, assistant: Service, project: Annotated[str, Path()]
) -> str:
    return assistant.access.project(principal, project, change=True)


def uploadable_project(
    principal: CurrentPrincipal, assistant: Service, project: Annotated[str, Path()]
) -> str:
    return assistant.access.project(principal, project, change=True, may_be_new=True)


ReadableProject = Annotated[str, Depends(readable_project)]
ChangeableProject = Annotated[str, Depends(changeable_project)]
UploadableProject = Annotated[str, Depends(uploadable_project)]
# Ids are database integers: anything outside their range is simply not a draft.
DraftId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The draft's id.")]
