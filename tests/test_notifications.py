"""Notices by e-mail, Slack and Teams, against real servers on 127.0.0.1: an aiosmtpd SMTP server
(plain, and with STARTTLS and a login over a certificate made for the test) and a small HTTP
server standing in for the webhooks. Backoff sleeps are recorded, never slept."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from assistant.config import Settings
from assistant.domain.notice import Notice
from assistant.notify import CHANNELS, Notifier
from tests.local_http import Request, local_server

DRAFT_LINK = "http://pm.example.com/projects/heron/drafts/42"
LINES = [
    "Data migration finished two days early; cut-over rehearsal booked for 19 Nov.",
    "Vendor API rate limits still block load tests (<R-7> & R-9 open).",
    "Budget at 64% with 58% of the scope delivered.",
    "Two testers join on Monday.",
    "Sign-off meeting with finance moved to 25 Nov.",
    "A sixth line the notice leaves out.",
]
USER, PASSWORD = "pm-bot@example.com", "correct horse battery staple"
SLACK_TOKEN = "T0HERON/B0NOTICE/s3cr3tWebhookToken"


def draft_notice() -> Notice:
    return Notice(
        project="heron",
        kind="draft_ready",
        title="Weekly status draft ready: heron, week 2026-W46",
        link=DRAFT_LINK,
        status="amber",
        lines=LINES,
    )


def failure_notice() -> Notice:
    return Notice(
        project="heron",
        kind="run_failed",
        title="Scheduled weekly draft failed: heron",
        error="Jira answered 401 Unauthorized while syncing HERON",
    )


def no_wait(seconds: float) -> None:
    """The backoff of a test that does not look at it: recorded nowhere, never slept."""


def settings_for(tmp_path: Path, **fields: Any) -> Settings:
    return Settings(_env_file=None, home=tmp_path, **fields)


# --- A real SMTP server -----------------------------------------------------------------------


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    message: EmailMessage
    login: str | None
    over_tls: bool


@dataclass
class Mailbox:
    """aiosmtpd's handler: keeps every message it accepts."""

    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        # The authenticator below keeps the login name as the session's auth_data.
        login = session.auth_data if session.authenticated else None
        self.received.append(
            Received(
                envelope_from=str(envelope.mail_from),
                recipients=list(envelope.rcpt_tos),
                message=parsed,
                login=login.decode() if isinstance(login, bytes) else None,
                over_tls=session.ssl is not None,
            )
        )
        return "250 Message accepted for delivery"


def check_password(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == USER
        and auth_data.password.decode() == PASSWORD
    )
    return AuthResult(success=ok, auth_data=auth_data.login if ok else None, handled=False)


