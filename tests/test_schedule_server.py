"""The schedule inside `pmassist serve`: a real server process drafts the week at its scheduled
time and sends the e-mail (to an SMTP server started here) and the Slack and Teams messages (to
a receiver on 127.0.0.1); the schedule page shows the run; "run now" starts a job; GitHub and
Jira webhooks start a sync when their secret holds, and a redelivered GitHub event is acted on
once."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from assistant.service import Assistant
from tests.conftest import copy_database, free_port, sample_copy
from tests.live_server import live_server
from tests.local_http import Request, local_server
from tests.test_github_sync import item
from tests.test_schedule import Mailbox
from tests.test_server_safety import PMASSIST


@pytest.fixture
def receivers() -> Iterator[tuple[Mailbox, int, list[tuple[str, Any]], str]]:
    """An SMTP server and a webhook receiver (Slack and Teams by path)."""
    box = Mailbox()
    smtp_port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    posted: list[tuple[str, Any]] = []

    def answer(request: Request, address: str) -> tuple[int, dict[str, str], str]:
        posted.append((request.path, json.loads(request.body)))
        return 200, {}, "1"

    try:
        with local_server(answer) as address:
            yield box, smtp_port, posted, address
    finally:
        controller.stop()


def wait_for(check: Callable[[], Any], what: str, seconds: float = 180) -> Any:
    """Poll until `check` returns something (the run happens in the server's own time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_serve_drafts_the_week_and_tells_the_pm_by_mail_slack_and_teams(
    harbor: Any, tmp_path: Path, receivers: tuple[Mailbox, int, list[tuple[str, Any]], str]
) -> None:
    box, smtp_port, posted, receiver = receivers
    offline, _ = harbor
    port = free_port()
    env = os.environ | {
        "PMASSIST_HOME": str(offline.settings.home),
        "PMASSIST_DATABASE_URL": copy_database(offline, tmp_path / "served.db"),
        "PMASSIST_LLM": "none",
        # Every minute, so the first tick of the schedule finds the week due at once.
        "PMASSIST_WEEKLY_DRAFT": "* * * * *",
        "PMASSIST_SCHEDULE_TIMEZONE": "Europe/Berlin",
        "PMASSIST_SYNC_EVERY_MINUTES": "0",
        "PMASSIST_PUBLIC_URL": "https://pmassist.example.org",
        "PMASSIST_SMTP_HOST": "127.0.0.1",
        "PMASSIST_SMTP_PORT": str(smtp_port),
        "PMASSIST_SMTP_STARTTLS": "false",
        "PMASSIST_MAIL_FROM": "pmassist@example.org",
        "PMASSIST_MAIL_TO": "dana.fox@example.com",
        "PMASSIST_SLACK_WEBHOOK_URL": f"{receiver}/slack/T000/B000",
        "PMASSIST_TEAMS_WEBHOOK_URL": f"{receiver}/teams/workflow",
    }
    server = subprocess.Popen(
        [PMASSIST, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=60) as client:

            def listening() -> bool:
                try:
                    return client.get("/api/projects/harbor/runs").status_code == 200
                except httpx.TransportError:
                    assert server.poll() is None, "pmassist serve stopped"
                    return False

            wait_for(listening, "the server to listen", 60)
            planned = client.get("/api/projects/harbor/runs").json()["planned"]
            assert [p["job"] for p in planned] == ["weekly_draft"]  # no source: no sync job
            no_source = client.post("/api/projects/harbor/runs", json={"job": "sync"})
            assert no_source.status_code == 400
            assert "harbor has no source to sync" in no_source.json()["detail"]

            def finished() -> dict[str, Any] | None:
                history = client.get("/api/projects/harbor/runs").json()["history"]
                done = [r for r in history if r["outcome"] != "running"]
                return done[-1] if done else None

            run = wait_for(finished, "the scheduled weekly draft")
            page = client.get("/p/harbor/runs").text
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)

    assert "Schedule: sources not synced by schedule; weekly draft at '* * * * *'" in output
    assert (run["trigger"], run["outcome"]) == ("schedule", "succeeded"), run
    link = f"https://pmassist.example.org/drafts/{run['draft_id']}"
    assert {(d["channel"], d["delivered"]) for d in run["deliveries"]} == {
        ("email", True),
        ("slack", True),
        ("teams", True),
    }
    recipients, mail = box.messages[0]
    assert recipients == ["dana.fox@example.com"] and link in mail
    assert "Subject: Weekly status draft ready: harbor, " in mail
    by_path = {path.split("/")[1]: body for path, body in posted[:2]}
    assert link in json.dumps(by_path["slack"]) and link in json.dumps(by_path["teams"])
    assert "succeeded" in page and f'href="/drafts/{run["draft_id"]}"' in page


