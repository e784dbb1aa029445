"""`pmassist llm serve`: a local model on its own, shared by other commands and `pmassist serve`
through OPENAI_BASE_URL."""

from __future__ import annotations

import threading

import typer

from assistant.cli.common import _call, _service, console, errors

llm_app = typer.Typer(name="llm", help="The local language model.", no_args_is_help=True)


@llm_app.command("serve")
def serve_local_model() -> None:
    """Run llama.cpp with PMASSIST_LOCAL_MODEL (or the bundled model) on 127.0.0.1 until Ctrl-C."""
    model = _call(lambda: _service().start_local_model())
    console.print(f"Serving {model.name} ({model.context_tokens} tokens of context) at:")
    console.print(f"  OPENAI_BASE_URL={model.base_url}", markup=False, highlight=False)
    console.print(f"  PMASSIST_CHAT_MODEL={model.name}", markup=False, highlight=False)
    errors.print("Set those two in another shell (or .env) to use it; Ctrl-C stops it.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        errors.print("Stopped.")
