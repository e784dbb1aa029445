"""Webhook receivers: GitHub and Jira tell pmassist an issue changed, and the projects that sync
from it sync now. They authenticate by the webhook's own secret, not an API token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request

from assistant.http.caller import Service

router = APIRouter(prefix="/api/hooks", tags=["webhooks"])


@router.post("/github", status_code=202)
async def github(
    request: Request,
    assistant: Service,
    x_hub_signature_256: Annotated[str | None, Header()] = None,
    x_github_delivery: Annotated[str | None, Header()] = None,
    x_github_event: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """A GitHub webhook (content type application/json) signed with
    PMASSIST_GITHUB_WEBHOOK_SECRET."""
    body = await request.body()
    syncing = assistant.hooks.github(body, x_hub_signature_256, x_github_delivery, x_github_event)
    return {"syncing": syncing}


@router.post("/jira", status_code=202)
async def jira(
    request: Request,
    assistant: Service,
    x_hub_signature: Annotated[str | None, Header()] = None,
    secret: Annotated[str | None, Query(description="PMASSIST_JIRA_WEBHOOK_SECRET")] = None,
) -> dict[str, Any]:
    """A Jira Cloud webhook with the secret PMASSIST_JIRA_WEBHOOK_SECRET (signed), or whose
    URL ends in ?secret=PMASSIST_JIRA_WEBHOOK_SECRET."""
    body = await request.body()
    return {"syncing": assistant.hooks.jira(body, x_hub_signature, secret)}
