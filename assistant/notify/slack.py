"""Notices in a Slack channel, through an incoming webhook (a URL the Slack admin creates; the URL
itself is the credential, so it is never shown in an error)."""

from __future__ import annotations

import ssl
from typing import Any, ClassVar

import httpx

from assistant.config import Settings
from assistant.domain.notice import Notice, NoticeNotDeliveredError

# Slack's limits: a header's text at most 150 characters, a section's at most 3000.
_HEADER_LIMIT = 150
_SECTION_LIMIT = 3000
_STATUS_EMOJI = {
    "GREEN": ":large_green_circle:",
    "AMBER": ":large_orange_circle:",
    "RED": ":red_circle:",
}


class SlackChannel:
    """Posts a notice as a Block Kit message, with plain text for notifications and old clients."""

    label: ClassVar[str] = "Slack"

    def __init__(
        self,
        settings: Settings,
        *,
        http: httpx.Client | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        del tls_context  # the HTTP client carries the TLS settings for webhooks
        self._url = (
            settings.slack_webhook_url.get_secret_value() if settings.slack_webhook_url else ""
        )
        self._http = http

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(settings.slack_webhook_url and settings.slack_webhook_url.get_secret_value())

    def send(self, notice: Notice) -> None:
        if self._http is None:
            with httpx.Client() as http:
                post_json(http, self._url, message(notice))
        else:
            post_json(self._http, self._url, message(notice))


def post_json(http: httpx.Client, url: str, payload: dict[str, Any]) -> None:
    """POST the payload; anything but a 2xx answer is an error that quotes the server's reply
    (Slack answers e.g. 400 "invalid_payload", Teams a JSON error), never the URL."""
    response = http.post(url, json=payload)
    if not response.is_success:
        reply = " ".join(response.text.split())[:300]
        raise NoticeNotDeliveredError(
            f"the webhook answered {response.status_code} {response.reason_phrase}"
            + (f": {reply}" if reply else "")
        )


def message(notice: Notice) -> dict[str, Any]:
    """The webhook's JSON: `text` is what a phone notification shows, `blocks` the message."""
    status = notice.status_label()
    details: list[str] = []
    if status:
        shown = " ".join(part for part in (_STATUS_EMOJI.get(status), _escape(status)) if part)
        details.append(f"*Overall status:* {shown}")
    details += [f"• {_escape(line)}" for line in notice.shown_lines()]
    if notice.error:
        details.append(f"*What went wrong:* {_escape(notice.error)}")
    if notice.link:
        label = "Open the draft" if notice.kind == "draft_ready" else "Open pmassist"
        details.append(f"<{_escape(notice.link)}|{label}>")

    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(notice.title, _HEADER_LIMIT)},
        }
    ]
    if details:
        text = _cut("\n".join(details), _SECTION_LIMIT)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"Project {_escape(notice.project)}"}],
        }
    )
    fallback = " — ".join(
        part for part in (notice.title, status and f"status {status}", notice.error) if part
    )
    return {"text": fallback, "blocks": blocks}


def _escape(text: str) -> str:
    # Slack reads &, < and > as markup (links, mentions); these three must be written as entities.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
