"""The MCP tools over Streamable HTTP at /mcp/, behind the API's tokens and project scopes:
the SDK's own client against a real server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.types import TextContent

from assistant.service import Assistant
from tests.conftest import sample_copy
from tests.live_server import live_server


def calls(base: str, token: str, *steps: tuple[str, dict[str, Any]]) -> tuple[set[str], list[Any]]:
    """List the tools and call each step with `token`; the tool names and the results."""

    async def main() -> tuple[set[str], list[Any]]:
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=120) as client,
            streamable_http_client(f"{base}/mcp/", http_client=client) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            tools = {tool.name for tool in (await session.list_tools()).tools}
            return tools, [await session.call_tool(name, args) for name, args in steps]

    return anyio.run(main)


def test_the_tools_over_http_act_within_the_tokens_scope(harbor: Any, tmp_path: Path) -> None:
    pm: Assistant = sample_copy(harbor, tmp_path)
    _, viewer = pm.access.create_token("viewer", ["harbor"])
    _, elsewhere = pm.access.create_token("pm", ["beacon"])

    with live_server(pm, lifespan="on") as base:
        refused = httpx.post(f"{base}/mcp/", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert refused.status_code == 401

        tools, (found, draft) = calls(
            base,
            viewer,
            ("search", {"project": "harbor", "query": "load test", "k": 2}),
            ("draft_report", {"project": "harbor", "week": "2026-W46"}),
        )
        _, (hidden,) = calls(base, elsewhere, ("list_risks", {"project": "harbor"}))

    assert len(tools) == 6 and "get_source" in tools
    assert not found.is_error and found.structured_content["hits"][0]["locator"]
    assert draft.is_error and "cannot change" in _text(draft)
    assert hidden.is_error and "Unknown project 'harbor'" in _text(hidden)
    assert pm.drafts.summaries("harbor") == []  # the viewer drafted nothing


def _text(result: Any) -> str:
    return " ".join(c.text for c in result.content if isinstance(c, TextContent))
