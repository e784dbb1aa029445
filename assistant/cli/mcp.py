"""`pmassist mcp`: the MCP server over stdio, for an AI client on this machine that starts it
as a subprocess (the client owns stdin and stdout; nothing else may write to stdout)."""

from __future__ import annotations

from assistant.cli.app import app
from assistant.cli.common import _service
from assistant.domain.access import LOCAL_USER
from assistant.mcp_tools import build_mcp_server


@app.command()
def mcp() -> None:
    """Serve pmassist's tools to an MCP client over stdio, as the local user."""
    # The SDK points file descriptor 1 at stderr while it serves, so a stray print from a
    # library cannot corrupt the protocol; start-up here prints nothing.
    build_mcp_server(_service(), LOCAL_USER).run("stdio")
