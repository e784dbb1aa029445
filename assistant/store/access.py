"""API tokens and browser sessions: who may read or change which projects.

A token is 32 random bytes shown once; only its SHA-256 is stored (a token is not a password a
person chose, so a fast hash of it is as strong as the token). Each token has a role and a list
of projects; `*` stands for every project and is reserved for admin tokens.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine

from assistant.domain.access import ALL_PROJECTS, ROLES, Principal, TokenInfo, WebSession
from assistant.domain.clock import utc_now
from assistant.domain.errors import InvalidInputError, UnknownTokenError
from assistant.store.db import api_tokens, web_sessions

TOKEN_PREFIX = "pma_"  # noqa: S105 - a marker on every token, not a secret
SESSION_HOURS = 12


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class AccessStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_token(self, name: str, role: str, projects: list[str]) -> tuple[int, str]:
        """A new token; returns its id and the token itself (shown once, never stored)."""
        if role not in ROLES:
            raise InvalidInputError(f"Unknown role '{role}': use {', '.join(ROLES)}.", field="role")
        if not projects:
            raise InvalidInputError(
                "A token needs at least one project (or all projects).", field="projects"
            )
        if ALL_PROJECTS in projects and role != "admin":
            raise InvalidInputError(
                "Only an admin token may cover every project.", field="projects"
            )
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            result = connection.execute(
                api_tokens.insert().values(
                    name=name.strip() or role,
                    token_hash=_hash(token),
                    role=role,
                    projects_json=json.dumps(sorted(set(projects))),
                    created_at=utc_now(),
                )
            )
            key = result.inserted_primary_key
            assert key is not None
        return int(key[0]), token

    def has_tokens(self) -> bool:
        with self.engine.connect() as connection:
            found = connection.scalar(
                select(api_tokens.c.id).where(api_tokens.c.revoked_at.is_(None)).limit(1)
            )
        return found is not None

    def tokens(self) -> list[TokenInfo]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(api_tokens).order_by(api_tokens.c.id)).all()
        return [
            TokenInfo(
                row.id,
                row.name,
                row.role,
                json.loads(row.projects_json),
                row.created_at,
                row.last_used_at,
                row.revoked_at,
            )
            for row in rows
        ]

    def revoke(self, token_id: int) -> None:
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(api_tokens)
                .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=utc_now())
            ).rowcount
            connection.execute(delete(web_sessions).where(web_sessions.c.token_id == token_id))
        if not changed:
            raise UnknownTokenError(token_id)

    def principal(self, token: str) -> Principal | None:
        """The principal a presented token stands for; None when unknown or revoked."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        with self.engine.begin() as connection:
            row = connection.execute(
                select(api_tokens).where(
                    api_tokens.c.token_hash == _hash(token), api_tokens.c.revoked_at.is_(None)
                )
            ).first()
            if row is None:
                return None
            connection.execute(
                update(api_tokens).where(api_tokens.c.id == row.id).values(last_used_at=utc_now())
            )
        return _principal(row)

    def open_session(self, principal: Principal) -> tuple[str, str]:
        """A browser session for a logged-in token: (session id for the cookie, CSRF token)."""
        assert principal.token_id is not None
        session, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        now = utc_now()
        with self.engine.begin() as connection:
            connection.execute(
                web_sessions.insert().values(
                    session_hash=_hash(session),
                    token_id=principal.token_id,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=now + dt.timedelta(hours=SESSION_HOURS),
                )
            )
        return session, csrf

    def session(self, session: str) -> WebSession | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(web_sessions, api_tokens)
                .join(api_tokens, api_tokens.c.id == web_sessions.c.token_id)
                .where(
                    web_sessions.c.session_hash == _hash(session),
                    web_sessions.c.expires_at > utc_now(),
                    api_tokens.c.revoked_at.is_(None),
                )
            ).first()
        if row is None:
            return None
        return WebSession(_principal(row), row.csrf_token)

    def close_session(self, session: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                delete(web_sessions).where(web_sessions.c.session_hash == _hash(session))
            )


def _principal(row: object) -> Principal:
    return Principal(
        token_id=int(row.id),  # type: ignore[attr-defined]
        name=str(row.name),  # type: ignore[attr-defined]
        role=row.role,  # type: ignore[attr-defined]
        projects=frozenset(json.loads(row.projects_json)),  # type: ignore[attr-defined]
    )
