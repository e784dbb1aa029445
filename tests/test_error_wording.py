"""One error, three wordings: the service names the field an error is about, and the command
line, the API and the web pages each name it their own way (`--from`, the JSON field `from`,
the form's label). No flag reaches the API or a page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant import cli
from assistant.domain.errors import InvalidInputError
from assistant.domain.period import PeriodChoice
from assistant.server import create_app
from assistant.service import Assistant
from tests.conftest import sample_copy

FLAG = re.compile(r"(?<![\w-])--[a-z]")


@pytest.fixture
def sample(harbor: Any, tmp_path: Path) -> Assistant:
    return sample_copy(harbor, tmp_path)


def test_the_service_names_the_field_not_a_flag(sample: Assistant) -> None:
    with pytest.raises(InvalidInputError) as error:
        sample.reports.draft("harbor", PeriodChoice(start="2026-11-09"))
    assert error.value.field == "end"
    assert not FLAG.search(error.value.message)


def cli_output(sample: Assistant, *args: str) -> tuple[int, str]:
    cli._state.clear()
    cli._state["assistant"] = sample
    try:
        result = CliRunner().invoke(cli.app, list(args))
    finally:
        cli._state.clear()
    return result.exit_code, " ".join(result.output.split())


def test_the_command_line_names_its_flags_and_the_command_that_helps(sample: Assistant) -> None:
    code, output = cli_output(sample, "report", "-p", "harbor", "--from", "2026-11-09")
    assert code == 2 and "--to: A first day needs a last day too." in output
    code, output = cli_output(sample, "report", "-p", "harbor", "--week", "46")
    assert code == 2 and "--week: Invalid week '46'" in output
    code, output = cli_output(sample, "drafts", "show", "9999")
    assert code == 2 and "There is no draft 9999. `pmassist drafts list` shows them." in output
    code, output = cli_output(sample, "risks", "show", "R-404", "-p", "harbor")
    assert "`pmassist risks list --project harbor` lists them." in output


def test_the_api_names_its_json_fields(sample: Assistant) -> None:
    client = TestClient(create_app(sample, local_mode=True), base_url="http://localhost")
    response = client.post("/api/projects/harbor/reports", json={"from": "2026-11-09"})
    assert response.status_code == 400
    assert response.json() == {"detail": "A first day needs a last day too.", "field": "to"}
    bad_week = client.post("/api/projects/harbor/reports", json={"week": "46"}).json()
    assert bad_week["field"] == "week" and not FLAG.search(bad_week["detail"])
    missing = client.get("/api/drafts/9999")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "There is no draft 9999.", "field": "draft_id"}
    draft = client.post("/api/projects/harbor/reports", json={"week": "2026-W46"}).json()
    refused = client.post(f"/api/drafts/{draft['id']}/reject", json={"reason": " "})
    assert refused.status_code == 400 and refused.json()["field"] == "reason"
    assert not FLAG.search(refused.json()["detail"])


def test_the_pages_name_their_form_labels(sample: Assistant) -> None:
    client = TestClient(create_app(sample, local_mode=True), base_url="http://localhost")
    draft_id, _ = sample.reports.draft("harbor", PeriodChoice(week="2026-W46"))
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").text)
    assert csrf is not None
    form = {"csrf": csrf.group(1)}
    response = client.post(
        f"/drafts/{draft_id}/reject", data=form | {"reason": " "}, follow_redirects=False
    )
    assert response.status_code == 303
    message = unquote(response.headers["location"].split("message=", 1)[1])
    assert message == f"Reason: Give a reason to reject draft {draft_id}."
    page = client.post("/p/harbor/reports", data=form | {"week": "46"}, follow_redirects=False)
    shown = unquote(page.headers["location"].split("message=", 1)[1])
    assert shown.startswith("Week: Invalid week '46'") and not FLAG.search(shown)
