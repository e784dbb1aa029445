"""The server's access log without secrets: a Jira webhook without signing carries its shared
secret in the URL (`?secret=`), and the access log writes every URL with its query."""

from __future__ import annotations

import logging
import re

SECRET_IN_QUERY = re.compile(r"(?i)([?&](?:secret|token)=)[^&\s]*")


class HideSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                SECRET_IN_QUERY.sub(r"\1[hidden]", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        record.msg = SECRET_IN_QUERY.sub(r"\1[hidden]", str(record.msg))
        return True


def hide_secrets_in_access_log() -> None:
    """Once per process; uvicorn has set its loggers up by the time the app starts."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, HideSecrets) for f in logger.filters):
        logger.addFilter(HideSecrets())
