"""The JSON API (`/api`) and the OpenAI Chat Completions shape (`/v1`): routes per resource, each
calling the service. `ROUTERS` is what the server mounts."""

from __future__ import annotations

from assistant.api import drafts, evals, hooks, openai_compat, records, risks, runs

ROUTERS = (
    records.router,
    drafts.router,
    risks.router,
    runs.router,
    hooks.router,
    evals.router,
    openai_compat.router,
)

__all__ = ["ROUTERS"]
