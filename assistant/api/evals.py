"""The results of the last eval run with this data directory."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from assistant.http.caller import CurrentPrincipal, Service

router = APIRouter(prefix="/api", tags=["evals"])


@router.get("/evals/latest")
def latest_eval(principal: CurrentPrincipal, assistant: Service) -> dict[str, Any]:
    """The results of the last `pmassist eval` run with this data directory."""
    results = assistant.evals.latest_results()
    if results is None:
        return {"available": False, "detail": "No eval run yet."}
    return results | {"available": True}
