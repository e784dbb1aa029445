"""The API over HTTP (FastAPI's TestClient): tokens, roles and project scope on every route,
the draft and risk flows, questions as server-sent events, uploads, CSRF, headers; and
schemathesis over the read endpoints of the OpenAPI schema.

Each test gets the sample project with a database of its own; the vectors are shared and read.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from fastapi.testclient import TestClient
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from openpyxl import load_workbook

from assistant.config import Settings
from assistant.embeddings import Embedder
from assistant.llm import LanguageModel
from assistant.server import create_app
from assistant.service import Assistant
from assistant.store.access import AccessStore
from assistant.tokens import TokenCounter
from tests.conftest import BOTH_DATABASES, Database
from tests.conftest import sample_copy as shared_sample_copy

pytestmark = BOTH_DATABASES


def sample_copy(
    harbor: Any, tmp_path: Path, model: LanguageModel | None = None, **changes: Any
) -> Assistant:
    assistant = shared_sample_copy(harbor, tmp_path, model, **changes)
    # A second project, so that scope can be tested: it exists, but no token here may read it.
    assistant.wiring.documents.ensure_project("payroll", assistant.wiring.model_id)
    return assistant


class Api:
    """A client with tokens of each role for the sample project."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        # "testserver" is the host name schemathesis's ASGI client sends.
        self.app = create_app(assistant, local_mode=False, hosts=("testserver",))
        self.client = TestClient(self.app, base_url="http://localhost")
        store = AccessStore(assistant.wiring.documents.engine)
        self.tokens = {
            role: store.create_token(f"{role} of harbor", role, ["harbor"])[1]
            for role in ("viewer", "pm")
        }
        self.tokens["other"] = store.create_token("payroll pm", "pm", ["payroll"])[1]

    def call(self, method: str, path: str, role: str = "pm", **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {}) | {"Authorization": f"Bearer {self.tokens[role]}"}
        return self.client.request(method, path, headers=headers, **kwargs)


@pytest.fixture
def api(harbor: Any, tmp_path: Path) -> Api:
    return Api(sample_copy(harbor, tmp_path))


# Who may call what ----------------------------------------------------------------------------


def test_every_route_needs_a_valid_token(api: Api) -> None:
    assert api.client.get("/api/projects").status_code == 401
    bad = api.client.get("/api/projects", headers={"Authorization": "Bearer pma_nope"})
    assert bad.status_code == 401 and bad.json()["detail"] == "Unknown or revoked token."
    assert api.client.get("/v1/models").status_code == 401
    page = api.client.get("/", follow_redirects=False)  # pages send you to log in
    assert (page.status_code, page.headers["location"]) == (303, "/login")


def test_a_token_sees_only_its_projects(api: Api) -> None:
    names = [p["name"] for p in api.call("GET", "/api/projects", "viewer").json()]
    assert names == ["harbor"]
    models = api.call("GET", "/v1/models", "viewer").json()["data"]
    assert [m["id"] for m in models] == ["pmassist:harbor"]
    assert [p["name"] for p in api.call("GET", "/api/projects", "other").json()] == ["payroll"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/projects/harbor/documents"),
        ("GET", "/api/projects/harbor/search?q=load+test"),
        ("GET", "/api/projects/harbor/risks"),
        ("GET", "/api/projects/harbor/drafts"),
        ("POST", "/api/projects/harbor/reports"),
        ("POST", "/api/projects/harbor/risks/suggest"),
        ("GET", "/p/harbor/chat"),
    ],
)
def test_forged_project_ids_are_refused_as_unknown(api: Api, method: str, path: str) -> None:
    """A token for payroll asking for harbor gets the same 404 as for a project that does
    not exist, so project names cannot be probed."""
    response = api.call(method, path, "other", json={} if method == "POST" else None)
    assert response.status_code == 404, response.text
    missing = api.call(
        method, path.replace("harbor", "nosuch"), "other", json={} if method == "POST" else None
    )
    assert missing.status_code == 404
    assert response.text.replace("harbor", "X") == missing.text.replace("nosuch", "X")


