"""Notices in a Slack channel, through an incoming webhook (a URL the Slack admin creates; the URL
itself is the credential, so it is never shown in an error)."""

from __future__ import annotations

from typing import Any, ClassVar

from assistant.domain.notice import Notice
from assistant.notify.webhook import WebhookChannel

# Slack's limits: a header's text at most 150 characters, a section's at most 3000.
_HEADER_LIMIT = 150
_SECTION_LIMIT = 3000
_STATUS_EMOJI = {
    "GREEN": ":large_green_circle:",
    "AMBER": ":large_orange_circle:",
    "RED": ":red_circle:",
}


class SlackChannel(WebhookChannel):
    """Posts a notice as a Block Kit message, with plain text for notifications and old clients."""

    label: ClassVar[str] = "Slack"
    url_setting: ClassVar[str] = "slack_webhook_url"

    def message(self, notice: Notice) -> dict[str, Any]:
        return message(notice)


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
