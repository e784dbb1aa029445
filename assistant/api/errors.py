"""How the API words an error: `{"detail": …, "field": …}` with the field named as the request
names it (`from` and `to` for a period's days), and a status that says what kind it is."""

from __future__ import annotations

from typing import Any

from assistant.domain.errors import (
    AccessDeniedError,
    ApprovalRefused,
    JobBusyError,
    NotFoundError,
    PmassistError,
)

# The service's names for inputs that the API's requests spell otherwise.
REQUEST_FIELDS = {"start": "from", "end": "to", "query": "q"}


def error_status(error: PmassistError) -> int:
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, AccessDeniedError):
        return 403
    if isinstance(error, ApprovalRefused | JobBusyError):
        return 409
    return 400


def error_body(error: PmassistError) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": error.message}
    if error.field:
        body["field"] = REQUEST_FIELDS.get(error.field, error.field)
    if isinstance(error, ApprovalRefused):
        body["reasons"] = error.reasons
    return body
