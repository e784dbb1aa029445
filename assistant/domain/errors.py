"""Errors a person can act on.

Each message says what went wrong in words every interface can show. An error about one input
names it in `field` (the service's name for it, e.g. `start` or `actor`); each interface words
that field its own way: `--from` on the command line, the JSON field `from` in the API, the form's
label on a page. Messages never name a command-line flag or command themselves.
"""

from __future__ import annotations


class PmassistError(Exception):
    """Base of every error pmassist reports to its user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInputError(PmassistError):
    """A request was given something it cannot use (a bad path, name, date or option)."""


class JobBusyError(PmassistError):
    """A scheduled job of the project is running; one job per project runs at a time."""


class NotFoundError(PmassistError):
    """The project, document, draft or risk asked for does not exist (or is not the caller's)."""


class AccessDeniedError(PmassistError):
    """The caller may read the project but not change it."""


class UnknownProjectError(NotFoundError):
    def __init__(self, project: str, known: list[str]) -> None:
        hint = (
            f" Known projects: {', '.join(known)}."
            if known
            else " No project has been ingested yet."
        )
        super().__init__(f"Unknown project '{project}'.{hint}", field="project")
        self.project = project


class UnknownDocumentError(NotFoundError):
    def __init__(self, project: str, document_id: str) -> None:
        super().__init__(
            f"Project '{project}' has no document '{document_id}'.", field="document_id"
        )
        self.project = project
        self.document_id = document_id


class UnknownDraftError(NotFoundError):
    def __init__(self, draft_id: int) -> None:
        super().__init__(f"There is no draft {draft_id}.", field="draft_id")
        self.draft_id = draft_id


class UnknownRiskError(NotFoundError):
    def __init__(self, project: str, risk_id: str) -> None:
        super().__init__(f"Project '{project}' has no risk '{risk_id}'.", field="risk_id")
        self.project = project
        self.risk_id = risk_id


class UnknownTokenError(NotFoundError):
    def __init__(self, token_id: int) -> None:
        super().__init__(f"There is no active token {token_id}.", field="token_id")
        self.token_id = token_id


class NoDocumentsError(InvalidInputError):
    """The project exists but holds no documents to answer from or report on."""

    def __init__(self, project: str) -> None:
        super().__init__(f"Project '{project}' has no documents yet.", field="project")
        self.project = project


class ApprovalRefused(PmassistError):
    """The draft's checks failed and no override reason was given."""

    def __init__(self, draft_id: int, reasons: list[str]) -> None:
        listed = "\n".join(f"  - {reason}" for reason in reasons)
        super().__init__(
            f"Draft {draft_id} did not pass its checks, so it is not approved:\n{listed}",
            field="override_reason",
        )
        self.draft_id = draft_id
        self.reasons = reasons


class EmbeddingModelMismatchError(PmassistError):
    """The index was built with one embedding model and is being used with another."""

    def __init__(self, project: str, indexed_with: str, configured: str) -> None:
        super().__init__(
            f"Project '{project}' is indexed with embedding model '{indexed_with}', but the "
            f"configured model is '{configured}'. Vectors from different models cannot be mixed: "
            f"reindex the project to rebuild its index with '{configured}', or set "
            "PMASSIST_EMBEDDINGS back to the model it was built with."
        )
        self.project = project
        self.indexed_with = indexed_with
        self.configured = configured


class EmbeddingError(PmassistError):
    """The embedding model could not be loaded or did not answer."""
