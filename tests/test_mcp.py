"""The MCP server: a real SDK client talks to `pmassist mcp` over stdio against the sample
project, and in-process clients check the project scope of tokens."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.types import CallToolResult, TextContent

from assistant.domain.access import Principal
from assistant.mcp_tools import build_mcp_server
from tests.conftest import copy_database, sample_copy

PMASSIST = str(Path(sys.executable).with_name("pmassist"))
TOOLS = {"search", "ask", "get_source", "draft_report", "list_risks", "suggest_risks"}
WRITING = {"draft_report", "suggest_risks"}


def _over_stdio(
    harbor: Any, tmp_path: Path, script: Callable[[ClientSession], Awaitable[None]]
) -> None:
    """Run `script` with a client session on a `pmassist mcp` subprocess over a copy of the
    sample project's database (the vectors are shared and only read)."""
    offline, _ = harbor
    env = dict(os.environ) | {
        "PMASSIST_HOME": str(offline.settings.home),
        "PMASSIST_DATABASE_URL": copy_database(offline, tmp_path / "mcp.db"),
        "PMASSIST_LLM": "none",
    }
    server = StdioServerParameters(command=PMASSIST, args=["mcp"], env=env, cwd=tmp_path)

    async def main() -> None:
        with (tmp_path / "server-stderr.log").open("w") as errlog:
            async with (
                stdio_client(server, errlog=errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                await script(session)

    anyio.run(main)


def _data(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, _text(result)
    assert isinstance(result.structured_content, dict)
    return result.structured_content


def _text(result: CallToolResult) -> str:
    return " ".join(c.text for c in result.content if isinstance(c, TextContent))


def test_the_tools_over_stdio_read_cite_and_draft(harbor: Any, tmp_path: Path) -> None:
    async def script(session: ClientSession) -> None:
        listed = (await session.list_tools()).tools
        assert {tool.name for tool in listed} == TOOLS
        for tool in listed:
            assert tool.annotations is not None
            assert tool.annotations.read_only_hint is (tool.name not in WRITING)
            assert tool.annotations.destructive_hint is False
        before = [(t.name, t.description, json.dumps(t.input_schema)) for t in listed]

        found = _data(
            await session.call_tool("search", {"project": "harbor", "query": "vendor", "k": 3})
        )
        assert found["hits"], found
        assert all(hit["locator"] and hit["document_id"] for hit in found["hits"])
        assert {hit["rank"] for hit in found["hits"]} <= {1, 2, 3}

        answer = _data(
            await session.call_tool(
                "ask", {"project": "harbor", "question": "Who owns the vendor contract?"}
            )
        )
        assert answer["text"] and answer["citations"], answer
        cited = answer["citations"][0]
        assert cited["citation"] and cited["locator"]
        assert cited["citation"] in {c for s in answer["sentences"] for c in s["citations"]}

        document = _data(
            await session.call_tool(
                "get_source", {"project": "harbor", "document_id": cited["document_id"]}
            )
        )
        assert document["document_id"] == cited["document_id"]
        assert cited["text"] in document["text"]
        assert all(p["locator"] for p in document["passages"])

        draft = _data(
            await session.call_tool("draft_report", {"project": "harbor", "week": "2026-W46"})
        )
        assert isinstance(draft["draft_id"], int)
        assert draft["status"] == "checked"  # saved and checked, waiting for a PM
        assert draft["period"] and draft["summary"]
        summary_citations = {c for line in draft["summary"] for c in line["citations"]}
        assert summary_citations
        assert {c["citation"] for c in draft["citations"]} == summary_citations

        risks = _data(await session.call_tool("list_risks", {"project": "harbor"}))
        assert isinstance(risks["risks"], list)
        wrong = await session.call_tool("list_risks", {"project": "harbor", "status": "bogus"})
        assert wrong.is_error and "bogus" in _text(wrong)

        unknown = await session.call_tool("search", {"project": "atlantis", "query": "vendor"})
        assert unknown.is_error
        assert "Unknown project 'atlantis'" in _text(unknown)

        # Record text came back in several results; what the client is told the tools do
        # did not change with it.
        after = (await session.list_tools()).tools
        assert [(t.name, t.description, json.dumps(t.input_schema)) for t in after] == before

    _over_stdio(harbor, tmp_path, script)


def test_a_token_reaches_only_its_projects_and_a_viewer_cannot_draft(
    harbor: Any, tmp_path: Path
) -> None:
    assistant = sample_copy(harbor, tmp_path)
    viewer = Principal(1, "reader", "viewer", frozenset({"harbor"}))
    elsewhere = Principal(2, "other", "pm", frozenset({"other-project"}))

    async def main() -> None:
        async with Client(build_mcp_server(assistant, viewer)) as client:
            risks = await client.call_tool("list_risks", {"project": "harbor"})
            assert not risks.is_error
            denied = await client.call_tool("draft_report", {"project": "harbor"})
            assert denied.is_error
            assert "viewer token cannot change project 'harbor'" in _text(denied)
            denied = await client.call_tool("suggest_risks", {"project": "harbor"})
            assert denied.is_error
        async with Client(build_mcp_server(assistant, elsewhere)) as client:
            hidden = await client.call_tool("get_source", {"project": "harbor", "document_id": "x"})
            assert hidden.is_error
            assert "Unknown project 'harbor'" in _text(hidden)

    anyio.run(main)
    assert assistant.drafts.summaries("harbor", None) == []
