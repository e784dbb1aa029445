"""What the chat channels share: an incoming-webhook URL from the settings (a secret: its path is
its token), one JSON POST, and an error that quotes the server's reply, never the URL."""

from __future__ import annotations

import ssl
from typing import Any, ClassVar

import httpx
from pydantic import SecretStr

from assistant.config import Settings
from assistant.domain.notice import Notice, NoticeNotDeliveredError


class WebhookChannel:
    """A channel that posts `message(notice)` to the URL in the setting `url_setting`."""

    label: ClassVar[str]
    url_setting: ClassVar[str]

    def __init__(
        self,
        settings: Settings,
        *,
        http: httpx.Client | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        del tls_context  # the HTTP client carries the TLS settings for webhooks
        self._url = self.url(settings)
        self._http = http

    @classmethod
    def url(cls, settings: Settings) -> str:
        secret: SecretStr | None = getattr(settings, cls.url_setting)
        return secret.get_secret_value() if secret else ""

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return bool(cls.url(settings))

    def message(self, notice: Notice) -> dict[str, Any]:
        raise NotImplementedError

    def send(self, notice: Notice) -> None:
        if self._http is None:
            with httpx.Client() as http:
                post_json(http, self._url, self.message(notice))
        else:
            post_json(self._http, self._url, self.message(notice))


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
