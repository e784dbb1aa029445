"""`pmassist`: the command line. Each command parses its arguments, calls the service, prints.

records    ingest, projects, docs, search, reindex, forget
questions  ask, chat
reports    report
drafts     drafts list | show | approve | reject | edit
risks      risks suggest | review | list | show | accept | reject | edit | export | heatmap
evals      eval, eval capture
server     serve, token create | list | revoke
llm        llm serve (a local model)
sources    source add jira | add github | add github-project | list | remove, sync
database   db upgrade | check
mcp        mcp (the MCP server over stdio)
"""

from __future__ import annotations

from assistant.cli import mcp, questions, records, reports  # noqa: F401  (they add their commands)
from assistant.cli.app import app
from assistant.cli.common import _state
from assistant.cli.database import db_app
from assistant.cli.drafts import drafts_app
from assistant.cli.evals import eval_app
from assistant.cli.local_model import llm_app
from assistant.cli.risks import risks_app
from assistant.cli.server import serve, token_app
from assistant.cli.sources import source_app, sync

app.add_typer(risks_app, name="risks")
app.add_typer(token_app, name="token")
app.command()(serve)
app.add_typer(drafts_app, name="drafts")
app.add_typer(eval_app, name="eval")
app.add_typer(llm_app, name="llm")
app.add_typer(source_app, name="source")
app.command()(sync)
app.add_typer(db_app, name="db")

# `_state` is re-exported: tests reset the service between invocations.
__all__ = ["_state", "app"]
