"""Shared test set-up: offline by default, real stores in a temporary folder, one real MiniLM.

Network: every test runs with sockets limited to 127.0.0.1 (pytest-recording's network block),
so nothing can reach a model hub or OpenAI unnoticed.
"""

from __future__ import annotations

import itertools
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from numpy.typing import NDArray
from sqlalchemy import Integer, create_engine, make_url, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from assistant.config import Settings
from assistant.embeddings import Embedder
from assistant.embeddings.bf16 import cpu_multiplies_bf16
from assistant.embeddings.chunks import fastest_local_embedder
from assistant.service import Assistant
from assistant.service import wiring as service_wiring
from assistant.store.db import metadata, open_engine, schema_migrations
from assistant.store.maintenance import copy_sqlite
from ingest.loaders import load_file
from ingest.loaders.base import LoaderOptions, LoadResult, SourceFile
from tests.postgres import postgres_server

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
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, model_cache: Path
) -> None:
    for name in list(os.environ):
        if name.startswith("PMASSIST_") or name in _SETTINGS_ENV:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # a stray .env in the checkout must not apply
    monkeypatch.setenv("PMASSIST_MODEL_CACHE", str(model_cache))


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The int8 embedding model is built, and the copies checked, once per test session (as
    once per installation); every Settings a test creates, in this process or a child, finds
    them there."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def embedder(model_cache: Path) -> Embedder:
    """The bundled model as the product runs it by default on this CPU: the bfloat16 copy for
    chunks where the CPU has AMX, the int8 ONNX copy elsewhere (it must pass, not fall back)."""
    default_copy = "bf16" if cpu_multiplies_bf16() else "onnx"
    model = fastest_local_embedder(model_cache, batch_size=32, backend=default_copy)
    model.load()
    return model


class CountingEmbedder(Embedder):
    """The real model, counting what it is asked to embed (to prove work is not redone)."""

    def __init__(self, real: Embedder) -> None:
        self.real = real
        self.model_id = real.model_id
        self.texts_embedded = 0

    def embed_texts(self, texts: list[str]) -> NDArray[np.float32]:
        self.texts_embedded += len(texts)
        return self.real.embed_texts(texts)

    def embed_chunks(self, texts: list[str]) -> NDArray[np.float32]:
        self.texts_embedded += len(texts)
        return self.real.embed_chunks(texts)


@pytest.fixture
def counting_embedder(embedder: Embedder) -> CountingEmbedder:
    return CountingEmbedder(embedder)


# The databases ---------------------------------------------------------------------------------
#
# Every test runs on SQLite (a file under its home) unless its module says, in one line,
#     pytestmark = BOTH_DATABASES
# and then runs twice, `[sqlite]` and `[postgresql]`: on PostgreSQL in fresh databases of one
# server for the session, started only when the first such test runs.

BOTH_DATABASES = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)


class Database:
    """The database of one test: `url()` for a fresh empty one and `copy_of()` for a copy of
    another's, as `Settings.database_url` (None on SQLite: the file under the home)."""

    current: ClassVar[Database | None] = None  # the running test's, for `sample_copy`

    def __init__(self, backend: str, request: pytest.FixtureRequest) -> None:
        self.backend = backend
        self._request = request
        self._admin: Engine | None = None  # the server's, once this test asks for a database
        self.created: list[str] = []
        self.engines: list[Engine] = []

    def url(self) -> str | None:
        return None if self.backend == "sqlite" else self._create()

    def copy_of(self, source: Assistant, target: Path) -> str:
        if self.backend == "sqlite":
            return copy_sqlite(source.settings.sqlalchemy_url, target)
        templates: dict[str, str] = self._request.getfixturevalue("postgres_templates")
        url = source.settings.sqlalchemy_url
        if url not in templates:
            templates[url] = self._create(kept=True)  # for the session
            _copy_rows(url, templates[url])
        return self._create(template=templates[url])

    def _create(self, template: str | None = None, kept: bool = False) -> str:
        if self._admin is None:
            self._admin = self._request.getfixturevalue("postgres_admin")
            self._track_engines()
        name = f"t_{next(_numbers)}"
        copied = f" TEMPLATE {make_url(template).database}" if template else ""
        with self._admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}{copied}"))
        if not kept:
            self.created.append(name)
        return self._admin.url.set(database=name).render_as_string(hide_password=False)

    def _track_engines(self) -> None:
        """Every engine an Assistant opens in this test, to close before its database goes."""
        monkeypatch: pytest.MonkeyPatch = self._request.getfixturevalue("monkeypatch")

        def recorded(url: str) -> Engine:
            engine = open_engine(url)
            self.engines.append(engine)
            return engine

        monkeypatch.setattr(service_wiring, "open_engine", recorded)

    def drop(self) -> None:
        for engine in self.engines:
            engine.dispose()
        if self._admin is not None:
            with self._admin.connect() as connection:
                for name in self.created:
                    connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))


_numbers = itertools.count(1)


def _copy_rows(source_url: str, target_url: str) -> None:
    """Every row of a SQLite database into a migrated PostgreSQL one, and its id sequences on."""
    source, target = create_engine(source_url, poolclass=NullPool), open_engine(target_url)
    try:
        with source.connect() as read, target.begin() as write:
            for table in metadata.sorted_tables:
                rows = [dict(row._mapping) for row in read.execute(select(table))]
                if rows and table is not schema_migrations:
                    write.execute(table.insert(), rows)
            for table in metadata.sorted_tables:
                for column in table.primary_key.columns:
                    if column.autoincrement is True and isinstance(column.type, Integer):
                        write.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                                f"'{column.name}'), coalesce(max({column.name}), 0) + 1, false) "
                                f"FROM {table.name}"
                            )
                        )
    finally:
        source.dispose()
        target.dispose()  # a template database takes no connections


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """The session's PostgreSQL server: a connection to its `postgres` database, to create and
    drop the tests' databases."""
    with postgres_server() as url:
        admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            yield admin
        finally:
            admin.dispose()


@pytest.fixture(scope="session")
def postgres_templates() -> dict[str, str]:
    """SQLite database URL -> a PostgreSQL database with the same rows, to copy from."""
    return {}


@pytest.fixture(autouse=True)
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    chosen = Database(getattr(request, "param", "sqlite"), request)
    Database.current = chosen
    try:
        yield chosen
    finally:
        Database.current = None
        chosen.drop()


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, home=tmp_path / "pmassist-home", database_url=database.url()
    )


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
def harbor(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Any:
    """The sample project, ingested once per test session (offline: no language model)."""
    home = tmp_path_factory.mktemp("harbor-home")
    settings = Settings(_env_file=None, home=home)  # type: ignore[call-arg]
    assistant = Assistant(settings, embedder=embedder, language_model=None)
    summary = assistant.records.ingest([SAMPLE_RECORD], "harbor")
    return assistant, summary


def copy_database(source: Assistant, target: Path) -> str:
    """A copy of a project's SQLite database as a URL for `PMASSIST_DATABASE_URL`, on the running
    test's database. Tests that change the register work on a copy of the sample project's
    database; its vectors are shared and only read."""
    if Database.current is None:
        return copy_sqlite(source.settings.sqlalchemy_url, target)
    return Database.current.copy_of(source, target)


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
def cli_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, embedder: Embedder) -> None:
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
