"""Drafts under review: checks on save, the approval gate (and its override), versions made by
edits, immutable decisions and the append-only audit log; `pmassist drafts …`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from assistant import cli
from assistant.config import Settings
from assistant.domain.errors import ApprovalRefused, InvalidInputError, UnknownDraftError
from assistant.domain.period import week_period
from assistant.llm import LanguageModel
from assistant.service import Assistant
from assistant.tokens import TokenCounter
from tests.conftest import BOTH_DATABASES, sample_copy

pytestmark = BOTH_DATABASES

W46 = week_period("2026-W46")
PM = "Priya Raman"


class FakeModel(LanguageModel):
    def __init__(self, *replies: str) -> None:
        fake = GenericFakeChatModel(messages=iter([AIMessage(content=reply) for reply in replies]))
        super().__init__(fake, "fake:model", TokenCounter())


def own_copy(harbor: Any, tmp_path: Path, model: LanguageModel | None = None) -> Assistant:
    return sample_copy(harbor, tmp_path, model)


@pytest.fixture
def sample(harbor: Any, tmp_path: Path) -> Assistant:
    return own_copy(harbor, tmp_path)


def bad_draft(harbor: Any, tmp_path: Path) -> tuple[Assistant, int]:
    """A report whose model summary has an uncited claim and an invented ticket key."""
    reply = json.dumps(
        {
            "summary": [
                {"text": "Overall status is Amber [S1].", "citations": ["S1"]},
                {"text": "The team expects a green status by Friday.", "citations": []},
                {"text": "HBR-999 fixed the load test [S1].", "citations": ["S1"]},
            ]
        }
    )
    assistant = own_copy(harbor, tmp_path, FakeModel(reply))
    draft_id, _ = assistant.reports.draft("harbor", W46)
    return assistant, draft_id


def test_an_offline_draft_passes_its_checks_and_is_approved(sample: Assistant) -> None:
    draft_id, _ = sample.reports.draft("harbor", W46)
    checks = sample.drafts.checks(draft_id)
    assert checks is not None and checks.passed, checks.reasons() if checks else None
    assert [c.name for c in checks.checks] == [
        "schema",
        "required sections",
        "sources match the record",
        "citations resolve",
        "citations support",
        "writer sentences",
        "no invented entities",
    ]
    assert sample.drafts.get(draft_id).status == "checked"

    approved = sample.drafts.approve(draft_id, PM)
    assert (approved.status, approved.decided_by, approved.version) == ("approved", PM, 1)
    assert approved.decided_at is not None and approved.override_reason is None
    audit = sample.drafts.audit(draft_id)
    assert [(a.actor, a.action) for a in audit] == [
        ("pmassist", "saved"),
        ("pmassist", "checked"),
        (PM, "approved"),
    ]
    assert audit[-1].body_hash == approved.body_hash and audit[-1].version == 1
    with pytest.raises(InvalidInputError, match="was approved by Priya Raman"):
        sample.drafts.approve(draft_id, "Greg Holm")
    with pytest.raises(InvalidInputError, match="cannot change"):
        sample.drafts.reject(draft_id, "Greg Holm", "too late")


def test_a_bad_draft_is_refused_with_its_reasons_and_an_override_is_recorded(
    harbor: Any, tmp_path: Path
) -> None:
    assistant, draft_id = bad_draft(harbor, tmp_path)
    checks = assistant.drafts.checks(draft_id)
    assert checks is not None and not checks.passed
    assert {c.name for c in checks.failures()} == {"writer sentences", "no invented entities"}

    with pytest.raises(ApprovalRefused) as refused:
        assistant.drafts.approve(draft_id, PM)
    reasons = " ".join(refused.value.reasons)
    assert "The team expects a green status by Friday.”: no citation" in reasons
    assert "ticket HBR-999 in “HBR-999 fixed the load test.”" in reasons
    assert refused.value.field == "override_reason"
    assert assistant.drafts.get(draft_id).status == "checked"
    with pytest.raises(InvalidInputError, match="needs a reason"):
        assistant.drafts.approve(draft_id, PM, override_reason="  ")

    approved = assistant.drafts.approve(draft_id, PM, override_reason="summary rewritten by hand")
    assert (approved.status, approved.override_reason) == ("approved", "summary rewritten by hand")
    last = assistant.drafts.audit(draft_id)[-1]
    assert (last.action, last.reason) == ("approved", "summary rewritten by hand")
    assert last.details == {"checks_passed": False, "override": "summary rewritten by hand"}


def test_an_edit_makes_a_new_version_that_is_checked_again(sample: Assistant) -> None:
    draft_id, report = sample.reports.draft("harbor", W46)
    edited = report.model_copy(deep=True)
    edited.executive_summary[0].text += " The PM confirms this."
    new_id, checks = sample.drafts.edit(draft_id, edited.model_dump_json(), PM, "tone")

    assert checks.passed
    new = sample.drafts.get(new_id)
    assert (new.version, new.parent_id, new.status) == (2, draft_id, "checked")
    assert sample.drafts.get(draft_id).status == "superseded"
    saved = sample.drafts.report(new_id)
    assert saved is not None and saved.executive_summary == edited.executive_summary
    assert saved.created_at > report.created_at  # the version's own time, not the file's
    with pytest.raises(InvalidInputError, match="newer version"):
        sample.drafts.approve(draft_id, PM)
    sample.drafts.approve(new_id, PM)

    # An approved draft never changes: editing it makes version 3, and it stays approved.
    third_id, _ = sample.drafts.edit(new_id, edited.model_dump_json(), PM, "again")
    assert sample.drafts.get(new_id).status == "approved"
    assert sample.drafts.get(third_id).version == 3
    assert [v.id for v in sample.drafts.versions(draft_id)] == [draft_id, new_id, third_id]
    actions = [(a.draft_id, a.action) for a in sample.drafts.audit(third_id)]
    assert (draft_id, "edited") in actions and (new_id, "approved") in actions


def test_an_edit_cannot_change_what_code_computed(sample: Assistant) -> None:
    """Sources, status, metrics, the delta and who wrote it stay as drafted: an edit that
    changes them is refused, naming them."""
    draft_id, report = sample.reports.draft("harbor", W46)
    edited = report.model_copy(deep=True)
    edited.sources[0].text = edited.sources[0].text.replace("2026", "2027")
    edited.overall_status = "green"
    edited.writer = "openai:gpt-4o"
    with pytest.raises(InvalidInputError, match="cannot change overall_status, sources, writer"):
        sample.drafts.edit(draft_id, edited.model_dump_json(), PM)
    assert len(sample.drafts.versions(draft_id)) == 1


def test_a_draft_is_edited_once_into_its_next_version(sample: Assistant) -> None:
    draft_id, report = sample.reports.draft("harbor", W46)
    new_id, _ = sample.drafts.edit(draft_id, report.model_dump_json(), PM)
    sample.drafts.approve(new_id, PM)
    sample.drafts.edit(new_id, report.model_dump_json(), PM)
    with pytest.raises(InvalidInputError, match="already edited into draft"):
        sample.drafts.edit(new_id, report.model_dump_json(), PM)
    with pytest.raises(InvalidInputError, match="decided or edited meanwhile"):
        sample.wiring.drafts.decide(draft_id, "approved", PM, None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda body: body | {"colour": "green"}, "colour: Extra inputs are not permitted"),
        (lambda body: body | {"overall_status": "purple"}, "overall_status"),
        (lambda body: {k: v for k, v in body.items() if k != "status_reasons"}, "status_reasons"),
        (
            lambda body: body | {"period": body["period"] | {"end": "2026-12-31"}},
            "cannot change period",
        ),
    ],
)
def test_bad_edits_are_refused_and_save_nothing(
    sample: Assistant, change: Any, message: str
) -> None:
    draft_id, report = sample.reports.draft("harbor", W46)
    before = len(sample.drafts.summaries("harbor"))
    body = json.loads(report.model_dump_json())
    with pytest.raises(InvalidInputError, match=message):
        sample.drafts.edit(draft_id, json.dumps(change(body)), PM)
    assert len(sample.drafts.summaries("harbor")) == before
    assert sample.drafts.get(draft_id).status == "checked"


def test_rejection_needs_a_reason_and_is_final(sample: Assistant) -> None:
    draft_id, _ = sample.reports.draft("harbor", W46)
    with pytest.raises(InvalidInputError, match="Give a reason"):
        sample.drafts.reject(draft_id, PM, " ")
    rejected = sample.drafts.reject(draft_id, PM, "wrong week")
    assert (rejected.status, rejected.decision_reason) == ("rejected", "wrong week")
    with pytest.raises(InvalidInputError, match="cannot change"):
        sample.drafts.approve(draft_id, PM, override_reason="x")
    with pytest.raises(UnknownDraftError, match="no draft 999"):
        sample.drafts.approve(999, PM)


def test_decided_drafts_and_the_audit_log_cannot_be_changed_in_the_database(
    sample: Assistant,
) -> None:
    draft_id, _ = sample.reports.draft("harbor", W46)
    sample.drafts.approve(draft_id, PM)
    engine = sample.wiring.documents.engine
    statements = [
        f"UPDATE drafts SET body_json = '{{}}' WHERE id = {draft_id}",
        f"DELETE FROM drafts WHERE id = {draft_id}",
        "UPDATE draft_audit SET actor = 'someone else'",
        "DELETE FROM draft_audit",
    ]
    for statement in statements:
        with pytest.raises(DBAPIError, match=r"append-only|cannot change"), engine.begin() as c:
            c.execute(text(statement))
    assert sample.drafts.report(draft_id) is not None
    assert len(sample.drafts.audit(draft_id)) == 3


def test_a_risk_suggestion_run_is_checked_too(sample: Assistant) -> None:
    draft_id, _ = sample.risks.suggest("harbor", W46)
    checks = sample.drafts.checks(draft_id)
    assert checks is not None and checks.passed, checks.reasons() if checks else None
    assert {c.name for c in checks.checks} >= {"evidence resolves", "no invented entities"}
    with pytest.raises(InvalidInputError, match="risk suggestion run"):
        sample.drafts.edit(draft_id, "{}", PM)
    assert sample.drafts.approve(draft_id, PM).status == "approved"


# The command line -----------------------------------------------------------------------------


runner = CliRunner()


def test_drafts_from_the_command_line(
    harbor: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant, draft_id = bad_draft(harbor, tmp_path)
    monkeypatch.setenv("PMASSIST_HOME", str(assistant.settings.home))
    monkeypatch.setenv("PMASSIST_DATABASE_URL", assistant.settings.sqlalchemy_url)
    monkeypatch.setenv("COLUMNS", "200")

    def invoke(*args: str) -> tuple[int, str]:
        cli._state.clear()
        cli._state["assistant"] = Assistant(
            Settings(), embedder=assistant.wiring.embedder(), language_model=None
        )
        result = runner.invoke(cli.app, list(args))
        return result.exit_code, result.output

    code, output = invoke("drafts", "list", "--project", "harbor")
    assert code == 0 and "FAILED" in output
    code, output = invoke("drafts", "show", str(draft_id))
    assert code == 0 and "## Checks" in output and "✗ no invented entities" in output
    assert "ticket HBR-999" in output

    code, output = invoke("drafts", "approve", str(draft_id), "--by", PM)
    assert code == 2
    assert "did not pass its checks" in output and "ticket HBR-999" in output

    code, output = invoke("drafts", "approve", str(draft_id), "--by", PM, "--override", "fixed")
    assert code == 0 and "checks overridden: fixed" in output

    code, output = invoke("drafts", "show", str(draft_id), "--format", "json")
    assert code == 0
    edited = tmp_path / "edited.json"
    body = json.loads(output)
    body["executive_summary"] = body["executive_summary"][:1]
    body["needs_checking"] = []
    edited.write_text(json.dumps(body), encoding="utf-8")
    code, output = invoke("drafts", "edit", str(draft_id), "--file", str(edited), "--by", PM)
    assert code == 0 and "a new version of draft" in output and "Checks passed" in output
