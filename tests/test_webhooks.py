"""Webhooks, at the service: a Jira deletion starts a sync that lists every key (an incremental
one cannot see a deletion), Jira's signed deliveries and secrets in any characters, a GitHub
Projects board found by its organization, and no secret left in the server's access log."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.domain.errors import AccessDeniedError
from assistant.http.access_log import HideSecrets
from assistant.service import Assistant
from tests.conftest import sample_copy
from tests.local_http import Request, local_server
from tests.test_jira_sync import JiraShaped
from tests.test_schedule_server import wait_for

SECRET = "jira-geheimnis-ü"  # any character may be in a secret


@pytest.fixture
def jira() -> Iterator[tuple[JiraShaped, str]]:
    state = JiraShaped(3)

    def answer(request: Request, address: str) -> tuple[int, dict[str, str], str]:
        return state.reply(json.loads(request.body))

    with local_server(answer) as address:
        yield state, address


def signed(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def test_a_deleted_jira_issue_leaves_the_record_at_once(
    harbor: Any, tmp_path: Path, jira: tuple[JiraShaped, str]
) -> None:
    state, site = jira
    pm: Assistant = sample_copy(
        harbor,
        tmp_path,
        jira_webhook_secret=SECRET,
        jira_email="dana.fox@example.com",
        jira_api_token="token",
    )
    pm.sources.add("jira", "harbor", site=site, jql="project = HER")
    pm.sources.sync()
    assert "ticket:HER-1" in {d.id for d in pm.records.documents("harbor")}
    state.issues.pop(0)  # HER-1 deleted in Jira
    body = json.dumps(
        {"webhookEvent": "jira:issue_deleted", "issue": {"self": f"{site}/rest/api/3/issue/1"}}
    ).encode()

    with pytest.raises(AccessDeniedError, match="signature or secret does not match"):
        pm.hooks.jira(body, None, "é-guess")  # refused, not a server error
    assert pm.hooks.jira(body, signed(body), None) == ["harbor"]

    def finished() -> bool:
        history = pm.schedule.history("harbor")
        return bool(history) and history[0].outcome != "running"

    wait_for(finished, "the webhook's sync", 60)
    [run] = pm.schedule.history("harbor")
    assert (run.trigger, run.outcome) == ("webhook", "succeeded"), run.detail
    assert "1 removed" in run.detail
    assert any(r["fields"] == ["key"] for r in state.requests)  # every key was listed
    assert "ticket:HER-1" not in {d.id for d in pm.records.documents("harbor")}
    # The secret in the URL works too, for webhooks set up without signing.
    with pm.schedule._claim("harbor", "sync"):
        assert pm.hooks.jira(body, None, SECRET) == ["harbor"]


def test_a_projects_board_syncs_on_its_organizations_events(harbor: Any, tmp_path: Path) -> None:
    pm = sample_copy(harbor, tmp_path, github_webhook_secret="gh-secret")
    pm.sources.add("github-project", "harbor", owner="heron-org", number=3)
    item = json.dumps(
        {"action": "edited", "organization": {"login": "Heron-Org"}, "projects_v2_item": {}}
    ).encode()
    signature = "sha256=" + hmac.new(b"gh-secret", item, hashlib.sha256).hexdigest()
    # The project is busy: the sync waits for the next tick instead of running here.
    with pm.schedule._claim("harbor", "sync"):
        syncing = pm.hooks.github(item, signature, "delivery-1", "projects_v2_item")
    assert syncing == ["harbor"]
    assert pm.schedule.due()[0] == ("harbor", "sync")
    other = json.dumps({"organization": {"login": "another-org"}}).encode()
    other_signature = "sha256=" + hmac.new(b"gh-secret", other, hashlib.sha256).hexdigest()
    assert pm.hooks.github(other, other_signature, "delivery-2", "projects_v2_item") == []


def test_the_access_log_hides_a_secret_in_the_url() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", f"/api/hooks/jira?secret={SECRET}&x=1", "1.1", 202),
        None,
    )
    assert HideSecrets().filter(record)
    assert record.getMessage() == (
        '127.0.0.1:5000 - "POST /api/hooks/jira?secret=[hidden]&x=1 HTTP/1.1" 202'
    )