class LocalController(Controller):
    """aiosmtpd's Controller on any free port: it binds port 0, then reads the port it got
    before making its first test connection."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.base_events.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


@contextmanager
def smtp_server(**smtp_options: Any) -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()
    controller = LocalController(mailbox, hostname="127.0.0.1", port=0, **smtp_options)
    controller.start()
    try:
        yield controller.port, mailbox
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made for this test run."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    request = "req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
    san = "subjectAltName=IP:127.0.0.1"
    command = ["openssl", *request.split(), "-addext", san, "-keyout", str(key), "-out", str(cert)]
    subprocess.run(command, check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_smtp(certificate: tuple[Path, Path]) -> Iterator[tuple[int, Mailbox]]:
    """An SMTP server that insists on STARTTLS and then on a login, like a company relay."""
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    with smtp_server(
        tls_context=server_context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=check_password,
    ) as running:
        yield running


def trusting(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def mail_settings(tmp_path: Path, port: int, **fields: Any) -> Settings:
    return settings_for(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=port,
        mail_from="pmassist <pmassist@example.com>",
        mail_to="dana.fox@example.com, omar.reyes@example.com",
        **fields,
    )


def body_parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",))
    rich = message.get_body(preferencelist=("html",))
    assert isinstance(plain, EmailMessage) and isinstance(rich, EmailMessage)
    return plain.get_content(), rich.get_content()


# --- E-mail -----------------------------------------------------------------------------------


def test_plain_smtp_delivers_the_draft_notice_to_every_recipient(tmp_path: Path) -> None:
    sleeps: list[float] = []
    with smtp_server() as (port, mailbox):
        notifier = Notifier(mail_settings(tmp_path, port, smtp_starttls=False), sleep=sleeps.append)
        assert notifier.channels() == ["email"]
        deliveries = notifier.send(draft_notice())

    assert [d.model_dump() for d in deliveries] == [
        {"channel": "email", "delivered": True, "attempts": 1, "error": None}
    ]
    assert sleeps == []
    [mail] = mailbox.received
    assert mail.envelope_from == "pmassist@example.com"
    assert mail.recipients == ["dana.fox@example.com", "omar.reyes@example.com"]
    assert mail.message["Subject"] == "Weekly status draft ready: heron, week 2026-W46"
    assert mail.message["To"] == "dana.fox@example.com, omar.reyes@example.com"
    assert mail.login is None and not mail.over_tls

    plain, rich = body_parts(mail.message)
    assert "Overall status: AMBER" in plain
    assert DRAFT_LINK in plain
    for line in LINES[:5]:
        assert f"- {line}" in plain
    assert LINES[5] not in plain  # the notice points to the draft; it does not carry all of it
    # Text from the record is escaped in the HTML part, not taken as markup.
    assert "(&lt;R-7&gt; &amp; R-9 open)" in rich
    assert "<R-7>" not in rich
    assert f'href="{DRAFT_LINK}"' in rich


def test_starttls_and_login_deliver_over_an_encrypted_connection(
    tmp_path: Path, tls_smtp: tuple[int, Mailbox], certificate: tuple[Path, Path]
) -> None:
    port, mailbox = tls_smtp
    settings = mail_settings(tmp_path, port, smtp_username=USER, smtp_password=PASSWORD)
    notifier = Notifier(settings, sleep=no_wait, tls_context=trusting(certificate))

    [delivery] = notifier.send(draft_notice())

    assert delivery.delivered, delivery.error
    assert delivery.attempts == 1
    [mail] = mailbox.received
    assert mail.over_tls
    assert mail.login == USER
    assert mail.message["Subject"] == "Weekly status draft ready: heron, week 2026-W46"
    assert mail.recipients == ["dana.fox@example.com", "omar.reyes@example.com"]
    plain, _ = body_parts(mail.message)
    assert DRAFT_LINK in plain
    assert LINES[0] in plain


def test_a_wrong_password_is_reported_after_three_attempts_without_the_password(
    tmp_path: Path, tls_smtp: tuple[int, Mailbox], certificate: tuple[Path, Path]
) -> None:
    port, mailbox = tls_smtp
    wrong = "tr0ub4dor&3"
    settings = mail_settings(tmp_path, port, smtp_username=USER, smtp_password=wrong)
    sleeps: list[float] = []
    notifier = Notifier(settings, sleep=sleeps.append, tls_context=trusting(certificate))

    [delivery] = notifier.send(draft_notice())

    assert not delivery.delivered
    assert delivery.channel == "email"
    assert delivery.attempts == 3
    assert sleeps == [1, 2]
    assert delivery.error is not None
    assert "e-mail" in delivery.error.lower()
    assert "authentication failed" in delivery.error
    assert "535" in delivery.error
    assert wrong not in delivery.error
    assert mailbox.received == []


def test_an_untrusted_certificate_is_refused(tmp_path: Path, tls_smtp: tuple[int, Mailbox]) -> None:
    # Without the test's CA the system's trust store decides, and it does not know this
    # self-signed certificate: the password is never sent to a server that cannot prove itself.
    port, mailbox = tls_smtp
    settings = mail_settings(tmp_path, port, smtp_username=USER, smtp_password=PASSWORD)

    [delivery] = Notifier(settings, sleep=no_wait).send(draft_notice())

    assert not delivery.delivered
    assert delivery.error is not None
    assert "certificate is not trusted" in delivery.error
    assert mailbox.received == []


def test_a_failed_run_is_mailed_with_its_reason(tmp_path: Path) -> None:
    with smtp_server() as (port, mailbox):
        notifier = Notifier(mail_settings(tmp_path, port, smtp_starttls=False), sleep=no_wait)
        [delivery] = notifier.send(failure_notice())

    assert delivery.delivered
    [mail] = mailbox.received
    assert mail.message["Subject"] == "Scheduled weekly draft failed: heron"
    plain, rich = body_parts(mail.message)
    assert "Jira answered 401 Unauthorized while syncing HERON" in plain
    assert "Overall status" not in plain
    assert "Jira answered 401 Unauthorized" in rich


def test_an_smtp_server_that_is_not_there_is_reported_not_raised(tmp_path: Path) -> None:
    with socket.socket() as unused:  # a port that was free a moment ago and has no listener
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    sleeps: list[float] = []
    notifier = Notifier(mail_settings(tmp_path, port, smtp_starttls=False), sleep=sleeps.append)

    [delivery] = notifier.send(draft_notice())

    assert not delivery.delivered
    assert delivery.attempts == 3
    assert sleeps == [1, 2]
    assert delivery.error is not None
    assert f"could not reach 127.0.0.1:{port}" in delivery.error


# --- Slack and Teams webhooks -----------------------------------------------------------------


@dataclass
class Webhook:
    """A webhook receiver answering from a script of statuses (the last one repeats)."""

    statuses: list[tuple[int, str]]
    requests: list[Request] = field(default_factory=list)

    def __call__(self, request: Request, address: str) -> tuple[int, dict[str, str], str]:
        self.requests.append(request)
        status, text = self.statuses[min(len(self.requests), len(self.statuses)) - 1]
        return status, {"Content-Type": "text/plain"}, text

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(request.body) for request in self.requests]


def test_slack_gets_a_block_kit_message_with_status_lines_and_link(tmp_path: Path) -> None:
    hook = Webhook([(200, "ok")])
    with local_server(hook) as address:
        settings = settings_for(tmp_path, slack_webhook_url=f"{address}/services/{SLACK_TOKEN}")
        notifier = Notifier(settings, sleep=no_wait)
        assert notifier.channels() == ["slack"]
        [delivery] = notifier.send(draft_notice())

    assert delivery.model_dump() == {
        "channel": "slack",
        "delivered": True,
        "attempts": 1,
        "error": None,
    }
    [request] = hook.requests
    assert request.method == "POST"
    assert request.path == f"/services/{SLACK_TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    [payload] = hook.payloads()
    assert "Weekly status draft ready: heron, week 2026-W46" in payload["text"]
    header, section, *_ = payload["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Weekly status draft ready: heron, week 2026-W46"},
    }
    assert section["type"] == "section"
    text = section["text"]["text"]
    assert section["text"]["type"] == "mrkdwn"
    assert "AMBER" in text
    assert f"<{DRAFT_LINK}|Open the draft>" in text
    assert LINES[0] in text
    # Slack reads < > & as markup: the record's text arrives escaped.
    assert "(&lt;R-7&gt; &amp; R-9 open)" in text
    assert LINES[5] not in text


def test_teams_gets_an_adaptive_card_with_status_and_a_button_to_the_draft(
    tmp_path: Path,
) -> None:
    hook = Webhook([(202, "")])
    with local_server(hook) as address:
        settings = settings_for(
            tmp_path, teams_webhook_url=f"{address}/workflows/abc/triggers/manual"
        )
        [delivery] = Notifier(settings, sleep=no_wait).send(draft_notice())

    assert delivery.delivered, delivery.error
    [payload] = hook.payloads()
    assert payload["type"] == "message"
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.4"
    texts = [block["text"] for block in card["body"] if block["type"] == "TextBlock"]
    assert texts[0] == "Weekly status draft ready: heron, week 2026-W46"
    [status] = [block for block in card["body"] if "AMBER" in block["text"]]
    assert status["color"] == "Warning"
    assert any(LINES[0] in text for text in texts)
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "Open the draft", "url": DRAFT_LINK}
    ]


def test_a_failed_run_card_shows_the_reason_and_no_button_without_a_link(tmp_path: Path) -> None:
    hook = Webhook([(202, "")])
    with local_server(hook) as address:
        settings = settings_for(tmp_path, teams_webhook_url=f"{address}/workflows/abc")
        [delivery] = Notifier(settings, sleep=no_wait).send(failure_notice())

    assert delivery.delivered
    [card] = [payload["attachments"][0]["content"] for payload in hook.payloads()]
    [reason] = [block for block in card["body"] if "Jira answered 401" in block["text"]]
    assert reason["color"] == "Attention"
    assert "actions" not in card


def test_slack_rejecting_the_payload_is_reported_with_its_answer(tmp_path: Path) -> None:
    hook = Webhook([(400, "invalid_payload")])
    with local_server(hook) as address:
        settings = settings_for(tmp_path, slack_webhook_url=f"{address}/services/{SLACK_TOKEN}")
        [delivery] = Notifier(settings, sleep=no_wait).send(draft_notice())

    assert not delivery.delivered
    assert delivery.error is not None
    assert "Slack" in delivery.error
    assert "400" in delivery.error
    assert "invalid_payload" in delivery.error


# --- Retries ----------------------------------------------------------------------------------


def test_a_webhook_that_fails_twice_is_delivered_on_the_third_attempt(tmp_path: Path) -> None:
    hook = Webhook([(500, "busy"), (500, "busy"), (200, "ok")])
    sleeps: list[float] = []
    with local_server(hook) as address:
        settings = settings_for(tmp_path, slack_webhook_url=f"{address}/services/{SLACK_TOKEN}")
        [delivery] = Notifier(settings, sleep=sleeps.append).send(draft_notice())

    assert delivery.delivered
    assert delivery.attempts == 3
    assert delivery.error is None
    assert sleeps == [1, 2]
    assert len(hook.requests) == 3


def test_a_webhook_that_always_fails_is_reported_without_its_secret_url(tmp_path: Path) -> None:
    hook = Webhook([(500, "Internal Server Error")])
    sleeps: list[float] = []
    with local_server(hook) as address:
        url = f"{address}/services/{SLACK_TOKEN}"
        settings = settings_for(tmp_path, slack_webhook_url=url)
        [delivery] = Notifier(settings, sleep=sleeps.append).send(draft_notice())

    assert not delivery.delivered
    assert delivery.attempts == 3
    assert len(hook.requests) == 3
    assert sleeps == [1, 2]
    assert delivery.error is not None
    assert "500" in delivery.error
    assert url not in delivery.error
    assert "s3cr3tWebhookToken" not in delivery.error


def test_one_failing_channel_does_not_stop_the_others(tmp_path: Path) -> None:
    slack, teams = Webhook([(503, "down")]), Webhook([(202, "")])
    with local_server(slack) as slack_address, local_server(teams) as teams_address:
        settings = settings_for(
            tmp_path,
            slack_webhook_url=f"{slack_address}/services/{SLACK_TOKEN}",
            teams_webhook_url=f"{teams_address}/workflows/abc",
        )
        deliveries = Notifier(settings, sleep=no_wait).send(draft_notice())

    assert [(d.channel, d.delivered, d.attempts) for d in deliveries] == [
        ("slack", False, 3),
        ("teams", True, 1),
    ]


# --- Which channels -------------------------------------------------------------------------


def test_nothing_configured_sends_nothing(tmp_path: Path) -> None:
    notifier = Notifier(settings_for(tmp_path), sleep=no_wait)

    assert notifier.channels() == []
    assert notifier.send(draft_notice()) == []


def test_only_completely_configured_channels_are_used(tmp_path: Path) -> None:
    # E-mail needs a server, a sender and a recipient; any one missing leaves it out.
    half_mail = settings_for(
        tmp_path,
        smtp_host="127.0.0.1",
        mail_to="dana.fox@example.com",
        teams_webhook_url="http://127.0.0.1:9/x",
    )
    assert Notifier(half_mail).channels() == ["teams"]
    full = settings_for(
        tmp_path,
        smtp_host="127.0.0.1",
        mail_from="pmassist@example.com",
        mail_to=" , ",
        slack_webhook_url="http://127.0.0.1:9/y",
    )
    assert Notifier(full).channels() == ["slack"]  # a blank recipient list is no recipient
    assert list(CHANNELS) == ["email", "slack", "teams"]
