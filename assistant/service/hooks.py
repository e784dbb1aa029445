"""Push updates: GitHub and Jira call pmassist when an issue changes, and the projects that sync
from that repository or site sync now instead of at the next tick.

GitHub signs each delivery with the webhook's secret (`X-Hub-Signature-256`, an HMAC-SHA256 of
the body) and may deliver one event more than once (`X-GitHub-Delivery` names it). A Jira Cloud
webhook with a secret signs the same way (`X-Hub-Signature`); one without carries the shared
secret in its URL (`?secret=`), which the server's access log then hides.
A hook whose secret is not configured does not exist (404), so it cannot be probed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections import OrderedDict
from typing import Any
from urllib.parse import urlsplit

from assistant.domain.errors import AccessDeniedError, InvalidInputError, NotFoundError
from assistant.domain.sources import TrackerSource
from assistant.service.schedule import ScheduleService
from assistant.service.sources import SourceService
from assistant.service.wiring import Wiring

DELIVERIES_REMEMBERED = 1000
# Events that change what a sync fetches; others (stars, pushes) are acknowledged, not synced.
GITHUB_EVENTS = {"issues", "issue_comment", "label", "milestone", "projects_v2_item"}


class PushHooks:
    def __init__(self, wiring: Wiring, sources: SourceService, schedule: ScheduleService) -> None:
        self.wiring = wiring
        self.sources = sources
        self.schedule = schedule
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._guard = threading.Lock()

    def github(
        self, body: bytes, signature: str | None, delivery: str | None, event: str | None
    ) -> list[str]:
        """Verify and act on a GitHub delivery; returns the projects that sync because of it."""
        secret = self.wiring.settings.github_webhook_secret
        if secret is None:
            raise NotFoundError("No GitHub webhook is configured (PMASSIST_GITHUB_WEBHOOK_SECRET).")
        if not _same(signature, _signature(secret.get_secret_value(), body)):
            raise AccessDeniedError("The X-Hub-Signature-256 does not match this webhook's secret.")
        if delivery and self._seen_before(delivery):
            return []  # GitHub redelivered it: acted on once already
        if event not in GITHUB_EVENTS:
            return []
        payload = _json(body)
        repository = payload.get("repository") or {}
        full_name = str(repository.get("full_name") or "").lower()
        # A board's events carry its organization; an issue's its repository, whose owner's
        # boards may hold the issue.
        owner = str(
            (payload.get("organization") or {}).get("login")
            or (repository.get("owner") or {}).get("login")
            or ""
        ).lower()

        def fed(source: TrackerSource) -> bool:
            if source.kind == "github":
                return (source.repository or "").lower() == full_name
            return (
                source.kind == "github-project"
                and bool(owner)
                and (source.owner or "").lower() == owner
            )

        return self._sync({s.project for s in self.sources.sources() if fed(s)})

    def jira(self, body: bytes, signature: str | None, secret: str | None) -> list[str]:
        """A Jira webhook: signed like GitHub's (`X-Hub-Signature`) when it has a secret, or
        with the secret in its URL (`?secret=`)."""
        configured = self.wiring.settings.jira_webhook_secret
        if configured is None:
            raise NotFoundError("No Jira webhook is configured (PMASSIST_JIRA_WEBHOOK_SECRET).")
        key = configured.get_secret_value()
        if not (_same(signature, _signature(key, body)) if signature else _same(secret, key)):
            raise AccessDeniedError(
                "The webhook's signature or secret does not match PMASSIST_JIRA_WEBHOOK_SECRET."
            )
        payload = _json(body)
        site = _site(str((payload.get("issue") or {}).get("self") or ""))
        jira_sources = [s for s in self.sources.sources() if s.kind == "jira"]
        # An incremental sync cannot see a deletion: this one lists every key too.
        deleted = payload.get("webhookEvent") == "jira:issue_deleted"
        return self._sync(
            {s.project for s in jira_sources if _site(s.site) == site}, reconcile=deleted
        )

    def _sync(self, projects: set[str], *, reconcile: bool = False) -> list[str]:
        for project in sorted(projects):
            self.schedule.request_sync(project, "webhook", reconcile=reconcile)
        return sorted(projects)

    def _seen_before(self, delivery: str) -> bool:
        with self._guard:
            if delivery in self._seen:
                return True
            self._seen[delivery] = None
            while len(self._seen) > DELIVERIES_REMEMBERED:
                self._seen.popitem(last=False)
            return False


def _signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _same(sent: str | None, expected: str) -> bool:
    """Constant-time comparison, as bytes: any character may be sent, or be in the secret."""
    return sent is not None and hmac.compare_digest(sent.strip().encode(), expected.encode())


def _json(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        raise InvalidInputError("The webhook's body is not JSON.") from None
    if not isinstance(payload, dict):
        raise InvalidInputError("The webhook's body is not a JSON object.")
    return payload


def _site(url: str | None) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}".lower()
