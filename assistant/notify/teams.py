"""Notices in a Microsoft Teams channel, through a Workflows webhook ("Post to a channel when a
webhook request is received"). Workflows expects an Adaptive Card wrapped in a message; the older
Office 365 connector cards are retired, so they are not sent."""

from __future__ import annotations

import ssl
from typing import Any, ClassVar

import httpx

from assistant.config import Settings
from assistant.domain.notice import Notice
from assistant.notify.slack import post_json

# Adaptive Card 1.4 is the newest version every Teams client (desktop, web, mobile) renders.
CARD_VERSION = "1.4"
_STATUS_COLOURS = {"GREEN": "Good", "AMBER": "Warning", "RED": "Attention"}


class TeamsChannel:
    """Posts a notice as an Adaptive Card: title, status, the draft's first lines and a button."""

    label: ClassVar[str] = "Teams"

    def __init__(
        self,
        settings: Settings,
        *,
        http: httpx.Client | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        del tls_context  # the HTTP client carries the TLS settings for webhooks
        url = settings.teams_webhook_url
        self._url = url.get_secret_value() if url else ""
        self._http = http

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(settings.teams_webhook_url and settings.teams_webhook_url.get_secret_value())

    def send(self, notice: Notice) -> None:
        if self._http is None:
            with httpx.Client() as http:
                post_json(http, self._url, message(notice))
        else:
            post_json(self._http, self._url, message(notice))


def message(notice: Notice) -> dict[str, Any]:
    """The webhook's JSON: one message with one Adaptive Card attachment."""
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card(notice),
            }
        ],
    }


def card(notice: Notice) -> dict[str, Any]:
    # Teams renders TextBlock text as a small Markdown subset; the record's text is shown as is
    # (a stray "*" in a ticket title changes emphasis at worst, it cannot run anything).
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": notice.title,
            "size": "Medium",
            "weight": "Bolder",
            "wrap": True,
        },
        {
            "type": "TextBlock",
            "text": f"Project {notice.project}",
            "isSubtle": True,
            "spacing": "None",
        },
    ]
    if status := notice.status_label():
        body.append(
            {
                "type": "TextBlock",
                "text": f"Overall status: **{status}**",
                "color": _STATUS_COLOURS.get(status, "Default"),
                "wrap": True,
            }
        )
    if lines := notice.shown_lines():
        # Teams' Markdown reads "- a\r- b" as a list; a blank line between items would indent
        # each one further.
        bullets = "\r".join(f"- {line}" for line in lines)
        body.append({"type": "TextBlock", "text": bullets, "wrap": True})
    if notice.error:
        body.append(
            {
                "type": "TextBlock",
                "text": f"What went wrong: {notice.error}",
                "color": "Attention",
                "wrap": True,
            }
        )
    content: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": body,
    }
    if notice.link:
        title = "Open the draft" if notice.kind == "draft_ready" else "Open pmassist"
        content["actions"] = [{"type": "Action.OpenUrl", "title": title, "url": notice.link}]
    return content
