"""Settings from the environment and `.env`; `.env.example` documents every field."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.domain.record import StatusCategory

EmbeddingsProvider = Literal["local", "openai"]
EmbeddingBackend = Literal["auto", "bf16", "onnx", "torch"]
ChatProvider = Literal["auto", "openai", "azure", "local", "none"]


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
    lock_wait_seconds: float = Field(
        default=600,
        ge=0,
        description="How long a change to a project (ingest, upload, reindex, forget, risk "
        "suggestions) waits for another one to finish before giving up.",
    )

    # Embeddings and tokens
    embeddings: EmbeddingsProvider = "local"
    openai_embedding_model: str = "text-embedding-3-small"
    embedding_batch_size: int = Field(default=32, ge=1, le=2048)
    embedding_backend: EmbeddingBackend = Field(
        default="auto",
        description="How the bundled model embeds chunks: auto (the fastest copy that passes "
        "its fidelity check: bfloat16 on CPUs with AMX, else int8 ONNX, else PyTorch float32), "
        "bf16 or onnx (that copy or an error), torch (float32).",
    )
    model_cache: Path | None = Field(
        default=None,
        description="Where the int8 embedding model is built once and the copies' fidelity "
        "reports are kept (default: PMASSIST_HOME/models).",
    )
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
    # Live sources (`pmassist source add`, `pmassist sync`): credentials only from here, never
    # stored in the database.
    jira_email: str | None = None
    jira_api_token: SecretStr | None = None
    github_token: SecretStr | None = None
    github_api: str = Field(
        default="https://api.github.com", description="GitHub Enterprise: https://host/api/v3"
    )
    github_webhook_secret: SecretStr | None = Field(
        default=None, description="Secret of the GitHub webhook that calls /api/hooks/github."
    )
    jira_webhook_secret: SecretStr | None = Field(
        default=None, description="Shared secret of the Jira webhook that calls /api/hooks/jira."
    )
    reconcile_every_hours: float = Field(
        default=24,
        ge=0,
        description="How often a sync also lists every key the Jira query finds, to remove "
        "deleted or moved issues; 0: on every sync.",
    )

    # Schedules in `pmassist serve`
    sync_every_minutes: float = Field(
        default=15, ge=0, description="Sync every configured source this often; 0: never."
    )
    weekly_draft: str | None = Field(
        default=None,
        description="When to draft the week and suggest risks, cron-like: 'MIN HOUR * * DAY', "
        "e.g. '0 7 * * MON'. Unset: never.",
    )
    schedule_timezone: str = Field(
        default="UTC", description="Time zone of PMASSIST_WEEKLY_DRAFT, e.g. Europe/Berlin."
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Address of the web pages, for the links in notifications.",
    )

    # Notifications when a draft is ready or a scheduled run failed
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = Field(default=True, description="Upgrade with STARTTLS (port 587).")
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str | None = Field(default=None, description="Sender of notification e-mail.")
    mail_to: str | None = Field(default=None, description="Recipients, comma-separated.")
    slack_webhook_url: SecretStr | None = Field(
        default=None, description="A Slack incoming webhook for notifications."
    )
    teams_webhook_url: SecretStr | None = Field(
        default=None, description="A Microsoft Teams incoming webhook (Workflows) URL."
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

    # Language model
    llm: ChatProvider = Field(
        default="auto",
        description="auto: OpenAI or a compatible server when a key or base URL is set, Azure "
        "when an Azure endpoint is set, otherwise none (extractive answers).",
    )
    chat_model: str = "gpt-4o-mini"
    temperature: float = Field(default=0.0, ge=0, le=2)
    azure_openai_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("AZURE_OPENAI_ENDPOINT", "azure_openai_endpoint"),
    )
    azure_openai_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("AZURE_OPENAI_API_KEY", "azure_openai_api_key"),
    )
    azure_openai_api_version: str = Field(
        default="2024-10-21",
        validation_alias=AliasChoices("OPENAI_API_VERSION", "azure_openai_api_version"),
    )
    azure_deployment: str | None = None
    structured_output_retries: int = Field(
        default=2, ge=0, le=5, description="Re-asks after a reply that fails validation."
    )

    # A local model (PMASSIST_LLM=local): llama.cpp embedded, on 127.0.0.1
    local_model: Path | None = Field(
        default=None,
        description="A GGUF model file; default: the small bundled model (pmassist[local]).",
    )
    local_threads: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1), ge=1, le=256)
    local_context_tokens: int = Field(default=8192, ge=512, le=131072)
    local_port: int = Field(default=0, ge=0, le=65535, description="0: any free port.")
    local_chat_template: str | None = Field(
        default=None,
        description="A Jinja chat template file, or a template pmassist ships ('gemma'), for a "
        "model file that carries none; default: the file's own.",
    )

    # People
    user: str | None = Field(
        default=None,
        description="Name recorded in the risk history for changes made from this machine; "
        "default: the login name.",
    )

    # The web app and API (`pmassist serve`)
    upload_max_bytes: int = Field(
        default=20_000_000, ge=1_000, description="Largest file the web app accepts, in bytes."
    )
    ask_per_minute: int = Field(
        default=30, ge=1, description="Questions one token may ask per minute (web and API)."
    )
    upload_max_files: int = Field(
        default=20, ge=1, le=1000, description="Most files one upload may carry."
    )
    request_max_bytes: int = Field(
        default=4_000_000,
        ge=10_000,
        description="Largest request body other than an upload, in bytes (checked before reading).",
    )
    allowed_hosts: str = Field(
        default="",
        description="Comma-separated host names (or addresses) the server answers to, besides "
        "127.0.0.1, localhost and ::1: the names people type to reach it. Requests for any "
        "other Host are refused (DNS rebinding).",
    )
    cookie_secure: bool = Field(
        default=False,
        description="Send the session cookie over HTTPS only; set it when serving behind TLS.",
    )

    # Budgets and retrieval
    context_tokens: int = Field(
        default=6000, ge=500, description="Token budget of a prompt; sources are dropped to fit."
    )
    answer_tokens: int = Field(default=700, ge=16, description="Longest answer, in tokens.")
    draft_tokens: int = Field(
        default=2000,
        ge=64,
        description="Longest reply for a report summary or the risk proposals, in tokens.",
    )
    question_tokens: int = Field(default=400, ge=10, description="Longest question, in tokens.")
    retrieval_k: int = Field(default=8, ge=1, le=100)
    chunks_per_document: int = Field(default=2, ge=1, le=50)
    relevance_threshold: float = Field(
        default=0.32,
        ge=-1,
        le=1,
        description="Below this similarity of the best sentence in the sources, the record is "
        "taken not to cover a question and no model is called.",
    )
    weak_evidence_threshold: float = Field(
        default=0.60,
        ge=-1,
        le=2,
        description="Below this support (closeness of the best passage plus 0.8 x the share of "
        "the question's key terms, weighted by rarity, that one passage holds, minus 0.6 x the "
        "share in words the record never uses), an offline answer says the record may not "
        "answer directly.",
    )

    @field_validator("status_map", mode="before")
    @classmethod
    def _lowercase_statuses(cls, value: object) -> object:
        # Trackers disagree on capitalisation ("In review", "In Review"): match ignoring case.
        if isinstance(value, dict):
            return {str(k).strip().lower(): v for k, v in value.items()}
        return value

    @property
    def allowed_host_names(self) -> list[str]:
        return [name.strip().lower() for name in self.allowed_hosts.split(",") if name.strip()]

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

    @property
    def model_cache_path(self) -> Path:
        return self.model_cache or self.home / "models"

    @property
    def keyword_index_path(self) -> Path:
        return self.home / "bm25"

    @property
    def locks_path(self) -> Path:
        return self.home / "locks"

    @property
    def uploads_path(self) -> Path:
        return self.home / "uploads"

    @property
    def chat_provider(self) -> Literal["openai", "azure", "local", "none"]:
        """The provider `llm=auto` resolves to, from the credentials that are set."""
        if self.llm != "auto":
            return self.llm
        if self.openai_api_key or self.openai_base_url:
            return "openai"
        if self.azure_openai_endpoint:
            return "azure"
        return "none"
