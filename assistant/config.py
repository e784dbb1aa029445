"""Settings from the environment and `.env`; `.env.example` documents every field."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.models import StatusCategory

EmbeddingsProvider = Literal["local", "openai"]


class Settings(BaseSettings):
    """Everything pmassist can be configured with. Field names map to `PMASSIST_<NAME>`."""

    model_config = SettingsConfigDict(
        env_prefix="PMASSIST_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # Storage
    home: Path = Field(
        default=Path(".pmassist"),
        description="Data directory holding the Chroma store and the SQLite database.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the relational store; default SQLite inside `home`.",
    )
    chroma_host: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CHROMA_HOST", "chroma_host"),
        description="Use a Chroma server (`chroma run`) at this host, not the embedded store.",
    )
    chroma_port: int = Field(
        default=8000, validation_alias=AliasChoices("CHROMA_PORT", "chroma_port")
    )
    chroma_ssl: bool = Field(
        default=False, validation_alias=AliasChoices("CHROMA_SSL", "chroma_ssl")
    )

    # Embeddings and tokens
    embeddings: EmbeddingsProvider = "local"
    openai_embedding_model: str = "text-embedding-3-small"
    embedding_batch_size: int = Field(default=32, ge=1, le=2048)
    chunk_tokens: int = Field(
        default=220,
        ge=64,
        le=8000,
        description="Upper bound of a chunk in tokens; MiniLM reads 256 word pieces, stay below.",
    )
    tokenizer: str = "o200k_base"
    tiktoken_cache_dir: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("TIKTOKEN_CACHE_DIR", "tiktoken_cache_dir"),
    )

    # Ticket trackers
    status_map: dict[str, StatusCategory] = Field(
        default_factory=dict,
        description='Extra status -> category pairs (JSON): {"Awaiting vendor": "in_progress"}.',
    )
    jira_browse_url: str | None = Field(
        default=None, description="Base URL of the Jira site, used to link tickets (…/browse/KEY)."
    )

    # OpenAI or any OpenAI-compatible endpoint
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "openai_base_url")
    )
    request_timeout: float = Field(
        default=30.0, gt=0, description="Seconds before a model or embedding request gives up."
    )
    max_retries: int = Field(default=2, ge=0, le=10)

    @field_validator("status_map", mode="before")
    @classmethod
    def _lowercase_statuses(cls, value: object) -> object:
        # Trackers disagree on capitalisation ("In review", "In Review"): match ignoring case.
        if isinstance(value, dict):
            return {str(k).strip().lower(): v for k, v in value.items()}
        return value

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'pmassist.db').as_posix()}"

    @property
    def uses_chroma_server(self) -> bool:
        return bool(self.chroma_host)
