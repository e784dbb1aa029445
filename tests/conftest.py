"""Shared test set-up: offline by default, real stores in a temporary folder, one real MiniLM.

Network: every test runs with sockets limited to 127.0.0.1 (pytest-recording's network block),
so nothing can reach a model hub or OpenAI unnoticed.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.config import Settings
from assistant.embeddings import LocalMiniLMEmbedder
from assistant.service import Assistant
from assistant.store.maintenance import copy_sqlite
from ingest.loaders import load_file
from ingest.loaders.base import LoaderOptions, LoadResult, SourceFile

REPO = Path(__file__).resolve().parent.parent
SAMPLES = Path(__file__).resolve().parent / "samples"
SAMPLE_RECORD = REPO / "evals" / "fixtures" / "harbor" / "record"

# tiktoken's vocabulary, when a copy sits beside the checkout (air-gapped CI).
_VOCAB = REPO.parent / "shared" / "tiktoken"
if _VOCAB.is_dir():
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(_VOCAB))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

# Read before the environment is cleared: `make cassettes` records with the real key.
RECORDING_KEY = (
    os.environ.get("OPENAI_API_KEY") if "--record-mode=rewrite" in " ".join(os.sys.argv) else None
)

# Settings a developer may have exported must not leak into tests.
_SETTINGS_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHROMA_HOST", "CHROMA_PORT", "CHROMA_SSL")


def pytest_configure(config: pytest.Config) -> None:
    # Equivalent to `--block-network --allowed-hosts=127.0.0.1,localhost` on every run.
    if hasattr(config.option, "block_network"):
        config.option.block_network = True
        config.option.allowed_hosts = "127.0.0.1,localhost,::1"


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    from tests import cassette_format

    # Registered as "yaml" so cassettes keep the .yaml suffix; it replaces vcrpy's own format.
    vcr.register_serializer("yaml", cassette_format)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    from tests.cassette_format import REQUEST_HEADERS_TO_DROP, scrub_response

    return {
        "serializer": "yaml",
        "filter_headers": REQUEST_HEADERS_TO_DROP,
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
        # Replay only: a request the cassette does not hold fails instead of going out.
        "record_mode": "none",
    }


@pytest.fixture(autouse=True)
def _cassettes_fully_played(request: pytest.FixtureRequest) -> Iterator[None]:
    """A cassette interaction the test never asked for means the code changed what it sends."""
    if request.node.get_closest_marker("vcr") is None:
        yield
        return
    cassette = request.getfixturevalue("vcr")
    yield
    if cassette is not None and request.config.getoption("--record-mode") in (None, "none"):
        unplayed = len(cassette.data) - sum(cassette.play_counts.values())
        assert cassette.all_played, f"{unplayed} recorded interaction(s) were never played"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("PMASSIST_") or name in _SETTINGS_ENV:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # a stray .env in the checkout must not apply


@pytest.fixture(scope="session")
def embedder() -> LocalMiniLMEmbedder:
    model = LocalMiniLMEmbedder()
    model.load()
    return model


class CountingEmbedder(LocalMiniLMEmbedder):
    """The real model, counting what it is asked to embed (to prove work is not redone)."""

    def __init__(self, real: LocalMiniLMEmbedder) -> None:
        super().__init__(batch_size=real.batch_size)
        self._model = real._load()
        self.texts_embedded = 0

    def embed_texts(self, texts: list[str]):  # type: ignore[no-untyped-def]
        self.texts_embedded += len(texts)
        return super().embed_texts(texts)


@pytest.fixture
def counting_embedder(embedder: LocalMiniLMEmbedder) -> CountingEmbedder:
    return CountingEmbedder(embedder)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, home=tmp_path / "pmassist-home")  # type: ignore[call-arg]


@pytest.fixture
def assistant(settings: Settings, counting_embedder: CountingEmbedder) -> Assistant:
    return Assistant(settings, embedder=counting_embedder)


@pytest.fixture
def record(tmp_path: Path) -> Path:
    """An empty project-record folder to copy samples into."""
    folder = tmp_path / "record"
    folder.mkdir()
    return folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def samples() -> Path:
    return SAMPLES


def load_path(path: Path, options: LoaderOptions | None = None) -> LoadResult:
    """Run the loaders on one file, shown by its name (as a file ingested on its own is)."""
    return load_file(SourceFile(path, path.name), options or LoaderOptions(project="payments"))


@pytest.fixture(scope="session")
def harbor(tmp_path_factory: pytest.TempPathFactory, embedder: LocalMiniLMEmbedder) -> Any:
    """The sample project, ingested once per test session (offline: no language model)."""
    home = tmp_path_factory.mktemp("harbor-home")
    settings = Settings(_env_file=None, home=home)  # type: ignore[call-arg]
    assistant = Assistant(settings, embedder=embedder, language_model=None)
    summary = assistant.records.ingest([SAMPLE_RECORD], "harbor")
    return assistant, summary


def copy_database(source: Assistant, target: Path) -> str:
    """A copy of a project's SQLite database as a URL for `PMASSIST_DATABASE_URL`. Tests that
    change the register work on a copy of the sample project's database; its vectors are shared
    and only read."""
    return copy_sqlite(source.settings.sqlalchemy_url, target)


def sample_copy(harbor: Any, tmp_path: Path, model: Any = None, **changes: Any) -> Assistant:
    """The sample project with a database of its own (its register, drafts, tokens); the
    vectors and keyword index of the session's ingest are shared and only read."""
    offline, _ = harbor
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        home=offline.settings.home,
        database_url=copy_database(offline, tmp_path / "sample-copy.db"),
        **changes,
    )
    return Assistant(settings, embedder=offline.wiring.embedder(), language_model=model)


@pytest.fixture
def cli_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, embedder: LocalMiniLMEmbedder
) -> None:
    """`pmassist` commands run in-process with a home of their own and the session's model."""
    from assistant import cli

    monkeypatch.setenv("PMASSIST_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    # Reuse the session's loaded model instead of loading it again per command.
    original = Assistant.__init__

    def with_shared_model(self: Assistant, settings, embedder_arg=None):  # type: ignore[no-untyped-def]
        original(self, settings, embedder_arg or embedder)

    monkeypatch.setattr(Assistant, "__init__", with_shared_model)
    cli._state.clear()


def invoke_cli(*args: str) -> tuple[int, str]:
    """Run one `pmassist` command in-process: its exit code and output."""
    from typer.testing import CliRunner

    from assistant import cli

    cli._state.clear()
    result = CliRunner().invoke(cli.app, list(args))
    return result.exit_code, result.output