def test_drafts_and_risks_of_another_project_are_not_found(api: Api) -> None:
    draft = api.call("POST", "/api/projects/harbor/reports", json={"week": "2026-W46"}).json()
    draft_id = draft["id"]
    for path in (
        f"/api/drafts/{draft_id}",
        f"/api/drafts/{draft_id}/checks",
        f"/api/drafts/{draft_id}/export?format=md",
    ):
        assert api.call("GET", path, "other").status_code == 404
    assert api.call("POST", f"/api/drafts/{draft_id}/approve", "other", json={}).status_code == 404
    for beyond in (2**31, 2**63 - 1):  # ids past PostgreSQL's INTEGER name no draft either
        assert api.call("GET", f"/api/drafts/{beyond}").status_code == 404
    api.call("POST", "/api/projects/harbor/risks/suggest", json={"week": "2026-W46"})
    assert api.call("GET", "/api/projects/harbor/risks/R-001", "other").status_code == 404
    chat = api.call(
        "POST",
        "/v1/chat/completions",
        "other",
        json={"model": "pmassist:harbor", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert chat.status_code == 404


def test_a_viewer_reads_but_cannot_change(api: Api) -> None:
    assert api.call("GET", "/api/projects/harbor/risks", "viewer").status_code == 200
    refused = api.call("POST", "/api/projects/harbor/reports", "viewer", json={})
    assert refused.status_code == 403 and "viewer token cannot change" in refused.json()["detail"]
    draft_id = api.call("POST", "/api/projects/harbor/reports", json={"week": "2026-W46"}).json()[
        "id"
    ]
    assert api.call("POST", f"/api/drafts/{draft_id}/approve", "viewer", json={}).status_code == 403
    assert api.assistant.drafts.get(draft_id).status == "checked"


# The draft flow -----------------------------------------------------------------------------


def test_draft_check_and_approve_through_the_api(api: Api) -> None:
    created = api.call("POST", "/api/projects/harbor/reports", json={"week": "2026-W46"})
    assert created.status_code == 201
    body = created.json()
    assert body["checks"]["passed"] and body["report"]["overall_status"] == "amber"
    draft_id = body["id"]
    assert api.call("GET", f"/api/drafts/{draft_id}/checks").json()["passed"]
    approved = api.call("POST", f"/api/drafts/{draft_id}/approve", json={}).json()
    assert (approved["status"], approved["decided_by"]) == ("approved", "pm of harbor")
    again = api.call("POST", f"/api/drafts/{draft_id}/approve", json={})
    assert again.status_code == 400 and "cannot change" in again.json()["detail"]
    audit = api.call("GET", f"/api/drafts/{draft_id}/audit").json()
    assert [a["action"] for a in audit] == ["saved", "checked", "approved"]
    markdown = api.call("GET", f"/api/drafts/{draft_id}/export?format=md")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "## Checks" in markdown.text
    html = api.call("GET", f"/api/drafts/{draft_id}/export?format=html")
    assert "script-src" not in html.headers["content-security-policy"]
    assert html.headers["content-security-policy"].startswith("default-src 'none'")


def test_a_bad_draft_is_refused_over_the_api_and_the_override_is_recorded(
    harbor: Any, tmp_path: Path
) -> None:
    reply = json.dumps(
        {
            "summary": [
                {"text": "Everything will be fine.", "citations": []},
                {"text": "HBR-999 fixed the load test [S1].", "citations": ["S1"]},
            ]
        }
    )
    fake = GenericFakeChatModel(messages=iter([AIMessage(content=reply)]))
    api = Api(sample_copy(harbor, tmp_path, LanguageModel(fake, "fake:model", TokenCounter())))
    draft_id = api.call("POST", "/api/projects/harbor/reports", json={"week": "2026-W46"}).json()[
        "id"
    ]
    refused = api.call("POST", f"/api/drafts/{draft_id}/approve", json={})
    assert refused.status_code == 409
    assert any("HBR-999" in reason for reason in refused.json()["reasons"])
    overridden = api.call(
        "POST",
        f"/api/drafts/{draft_id}/approve",
        json={"override_reason": "summary checked by hand"},
    )
    assert overridden.status_code == 200
    assert overridden.json()["override_reason"] == "summary checked by hand"


def test_an_edit_through_the_api_makes_a_new_version(api: Api) -> None:
    draft = api.call("POST", "/api/projects/harbor/reports", json={"week": "2026-W46"}).json()
    report = draft["report"]
    report["executive_summary"][0]["text"] += " Confirmed with the sponsor."
    edited = api.call("PUT", f"/api/drafts/{draft['id']}?reason=tone", json=report)
    assert edited.status_code == 201
    assert (edited.json()["version"], edited.json()["parent_id"]) == (2, draft["id"])
    bad = api.call("PUT", f"/api/drafts/{edited.json()['id']}", json=report | {"colour": "green"})
    assert bad.status_code == 400 and "colour" in bad.json()["detail"]


# Risks --------------------------------------------------------------------------------------


def test_risk_review_through_the_api(api: Api) -> None:
    suggested = api.call("POST", "/api/projects/harbor/risks/suggest", json={"week": "2026-W46"})
    assert suggested.status_code == 201 and suggested.json()["checks"]["passed"]
    risks = api.call("GET", "/api/projects/harbor/risks?status=proposed").json()
    first, second = risks[0]["id"], risks[1]["id"]
    assert (
        api.call("POST", f"/api/projects/harbor/risks/{first}/accept", json={}).json()["status"]
        == "open"
    )
    empty = api.call("POST", f"/api/projects/harbor/risks/{second}/reject", json={"reason": ""})
    assert empty.status_code == 422
    rejected = api.call(
        "POST", f"/api/projects/harbor/risks/{second}/reject", json={"reason": "known"}
    )
    assert rejected.json()["status"] == "rejected"
    bad = api.call(
        "PATCH", f"/api/projects/harbor/risks/{first}", json={"changes": {"likelihood": 9}}
    )
    assert bad.status_code == 400 and "likelihood" in bad.json()["detail"]
    entry = api.call("GET", f"/api/projects/harbor/risks/{first}").json()
    assert [h["action"] for h in entry["history"]] == ["proposed", "accepted"]
    assert entry["history"][-1]["actor"] == "pm of harbor"
    csv = api.call("GET", "/api/projects/harbor/risks/export?format=csv")
    assert csv.headers["content-type"].startswith("text/csv") and first in csv.text
    xlsx = api.call("GET", "/api/projects/harbor/risks/export?format=xlsx")
    assert load_workbook(io.BytesIO(xlsx.content)).active.cell(2, 1).value == "R-001"
    svg = api.call("GET", "/api/projects/harbor/risks/heatmap.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and first in svg.text


# Questions ----------------------------------------------------------------------------------


def events_of(text: str) -> list[tuple[str, Any]]:
    found = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        found.append((lines["event"], json.loads(lines["data"])))
    return found


def test_ask_streams_sources_then_the_cited_answer(api: Api) -> None:
    response = api.call(
        "POST",
        "/api/projects/harbor/ask",
        "viewer",
        json={"question": "Why did the load test slip?"},
    )
    assert response.headers["content-type"].startswith("text/event-stream")
    events = events_of(response.text)
    assert events[0][0] == "sources" and events[-1][0] == "answer"
    answer = events[-1][1]
    assert answer["sentences"] and all(s["citations"] for s in answer["sentences"])
    assert any(s["cited"] and s["locator"] for s in answer["sources"])
    chunk = quote(answer["sources"][0]["chunk_id"], safe="")
    source = api.call("GET", f"/api/projects/harbor/sources/{chunk}", "viewer")
    assert source.status_code == 200 and source.json()["locator"] == answer["sources"][0]["locator"]
    assert api.call("GET", "/api/projects/harbor/sources/nope", "viewer").status_code == 404


def test_questions_are_rate_limited(harbor: Any, tmp_path: Path) -> None:
    api = Api(sample_copy(harbor, tmp_path, ask_per_minute=2))
    asked = [
        api.call(
            "POST", "/api/projects/harbor/ask", "viewer", json={"question": "Who is Tom Okafor?"}
        )
        for _ in range(3)
    ]
    assert [r.status_code for r in asked] == [200, 200, 429]
    assert asked[2].headers["retry-after"] == "10"


# Uploads ------------------------------------------------------------------------------------


def test_uploads_are_checked_and_ingested_in_the_background(
    tmp_path: Path, embedder: Embedder, samples: Path, database: Database
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, home=tmp_path / "home", database_url=database.url(), upload_max_bytes=50_000
    )
    assistant = Assistant(settings, embedder=embedder, language_model=None)
    app = create_app(assistant, local_mode=False)
    client = TestClient(app, base_url="http://localhost")
    _, token = AccessStore(assistant.wiring.documents.engine).create_token("pm", "pm", ["intake"])
    auth = {"Authorization": f"Bearer {token}"}

    too_big = client.post(
        "/api/projects/intake/documents", headers=auth, files={"files": ("big.md", b"x" * 60_000)}
    )
    assert too_big.status_code == 400
    assert too_big.json()["detail"] == "big.md is larger than the limit of 50,000 bytes."
    wrong = client.post(
        "/api/projects/intake/documents", headers=auth, files={"files": ("photo.png", b"\x89PNG")}
    )
    assert wrong.status_code == 400 and "photo.png: pmassist reads" in wrong.json()["detail"]

    files = [
        (
            "files",
            (
                "2026-10-15-payments-weekly.md",
                (samples / "2026-10-15-payments-weekly.md").read_bytes(),
            ),
        ),
        ("files", ("../../jira-bad-rows.csv", (samples / "jira-bad-rows.csv").read_bytes())),
    ]
    started = client.post("/api/projects/intake/documents", headers=auth, files=files)
    assert started.status_code == 202
    job_id = started.json()["id"]
    assert started.json()["files"] == ["2026-10-15-payments-weekly.md", "jira-bad-rows.csv"]
    for _ in range(300):
        job = client.get(f"/api/jobs/{job_id}", headers=auth).json()
        if job["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job["state"] == "done", job
    assert job["summary"]["added"] >= 1 and job["files_read"] == job["files_total"] == 2
    assert any(
        f["file"].endswith("jira-bad-rows.csv") and f["row"] for f in job["summary"]["failures"]
    )
    assert not (tmp_path / "home" / "jira-bad-rows.csv").exists()  # no path escapes the folder
    assert [p["name"] for p in client.get("/api/projects", headers=auth).json()] == ["intake"]


# Browser sessions, CSRF and headers -----------------------------------------------------------


def login_form(api: Api) -> dict[str, str]:
    """The login page's own form token (its cookie is kept by the client)."""
    page = api.client.get("/login").text
    return {"login_csrf": page.split('name="login_csrf" value="')[1].split('"')[0]}


def test_browser_login_uses_an_httponly_cookie_and_csrf(api: Api) -> None:
    login = api.client.post(
        "/login", data=login_form(api) | {"token": api.tokens["pm"]}, follow_redirects=False
    )
    assert login.status_code == 303
    cookie = login.headers["set-cookie"]
    assert "pmassist_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = api.client.get("/p/harbor/reports")
    assert page.status_code == 200
    csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    assert csrf
    no_csrf = api.client.post("/api/projects/harbor/reports", json={"week": "2026-W46"})
    assert no_csrf.status_code == 403
    with_csrf = api.client.post(
        "/api/projects/harbor/reports", json={"week": "2026-W46"}, headers={"X-CSRF-Token": csrf}
    )
    assert with_csrf.status_code == 201
    forged = api.client.post("/p/harbor/reports", data={"week": "2026-W46", "csrf": "forged"})
    assert forged.status_code == 403
    bad_login = api.client.post("/login", data=login_form(api) | {"token": "pma_wrong"})
    assert "Unknown or revoked token." in bad_login.text


def test_pages_escape_what_they_show_and_send_a_strict_csp(api: Api) -> None:
    draft = api.call("POST", "/api/projects/harbor/reports", json={"week": "2026-W46"}).json()
    report = draft["report"]
    report["executive_summary"][0]["text"] = "<script>alert('x')</script> Status Amber."
    new_id = api.call("PUT", f"/api/drafts/{draft['id']}", json=report).json()["id"]
    page = api.call("GET", f"/drafts/{new_id}")
    assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe" not in csp
    assert page.headers["x-frame-options"] == "DENY"


def test_local_mode_needs_no_token(harbor: Any, tmp_path: Path) -> None:
    client = TestClient(
        create_app(sample_copy(harbor, tmp_path), local_mode=True), base_url="http://localhost"
    )
    projects = client.get("/api/projects").json()
    assert {p["name"] for p in projects} == {"harbor", "payroll"}
    assert client.get("/").status_code == 200


# The OpenAPI schema, fuzzed on the read endpoints ------------------------------------------------


@pytest.fixture
def fuzzed(harbor: Any, tmp_path: Path) -> Api:
    return Api(sample_copy(harbor, tmp_path))


def test_read_endpoints_never_fail_with_a_server_error(fuzzed: Api) -> None:
    """schemathesis generates requests for every GET operation of the OpenAPI schema (path,
    query and header values within and outside their types); none may end in a 5xx."""
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed.app).include(method="GET")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    headers = {"Authorization": f"Bearer {fuzzed.tokens['viewer']}"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def call(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        call()


def test_the_schema_lists_the_api(fuzzed: Api) -> None:
    paths = fuzzed.client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/projects",
        "/api/projects/{project}/ask",
        "/api/drafts/{draft_id}/approve",
        "/api/projects/{project}/risks/{risk_id}/accept",
        "/v1/chat/completions",
    ):
        assert path in paths
    docs = fuzzed.client.get("/api/docs")
    assert (
        docs.status_code == 200
        and "/v1/chat/completions" in docs.text
        and "cdn" not in docs.text.lower()
    )
