"""Who may use pmassist and what they may touch: API tokens, browser sessions, and the project
scope every request is checked against. A project outside the caller's scope is not found,
exactly like one that does not exist, so ids cannot be probed."""

from __future__ import annotations

from assistant.domain.access import ALL_PROJECTS, Principal, TokenInfo, WebSession
from assistant.domain.errors import (
    AccessDeniedError,
    InvalidInputError,
    NotFoundError,
    UnknownDraftError,
)
from assistant.service.wiring import Wiring, validate_project_name


class AccessService:
    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring

    # Tokens ---------------------------------------------------------------------------------

    def create_token(
        self, role: str, projects: list[str], *, all_projects: bool = False, name: str | None = None
    ) -> tuple[int, str]:
        """A new token: its id and the token itself (shown once; only its hash is kept)."""
        if all_projects and projects:
            raise InvalidInputError("Give projects or all projects, not both.", field="projects")
        chosen = [ALL_PROJECTS] if all_projects else projects
        return self.wiring.access.create_token(name or role, role, chosen)

    def tokens(self) -> list[TokenInfo]:
        return self.wiring.access.tokens()

    def revoke(self, token_id: int) -> None:
        """Revoke a token; its browser sessions end with it."""
        self.wiring.access.revoke(token_id)

    def has_tokens(self) -> bool:
        return self.wiring.access.has_tokens()

    def principal(self, token: str) -> Principal | None:
        """Who a presented token stands for; None when unknown or revoked."""
        return self.wiring.access.principal(token)

    # Browser sessions -----------------------------------------------------------------------

    def open_session(self, principal: Principal) -> tuple[str, str]:
        """A browser session for a logged-in token: (session id for the cookie, CSRF token)."""
        return self.wiring.access.open_session(principal)

    def session(self, session: str) -> WebSession | None:
        return self.wiring.access.session(session)

    def close_session(self, session: str) -> None:
        self.wiring.access.close_session(session)

    # Scope ----------------------------------------------------------------------------------

    def project(
        self, principal: Principal, project: str, *, change: bool = False, may_be_new: bool = False
    ) -> str:
        """The project, if the caller may read it (or change it). Not found when it is not
        theirs or does not exist; denied when they may read but not change it. `may_be_new`:
        the first documents of a project the token names are being added."""
        try:
            validate_project_name(project)
        except InvalidInputError:
            raise NotFoundError(f"Unknown project '{project}'.", field="project") from None
        exists = self.wiring.documents.project_model(project) is not None
        if not principal.can_read(project) or not (exists or may_be_new):
            raise NotFoundError(f"Unknown project '{project}'.", field="project")
        if change and not principal.can_change(project):
            raise AccessDeniedError(
                f"A {principal.role} token cannot change project '{project}'.", field="project"
            )
        return project

    def draft_project(self, principal: Principal, draft_id: int, *, change: bool = False) -> str:
        """A draft's project, if the caller may read the draft (or decide on it)."""
        draft = self.wiring.drafts.get(draft_id)
        if not principal.can_read(draft.project):
            raise UnknownDraftError(draft_id)
        if change and not principal.can_change(draft.project):
            raise AccessDeniedError(
                f"A {principal.role} token cannot decide on drafts.", field="draft_id"
            )
        return draft.project
