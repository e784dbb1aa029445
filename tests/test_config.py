"""Settings: defaults, environment and `.env`, and `.env.example` documenting every field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import AliasChoices

from assistant.config import Settings
from assistant.domain.record import StatusCategory
from tests.conftest import REPO


def env_names() -> set[str]:
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.add(str(alias.choices[0]))
        else:
            names.add(f"PMASSIST_{name.upper()}")
    return names


def test_env_example_lists_every_setting() -> None:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))
    assert documented == env_names()


def test_defaults_keep_data_under_the_working_directory() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.home == Path(".pmassist")
    assert settings.sqlalchemy_url == "sqlite:///.pmassist/pmassist.db"
    assert settings.chroma_path == Path(".pmassist/chroma")
    assert settings.embeddings == "local"
    assert not settings.uses_chroma_server


def test_environment_and_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(
        'PMASSIST_HOME=/srv/pmassist\nCHROMA_HOST=chroma.internal\nPMASSIST_STATUS_MAP={"Parked": "done"}\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("CHROMA_PORT", "9000")
    settings = Settings()
    assert settings.home == Path("/srv/pmassist")
    assert (settings.chroma_host, settings.chroma_port) == ("chroma.internal", 9000)
    assert settings.status_map == {"parked": StatusCategory.DONE}
    monkeypatch.setenv("PMASSIST_HOME", "/elsewhere")
    assert Settings().home == Path("/elsewhere")  # the environment wins over .env


def test_api_key_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert "sk-test-not-real" not in repr(settings)
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == "sk-test-not-real"
