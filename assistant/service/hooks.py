"""Push updates: GitHub and Jira call pmassist when an issue changes, and the projects that sync
from that repository or site sync now instead of at the next tick.

GitHub signs each delivery with the webhook's secret (`X-Hub-Signature-256`, an HMAC-SHA256 of
the body) and may deliver one event more than once (`X-GitHub-Delivery` names it). Jira Cloud
webhooks carry no signature of their own here: the URL carries a shared secret (`?secret=`).
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
        expected = (
            "sha256="
            + hmac.new(secret.get_secret_value().encode(), body, hashlib.sha256).hexdigest()
        )
        if not signature or not hmac.compare_digest(signature.strip(), expected):
            raise AccessDeniedError("The X-Hub-Signature-256 does not match this webhook's secret.")
        if delivery and self._seen_before(delivery):
            return []  # GitHub redelivered it: acted on once already
        if event not in GITHUB_EVENTS:
            return []
        payload = _json(body)
        repository = str((payload.get("repository") or {}).get("full_name") or "").lower()
        return self._sync(
            {
                s.project
                for s in self.sources.sources()
                if s.kind == "github" and (s.repository or "").lower() == repository
            }
        )

    def jira(self, body: bytes, secret: str | None) -> list[str]:
        configured = self.wiring.settings.jira_webhook_secret
        if configured is None:
            raise NotFoundError("No Jira webhook is configured (PMASSIST_JIRA_WEBHOOK_SECRET).")
        if not secret or not hmac.compare_digest(secret, configured.get_secret_value()):
            raise AccessDeniedError(
                "The webhook's secret does not match PMASSIST_JIRA_WEBHOOK_SECRET."
            )
        payload = _json(body)
        issue_url = str((payload.get("issue") or {}).get("self") or "")
        site = _site(issue_url)
        return self._sync(
            {
                s.project
                for s in self.sources.sources()
                if s.kind == "jira" and _site(s.site) == site
            }
        )

    def _sync(self, projects: set[str]) -> list[str]:
        for project in sorted(projects):
            self.schedule.request_sync(project, "webhook")
        return sorted(projects)

    def _seen_before(self, delivery: str) -> bool:
        with self._guard:
            if delivery in self._seen:
                return True
            self._seen[delivery] = None
            while len(self._seen) > DELIVERIES_REMEMBERED:
                self._seen.popitem(last=False)
            return False


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