# Webhooks ---------------------------------------------------------------------------------------


@pytest.fixture
def github() -> Iterator[tuple[list[str], str]]:
    asked: list[str] = []

    def answer(request: Request, address: str) -> tuple[int, dict[str, str], str]:
        asked.append(request.path)
        return 200, {}, json.dumps([item(1), item(2)])

    with local_server(answer) as address:
        yield asked, address


def signed(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_webhooks_start_a_sync_when_their_secret_holds(
    harbor: Any, tmp_path: Path, github: tuple[list[str], str]
) -> None:
    asked, api = github
    pm: Assistant = sample_copy(
        harbor,
        tmp_path,
        github_api=api,
        github_webhook_secret="gh-secret",
        jira_webhook_secret="jira-secret",
        jira_email="dana.fox@example.com",
        jira_api_token="token",
    )
    pm.sources.add("github", "harbor", repository="acme/harbor")
    body = json.dumps({"action": "edited", "repository": {"full_name": "Acme/Harbor"}}).encode()
    headers = {"X-GitHub-Event": "issues", "X-GitHub-Delivery": "72d3162e-1"}

    with (
        live_server(pm, local_mode=True) as base,
        httpx.Client(base_url=base, timeout=60) as client,
    ):
        wrong = client.post(
            "/api/hooks/github",
            content=body,
            headers=headers | {"X-Hub-Signature-256": signed(body, "guess")},
        )
        assert wrong.status_code == 403 and "X-Hub-Signature-256" in wrong.json()["detail"]
        assert pm.schedule.history("harbor") == []

        good = headers | {"X-Hub-Signature-256": signed(body, "gh-secret")}
        accepted = client.post("/api/hooks/github", content=body, headers=good)
        assert accepted.status_code == 202 and accepted.json() == {"syncing": ["harbor"]}

        def synced() -> bool:
            history = pm.schedule.history("harbor")
            return bool(history) and history[0].outcome != "running"

        wait_for(synced, "the webhook's sync", 60)
        [run] = pm.schedule.history("harbor")
        assert (run.job, run.trigger, run.outcome) == ("sync", "webhook", "succeeded")
        assert "2 fetched, 2 added" in run.detail and asked
        assert {d.id for d in pm.records.documents("harbor")} >= {
            "ticket:harbor#1",
            "ticket:harbor#2",
        }

        # GitHub redelivers the same event: acknowledged, not synced again.
        again = client.post("/api/hooks/github", content=body, headers=good)
        assert again.status_code == 202 and again.json() == {"syncing": []}

        # "Run now" from the API: refused while the project is busy, started otherwise.
        with pm.schedule._claim("harbor", "sync"):
            busy = client.post("/api/projects/harbor/runs", json={"job": "sync"})
            assert busy.status_code == 409 and "is going on" in busy.json()["detail"]
        started = client.post("/api/projects/harbor/runs", json={"job": "sync"})
        assert started.status_code == 202, started.text

        def by_hand() -> bool:
            history = pm.schedule.history("harbor")
            return len(history) == 2 and history[0].outcome != "running"

        wait_for(by_hand, "the sync run by hand", 60)
        assert pm.schedule.history("harbor")[0].trigger == "run now"

        jira = json.dumps(
            {"issue": {"self": "https://harbor-example.atlassian.net/rest/api/3/issue/1"}}
        )
        refused = client.post("/api/hooks/jira?secret=guess", content=jira)
        assert refused.status_code == 403
        # No Jira source for that site: accepted, nothing to sync.
        unmatched = client.post("/api/hooks/jira?secret=jira-secret", content=jira)
        assert unmatched.status_code == 202 and unmatched.json() == {"syncing": []}

    (tmp_path / "plain").mkdir()
    unconfigured = sample_copy(harbor, tmp_path / "plain")
    with live_server(unconfigured) as base:
        missing = httpx.post(f"{base}/api/hooks/github", content=body, headers=good)
        assert missing.status_code == 404 and "PMASSIST_GITHUB_WEBHOOK_SECRET" in missing.text
