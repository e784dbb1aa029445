"""Notices in a Microsoft Teams channel, through a Workflows webhook ("Post to a channel when a
webhook request is received"). Workflows expects an Adaptive Card wrapped in a message; the older
Office 365 connector cards are retired, so they are not sent."""

from __future__ import annotations

from typing import Any, ClassVar

from assistant.domain.notice import Notice
from assistant.notify.webhook import WebhookChannel

# Adaptive Card 1.4 is the newest version every Teams client (desktop, web, mobile) renders.
CARD_VERSION = "1.4"
_STATUS_COLOURS = {"GREEN": "Good", "AMBER": "Warning", "RED": "Attention"}


class TeamsChannel(WebhookChannel):
    """Posts a notice as an Adaptive Card: title, status, the draft's first lines and a button."""

    label: ClassVar[str] = "Teams"
    url_setting: ClassVar[str] = "teams_webhook_url"

    def message(self, notice: Notice) -> dict[str, Any]:
        return message(notice)


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
