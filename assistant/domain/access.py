"""Who is calling and what they may touch: roles, the projects a token may use, sessions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Role = Literal["viewer", "pm", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "pm", "admin")
ALL_PROJECTS = "*"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a token's name, role and projects (or the local user, with no tokens)."""

    token_id: int | None
    name: str
    role: Role
    projects: frozenset[str]

    def can_read(self, project: str) -> bool:
        return ALL_PROJECTS in self.projects or project in self.projects

    def can_change(self, project: str) -> bool:
        return self.role in ("pm", "admin") and self.can_read(project)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


LOCAL_USER = Principal(None, "local user", "admin", frozenset({ALL_PROJECTS}))


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    role: Role
    projects: list[str]
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


@dataclass(frozen=True)
class WebSession:
    principal: Principal
    csrf_token: str
