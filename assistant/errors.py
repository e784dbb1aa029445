"""Errors a person can act on: each message says what went wrong and, where known, the fix."""

from __future__ import annotations


class PmassistError(Exception):
    """Base of every error pmassist reports to its user."""


class InvalidInputError(PmassistError):
    """A command was given something it cannot use (a bad path, project name or option)."""


class UnknownProjectError(PmassistError):
    def __init__(self, project: str, known: list[str]) -> None:
        hint = (
            f" Known projects: {', '.join(known)}."
            if known
            else " No project has been ingested yet."
        )
        super().__init__(f"Unknown project '{project}'.{hint}")
        self.project = project


class UnknownDocumentError(PmassistError):
    def __init__(self, project: str, document_id: str) -> None:
        super().__init__(
            f"Project '{project}' has no document '{document_id}'. "
            f"`pmassist docs --project {project}` lists the ids."
        )


class EmbeddingModelMismatchError(PmassistError):
    """The index was built with one embedding model and is being used with another."""

    def __init__(self, project: str, indexed_with: str, configured: str) -> None:
        super().__init__(
            f"Project '{project}' is indexed with embedding model '{indexed_with}', but the "
            f"configured model is '{configured}'. Vectors from different models cannot be mixed. "
            f"Run `pmassist reindex --project {project}` to rebuild the index with '{configured}', "
            f"or set PMASSIST_EMBEDDINGS back to the model it was built with."
        )
        self.indexed_with = indexed_with
        self.configured = configured


class EmbeddingError(PmassistError):
    """The embedding model could not be loaded or did not answer."""
